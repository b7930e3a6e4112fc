using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;

namespace Handoff.Leads;

/// <summary>
/// What just happened to one lead, handed to every automation step in turn. Steps see the lead as the steps
/// before them left it and add what they did (a score move, an MQL transition, an assignment), so one pass
/// carries a capture all the way: score → MQL check → route → SLA clocks.
/// </summary>
public sealed class LeadChange(Lead lead, Actor actor, DateTime at)
{
    public Lead Lead { get; } = lead;

    /// <summary>Who caused the change (a user, an integration, the system).</summary>
    public Actor Actor { get; } = actor;

    public DateTime At { get; } = at;

    /// <summary>The lead was created by this change (capture).</summary>
    public bool Created { get; init; }

    /// <summary>Person or company fields changed (capture of a known person, PATCH, merge, enrichment).</summary>
    public bool FieldsChanged { get; set; }

    /// <summary>New touches of this lead, added to the context and maybe not saved yet.</summary>
    public List<Activity> Activities { get; } = [];

    /// <summary>Stage moves made in this change, including those made by earlier steps; added to the context already.</summary>
    public List<StageChange> StageChanges { get; } = [];

    /// <summary>
    /// Another lead's touches joined this one (a merge), so steps that keep running totals should recompute from the
    /// stored activities rather than add <see cref="Activities"/>.
    /// </summary>
    public bool ActivitiesMerged { get; init; }

    /// <summary>The owner changed in this change (by a person or by an earlier step).</summary>
    public bool OwnerChanged { get; set; }
}

/// <summary>One automatic reaction to lead changes (scoring, the MQL check, routing, service-level clocks).</summary>
public interface ILeadAutomation
{
    /// <summary>Lower runs first: scoring 100, MQL check 200, routing 300, SLA clocks 400.</summary>
    int Order { get; }

    /// <summary>Reacts inside the caller's transaction, before it saves; changes go through the tracked context.</summary>
    Task ApplyAsync(LeadChange change, CancellationToken ct);
}

/// <summary>Runs every registered automation step, in order, on a lead change. Every use case that changes a lead calls it.</summary>
public sealed class LeadAutomations(IEnumerable<ILeadAutomation> steps)
{
    private readonly ILeadAutomation[] _steps = [.. steps.OrderBy(s => s.Order)];

    public async Task RunAsync(LeadChange change, CancellationToken ct)
    {
        foreach (var step in _steps)
        {
            await step.ApplyAsync(change, ct);
        }
    }

    /// <summary>
    /// Records a stage move of <paramref name="lead"/> (its history row and outbox event) and runs every step on it,
    /// with the touches that joined the lead in the same change (<paramref name="joined"/>: a restore from Junk).
    /// </summary>
    public async Task MovedAsync(HandoffDb db, Lead lead, StageChange move, Actor actor, CancellationToken ct, IReadOnlyList<Activity>? joined = null)
    {
        db.Insert(move);
        LeadEvents.StageChanged(db, move);
        var change = new LeadChange(lead, actor, move.At);
        change.StageChanges.Add(move);
        change.Activities.AddRange(joined ?? []);
        await RunAsync(change, ct);
    }
}
