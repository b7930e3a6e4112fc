using System.Text.Json;
using Handoff.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Scoring;

/// <summary>Where a scoring model version is in its life.</summary>
public enum ScoringModelStatus
{
    Draft,
    Active,
    Retired,
}

/// <summary>
/// One version of the scoring model: a draft while it is edited, then active (exactly one at a time), then retired
/// when another is activated. An active or retired version never changes; editing it makes a new draft.
/// </summary>
public sealed class ScoringModel
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private ScoringModel()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>1, 2, 3 ... across all models of the workspace; the breakdown of every score names it.</summary>
    public int Version { get; private set; }

    public string Name { get; private set; } = "";
    public ScoringModelStatus Status { get; private set; }

    /// <summary>The <see cref="ScoringDocument"/> as JSON.</summary>
    public string Document { get; private set; } = "";

    /// <summary>The version this draft was made from, if any.</summary>
    public int? BasedOnVersion { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }
    public DateTime? ActivatedAt { get; private set; }
    public DateTime? RetiredAt { get; private set; }
    public string? ActivatedBy { get; private set; }

    public ScoringDocument Read() => JsonSerializer.Deserialize<ScoringDocument>(Document, Json)!;

    public static ScoringModel Draft(int version, ScoringDocument doc, DateTime at, int? basedOn) => new()
    {
        Id = Ids.NewId(),
        Version = version,
        Name = doc.Name!.Trim(),
        Status = ScoringModelStatus.Draft,
        Document = JsonSerializer.Serialize(doc, Json),
        BasedOnVersion = basedOn,
        CreatedAt = at,
        UpdatedAt = at,
    };

    /// <summary>Replaces a draft's document; active and retired versions are immutable.</summary>
    public Error? Edit(ScoringDocument doc, DateTime at)
    {
        if (Status != ScoringModelStatus.Draft)
        {
            return new ConflictError("model-not-draft", $"Version {Version} is {Status} and cannot change; edit it to get a new draft.");
        }

        Name = doc.Name!.Trim();
        Document = JsonSerializer.Serialize(doc, Json);
        UpdatedAt = at;
        return null;
    }

    public void Activate(Actor by, DateTime at)
    {
        Status = ScoringModelStatus.Active;
        ActivatedAt = at;
        ActivatedBy = by.Name;
        UpdatedAt = at;
    }

    public void Retire(DateTime at)
    {
        Status = ScoringModelStatus.Retired;
        RetiredAt = at;
        UpdatedAt = at;
    }
}

internal sealed class ScoringModelConfiguration : IEntityTypeConfiguration<ScoringModel>
{
    public void Configure(EntityTypeBuilder<ScoringModel> b)
    {
        b.HasKey(m => m.Id);
        b.Property(m => m.Name).HasMaxLength(200);
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(m => m.ActivatedBy).HasMaxLength(200);
        b.HasIndex(m => m.Version).IsUnique();

        // Exactly one active model: a second activation at the same moment fails on this index.
        b.HasIndex(m => m.Status).IsUnique().HasFilter("status = 'Active'");
    }
}
