using Handoff.Common;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Qualification;

/// <summary>A line of a conversation (a chat or call activity) that proves an answer.</summary>
public sealed record ConversationLine(Guid ActivityId, int Line, string? Text = null);

/// <summary>What proves an answer: a note, and/or touches, conversation lines and lead fields.</summary>
public sealed record AnswerEvidence
{
    public IReadOnlyList<Guid> ActivityIds { get; init; } = [];
    public IReadOnlyList<ConversationLine> ConversationLines { get; init; } = [];
    public IReadOnlyList<string> Fields { get; init; } = [];
}

/// <summary>
/// One answer to one criterion for one lead, with its evidence. Append-only: a new answer to the same criterion
/// supersedes the older one, which stays for the record.
/// </summary>
public sealed class QualificationAnswer
{
    private QualificationAnswer()
    {
    }

    public Guid Id { get; private set; }
    public Guid LeadId { get; private set; }
    public string Criterion { get; private set; } = "";

    /// <summary>The answer as JSON (true, "Director", 120, "2027-03-31", "text").</summary>
    public string Value { get; private set; } = "";
    public string? Note { get; private set; }

    /// <summary>The <see cref="AnswerEvidence"/> as JSON, when any was given.</summary>
    public string? Evidence { get; private set; }
    public ActorKind ActorKind { get; private set; }
    public string ActorId { get; private set; } = "";
    public string ActorName { get; private set; } = "";
    public DateTime At { get; private set; }

    public static QualificationAnswer Record(Guid leadId, string criterion, string value, string? note, string? evidence, Actor actor, DateTime at) => new()
    {
        Id = Ids.NewId(),
        LeadId = leadId,
        Criterion = criterion,
        Value = value,
        Note = note,
        Evidence = evidence,
        ActorKind = actor.Kind,
        ActorId = actor.Id,
        ActorName = actor.Name,
        At = at,
    };
}

/// <summary>An SQL designation that did not pass the definition, made anyway with a written justification; listed for review.</summary>
public sealed class QualificationException
{
    private QualificationException()
    {
    }

    public Guid Id { get; private set; }
    public Guid LeadId { get; private set; }
    public Guid StageChangeId { get; private set; }
    public int DefinitionVersion { get; private set; }
    public string Justification { get; private set; } = "";

    /// <summary>The failed criteria and checks, as JSON.</summary>
    public string Failed { get; private set; } = "";
    public ActorKind ActorKind { get; private set; }
    public string ActorId { get; private set; } = "";
    public string ActorName { get; private set; } = "";
    public DateTime At { get; private set; }

    public static QualificationException Record(Guid leadId, Guid stageChangeId, int version, string justification, string failed, Actor actor, DateTime at) => new()
    {
        Id = Ids.NewId(),
        LeadId = leadId,
        StageChangeId = stageChangeId,
        DefinitionVersion = version,
        Justification = justification,
        Failed = failed,
        ActorKind = actor.Kind,
        ActorId = actor.Id,
        ActorName = actor.Name,
        At = at,
    };
}

internal sealed class QualificationAnswerConfiguration : IEntityTypeConfiguration<QualificationAnswer>
{
    public void Configure(EntityTypeBuilder<QualificationAnswer> b)
    {
        b.HasKey(a => a.Id);
        b.HasOne<Lead>().WithMany().HasForeignKey(a => a.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(a => new { a.LeadId, a.Criterion, a.At });
        b.Property(a => a.Criterion).HasMaxLength(50);
        b.Property(a => a.Value).HasMaxLength(4000);
        b.Property(a => a.Note).HasMaxLength(4000);
        b.Property(a => a.ActorId).HasMaxLength(100);
        b.Property(a => a.ActorName).HasMaxLength(200);
    }
}

internal sealed class QualificationExceptionConfiguration : IEntityTypeConfiguration<QualificationException>
{
    public void Configure(EntityTypeBuilder<QualificationException> b)
    {
        b.HasKey(e => e.Id);
        b.HasOne<Lead>().WithMany().HasForeignKey(e => e.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => e.At);
        b.Property(e => e.Justification).HasMaxLength(4000);
        b.Property(e => e.ActorId).HasMaxLength(100);
        b.Property(e => e.ActorName).HasMaxLength(200);
    }
}
