using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>
    /// The version of this row as <c>ETag</c> and <c>If-Match</c> carry it: a hash of its status, document and last
    /// change, so that an edit or an activation changes it even when both happen at the same clock reading.
    /// </summary>
    public string Revision =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Status}|{UpdatedAt.Ticks}|{Document}"))))[..20];

    public ScoringDocument Read() => JsonSerializer.Deserialize<ScoringDocument>(Document, Json)!;

    public static ScoringModel Draft(int version, ScoringDocument doc, DateTime at, int? basedOn) => new()
    {
        Id = Ids.NewId(),
        Version = version,
        Name = doc.Name!.Trim(),
        Status = ScoringModelStatus.Draft,
        Document = JsonSerializer.Serialize(doc, Json),
        BasedOnVersion = basedOn,
        CreatedAt = Stored(at),
        UpdatedAt = Stored(at),
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
        UpdatedAt = Stored(at);
        return null;
    }

    public void Activate(Actor by, DateTime at)
    {
        Status = ScoringModelStatus.Active;
        ActivatedAt = Stored(at);
        ActivatedBy = by.Name;
        UpdatedAt = Stored(at);
    }

    public void Retire(DateTime at)
    {
        Status = ScoringModelStatus.Retired;
        RetiredAt = Stored(at);
        UpdatedAt = Stored(at);
    }

    /// <summary>
    /// A time as the database keeps it (PostgreSQL to the microsecond), so that the revision computed after a change
    /// is the one a later read computes, and the change's concurrency token matches the stored value.
    /// </summary>
    private static DateTime Stored(DateTime at) => at.AddTicks(-(at.Ticks % 10));
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

        // Every UPDATE of a version checks that its status, document and last change are still those it read: an
        // edit of a draft and its activation at the same moment cannot both succeed, so an active (or retired)
        // version never changes after the fact. No column changes, so no migration.
        b.Property(m => m.Status).IsConcurrencyToken();
        b.Property(m => m.Document).IsConcurrencyToken();
        b.Property(m => m.UpdatedAt).IsConcurrencyToken();

        // Exactly one active model: a second activation at the same moment fails on this index.
        b.HasIndex(m => m.Status).IsUnique().HasFilter("status = 'Active'");
    }
}
