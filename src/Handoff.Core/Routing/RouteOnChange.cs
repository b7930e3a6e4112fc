using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Routing;

/// <summary>
/// The routing step of the lead automations (Order 300): routes a lead when it reaches the moment the active rule
/// set names (created for <c>Capture</c>, a move to MQL or SQL) and routes SQLs by the account-executive rules when
/// those exist.
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
            }
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

    /// <summary>Gives the lead to the decided owner and records the assignment (and the event when the owner changed). True when it changed.</summary>
    internal static bool Assign(HandoffDb db, Lead lead, RoutingDecision decision, string trigger, Actor actor, DateTime at)
    {
        var assignment = AssignInMemory(lead, decision, trigger, actor, at);
        Insert(db, assignment);
        return assignment.From is not null;
    }

    /// <summary>Inserts an assignment, and its <c>lead.owner-changed</c> event when it moved the lead and someone subscribes.</summary>
    public static void Insert(HandoffDb db, Assignment assignment)
    {
        db.Insert(assignment);
        LeadEvents.OwnerChanged(db, assignment);
    }

    /// <summary>
    /// Gives the lead to the decided owner and makes its assignment record (the history's <c>owner-changed</c> entry
    /// when the owner changed), without recording it: the caller does (the import bulk-inserts them).
    /// </summary>
    internal static Assignment AssignInMemory(Lead lead, RoutingDecision decision, string trigger, Actor actor, DateTime at)
    {
        var by = decision.RuleName is { } rule ? $"rule '{rule}' of {decision.Purpose} rules v{decision.RuleSetVersion}"
            : decision.Fallback ? "fallback" : "routing";
        var from = lead.AssignTo(decision.Owner, at);
        return Assignment.Record(lead, from, trigger, decision, actor, at, $"Routed to {decision.OwnerName} by {by}");
    }
}
