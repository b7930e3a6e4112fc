using Handoff.Common;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Qualification;

/// <summary>Which side of the contract an approver signs for.</summary>
public enum ApprovalSide
{
    Marketing,
    Sales,
}

/// <summary>Where a definition version is in its life.</summary>
public enum DefinitionState
{
    Draft,
    Scheduled,
    Active,
    Superseded,
}

/// <summary>
/// One version of the written MQL/SQL contract. A draft is signed by at least one marketing and one sales
/// approver, then activated from a date; from then on its document never changes. The version active at a time
/// is the activated one with the latest start at or before that time, so exactly one is active once any is.
/// </summary>
public sealed class QualificationDefinition
{
    private QualificationDefinition()
    {
    }

    public Guid Id { get; private set; }
    public int Version { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>The <see cref="DefinitionDocument"/> as JSON.</summary>
    public string Document { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    /// <summary>When it takes effect; null while it is a draft.</summary>
    public DateTime? ActiveFrom { get; private set; }
    public DateTime? ActivatedAt { get; private set; }
    public string? ActivatedBy { get; private set; }

    /// <summary>When the two sides should look at it again (from activation, then from each review).</summary>
    public DateTime? ReviewDueAt { get; private set; }
    public DateTime? ReviewedAt { get; private set; }

    public bool IsDraft => ActiveFrom is null;

    public static QualificationDefinition Draft(int version, string name, string document, string createdBy, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Version = version,
        Name = name.Trim(),
        Document = document,
        CreatedAt = at,
        CreatedBy = createdBy,
    };

    public void Activate(DateTime from, int reviewEveryDays, string by, DateTime at)
    {
        ActiveFrom = from;
        ActivatedAt = at;
        ActivatedBy = by;
        ReviewDueAt = from.AddDays(reviewEveryDays);
    }

    public void Reviewed(DateTime at, int reviewEveryDays)
    {
        ReviewedAt = at;
        ReviewDueAt = at.AddDays(reviewEveryDays);
    }
}

/// <summary>One approver's signature on a definition draft, with their comment.</summary>
public sealed class DefinitionSignOff
{
    private DefinitionSignOff()
    {
    }

    public Guid Id { get; private set; }
    public Guid DefinitionId { get; private set; }
    public Guid UserId { get; private set; }
    public string UserName { get; private set; } = "";
    public Role Role { get; private set; }
    public ApprovalSide Side { get; private set; }
    public string Comment { get; private set; } = "";
    public DateTime At { get; private set; }

    public static DefinitionSignOff Record(Guid definitionId, User user, ApprovalSide side, string comment, DateTime at) => new()
    {
        Id = Ids.NewId(),
        DefinitionId = definitionId,
        UserId = user.Id,
        UserName = user.Name,
        Role = user.Role,
        Side = side,
        Comment = comment,
        At = at,
    };

    /// <summary>The side a role signs for: marketing for marketing, sales for SDRs, AEs and managers; admins sign for nobody.</summary>
    public static ApprovalSide? SideOf(Role role) => role switch
    {
        Role.Marketing => ApprovalSide.Marketing,
        Role.Sdr or Role.Ae or Role.Manager => ApprovalSide.Sales,
        _ => null,
    };
}

internal sealed class QualificationDefinitionConfiguration : IEntityTypeConfiguration<QualificationDefinition>
{
    public void Configure(EntityTypeBuilder<QualificationDefinition> b)
    {
        b.HasKey(d => d.Id);
        b.HasIndex(d => d.Version).IsUnique();
        b.Property(d => d.Name).HasMaxLength(200);
        b.Property(d => d.CreatedBy).HasMaxLength(200);
        b.Property(d => d.ActivatedBy).HasMaxLength(200);
        b.Ignore(d => d.IsDraft);
    }
}

internal sealed class DefinitionSignOffConfiguration : IEntityTypeConfiguration<DefinitionSignOff>
{
    public void Configure(EntityTypeBuilder<DefinitionSignOff> b)
    {
        b.HasKey(s => s.Id);
        b.HasOne<QualificationDefinition>().WithMany().HasForeignKey(s => s.DefinitionId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(s => new { s.DefinitionId, s.UserId }).IsUnique();
        b.Property(s => s.UserName).HasMaxLength(200);
        b.Property(s => s.Comment).HasMaxLength(2000);
        b.Property(s => s.Side).HasConversion<string>().HasMaxLength(20);
    }
}
