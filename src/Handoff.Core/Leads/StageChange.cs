using Handoff.Common;

namespace Handoff.Leads;

/// <summary>
/// One move of a lead between stages. Append-only: an undo is a new change that points at the one it reverses.
/// It also keeps what the lead looked like before the move, so that the undo can restore it exactly.
/// </summary>
public sealed class StageChange
{
    private StageChange()
    {
    }

    public Guid Id { get; private set; }
    public Guid LeadId { get; private set; }

    /// <summary>The lead's version right after this change: orders a lead's whole history.</summary>
    public int Sequence { get; private set; }

    /// <summary>Null for the change that created the lead.</summary>
    public LeadStage? From { get; private set; }
    public LeadStage To { get; private set; }
    public DateTime At { get; private set; }
    public ActorKind ActorKind { get; private set; }
    public string ActorId { get; private set; } = "";
    public string ActorName { get; private set; } = "";
    public string? Reason { get; private set; }
    public string? Note { get; private set; }

    /// <summary>JSON: the rules, criteria or activities that justified the change.</summary>
    public string? Evidence { get; private set; }

    /// <summary>The qualification definition version the change was judged under, once definitions exist.</summary>
    public int? DefinitionVersion { get; private set; }

    /// <summary>Wake date set by this change (moves into Nurture).</summary>
    public DateTime? WakeAt { get; private set; }

    /// <summary>The change this one reverses, when it is an undo.</summary>
    public Guid? UndoOf { get; private set; }

    public string? PreviousReason { get; private set; }
    public DateTime? PreviousWakeAt { get; private set; }

    /// <summary>Records the definition version the change was judged under (the first one given wins).</summary>
    public void JudgedUnder(int version) => DefinitionVersion ??= version;

    internal static StageChange Record(
        Lead lead,
        LeadStage? from,
        LeadStage to,
        Actor actor,
        DateTime at,
        string? reason,
        string? note,
        string? evidence,
        Guid? undoOf,
        string? previousReason,
        DateTime? previousWakeAt) => new()
    {
        Id = Ids.NewId(),
        LeadId = lead.Id,
        Sequence = lead.Version,
        From = from,
        To = to,
        At = at,
        ActorKind = actor.Kind,
        ActorId = actor.Id,
        ActorName = actor.Name,
        Reason = reason,
        Note = note,
        Evidence = evidence,
        WakeAt = to == LeadStage.Nurture ? lead.WakeAt : null,
        UndoOf = undoOf,
        PreviousReason = previousReason,
        PreviousWakeAt = previousWakeAt,
    };
}
