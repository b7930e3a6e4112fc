using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Routing;

/// <summary>
/// The routing step of the lead automations (Order 300): routes a lead when it reaches the moment the active rule
/// set names (created for <c>Capture</c>, a move to MQL or SQL), routes SQLs by the account-executive rules when
/// those exist, and records a hand reassignment made by another use case as an <see cref="Assignment"/>.
/// </summary>
public sealed class RouteOnChange(HandoffDb db, Router router) : ILeadAutomation
{
    public const string RoutingActor = "routing";

    public int Order => 300;

    public async Task ApplyAsync(LeadChange change, CancellationToken ct)
    {
        var lead = change.Lead;
        var moves = change.StageChanges.Where(c => c.UndoOf is null).Select(c => c.To).ToList();
        var mayRoute = StageRules.IsOpen(lead.Stage) && (change.Created || moves.Contains(LeadStage.MQL) || moves.Contains(LeadStage.SQL));
        if (mayRoute)
        {
            var (set, trigger) = await TriggeredAsync(change.Created, moves, ct);
            if (set is not null)
            {
                var decision = await router.DecideAsync(lead, set, set.Purpose, commit: true, ct);
                change.OwnerChanged |= Assign(db, lead, decision, trigger!, Actor.System(RoutingActor), change.At);
                return;
            }
        }

        if (change.OwnerChanged && !Recorded(db, lead.Id))
        {
            db.Insert(Assignment.Record(lead.Id, lead.Owner, "reassign", null, change.Actor, change.At));
        }
    }

    private async Task<(CompiledRuleSet? Set, string? Trigger)> TriggeredAsync(bool created, List<LeadStage> moves, CancellationToken ct)
    {
        var leads = await router.ActiveAsync(RoutingPurpose.Lead, ct);
        if (leads is not null && Trigger(leads, created, moves) is { } trigger)
        {
            return (leads, trigger);
        }

        if (moves.Contains(LeadStage.SQL) && await router.ActiveAsync(RoutingPurpose.AccountExecutive, ct) is { } executives)
        {
            return (executives, "sql");
        }

        return (null, null);
    }

    /// <summary>
    /// The moment of the lead rule set that this change is (<c>capture</c> for a created lead, <c>mql</c>, <c>sql</c>),
    /// or null when the rules do not route now. Pure; shared with the import's batch automation.
    /// </summary>
    internal static string? Trigger(CompiledRuleSet leads, bool created, IReadOnlyCollection<LeadStage> moves) => leads.RouteAt switch
    {
        RouteAt.Capture when created => "capture",
        RouteAt.MQL when moves.Contains(LeadStage.MQL) => "mql",
        RouteAt.SQL when moves.Contains(LeadStage.SQL) => "sql",
        _ => null,
    };

    /// <summary>Gives the lead to the decided owner (history and outbox when it changes) and records the assignment. True when the owner changed.</summary>
    internal static bool Assign(HandoffDb db, Lead lead, RoutingDecision decision, string trigger, Actor actor, DateTime at)
    {
        var (entry, assignment) = AssignInMemory(lead, decision, trigger, actor, at);
        if (entry is not null)
        {
            db.Insert(entry);
            LeadEvents.Audited(db, entry);
        }

        db.Insert(assignment);
        return entry is not null;
    }

    /// <summary>
    /// Gives the lead to the decided owner and makes its history entry (null when the owner stays) and assignment
    /// record, without recording them: the caller does (the import bulk-inserts them).
    /// </summary>
    internal static (AuditEntry? Entry, Assignment Assignment) AssignInMemory(Lead lead, RoutingDecision decision, string trigger, Actor actor, DateTime at)
    {
        var by = decision.RuleName is { } rule ? $"rule '{rule}' of {decision.Purpose} rules v{decision.RuleSetVersion}"
            : decision.Fallback ? "fallback" : "routing";
        var entry = lead.AssignTo(decision.Owner, actor, at, $"Routed to {decision.OwnerName} by {by}");
        return (entry, Assignment.Record(lead.Id, decision.Owner, trigger, decision, actor, at));
    }

    private static bool Recorded(HandoffDb db, Guid leadId) =>
        db.PendingInserts<Assignment>().Any(a => a.LeadId == leadId);
}
