using Handoff.Common;

namespace Handoff.Leads;

/// <summary>
/// The history entries besides stage moves; each is also a webhook event, <c>lead.</c> and the action. An
/// <see cref="AuditEntry"/> records each, except <see cref="OwnerChanged"/>: the <see cref="Routing.Assignment"/> that
/// moved the lead is that entry.
/// </summary>
public static class AuditActions
{
    public const string FieldsUpdated = "fields-updated";
    public const string OwnerChanged = "owner-changed";
    public const string Merged = "merged";
    public const string SlaBreached = "sla-breached";
    public const string SlaEscalated = "sla-escalated";

    public static readonly IReadOnlyList<string> All = [FieldsUpdated, OwnerChanged, Merged, SlaBreached, SlaEscalated];
}

/// <summary>A change to a lead that is not a stage move or a reassignment: field edits, merges, SLA rungs. Append-only.</summary>
public sealed class AuditEntry
{
    private AuditEntry()
    {
    }

    public Guid Id { get; private set; }
    public Guid LeadId { get; private set; }

    /// <summary>The lead's version right after this change: orders a lead's whole history.</summary>
    public int Sequence { get; private set; }
    public DateTime At { get; private set; }

    /// <summary>What happened: one of <see cref="AuditActions"/>.</summary>
    public string Action { get; private set; } = "";
    public ActorKind ActorKind { get; private set; }
    public string ActorId { get; private set; } = "";
    public string ActorName { get; private set; } = "";
    public string? Note { get; private set; }

    /// <summary>JSON object: field name to <c>{ "from": ..., "to": ... }</c>.</summary>
    public string Changes { get; private set; } = "{}";

    internal static AuditEntry Record(Guid leadId, int sequence, string action, Actor actor, DateTime at, string changes, string? note) => new()
    {
        Id = Ids.NewId(),
        LeadId = leadId,
        Sequence = sequence,
        At = at,
        Action = action,
        ActorKind = actor.Kind,
        ActorId = actor.Id,
        ActorName = actor.Name,
        Changes = changes,
        Note = note,
    };
}
