using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Routing;

/// <summary>The answer to <c>POST /api/leads/{id}/route</c>: the lead as it is now and the decision that placed it.</summary>
public sealed record RouteAnswer(LeadView Lead, RoutingDecision Decision);

/// <summary>One assignment as the API shows it.</summary>
public sealed record AssignmentView(
    Guid Id,
    Owner Owner,
    string? OwnerName,
    string Trigger,
    RoutingPurpose? Purpose,
    int? RuleSetVersion,
    int? RuleIndex,
    string? RuleName,
    RoutingStrategy? Strategy,
    IReadOnlyList<string> Why,
    DateTime At,
    Actor By);

/// <summary>Re-runs the routing rules on one lead now, whatever the rule set's <c>routeAt</c>, and lists a lead's assignments.</summary>
public sealed class RouteLead(HandoffDb db, TimeProvider clock, Router router, RoutingRules rules, LeadAutomations automations)
{
    public async Task<Result<RouteAnswer>> HandleAsync(Guid id, int? expectedVersion, Actor actor, CancellationToken ct)
    {
        var loaded = await LeadChanges.LoadAsync(db, id, expectedVersion, ct);
        if (loaded.Error is { } notLoaded)
        {
            return notLoaded;
        }

        var lead = loaded.Value!;
        if (!StageRules.IsOpen(lead.Stage))
        {
            return new ConflictError("closed-lead", $"A lead in {lead.Stage} is closed; only open leads are routed.");
        }

        var purpose = await rules.PurposeForAsync(lead, ct);
        var decision = await router.DecideAsync(lead, purpose, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = RouteOnChange.Assign(db, lead, decision, "manual-route", actor, now);
        await automations.RunAsync(new LeadChange(lead, actor, now) { OwnerChanged = changed }, ct);
        if (await LeadChanges.SaveAsync(db, ct) is { } conflict)
        {
            return conflict;
        }

        return new RouteAnswer(LeadView.From(lead), decision);
    }

    public async Task<Result<IReadOnlyList<AssignmentView>>> ListAsync(Guid leadId, CancellationToken ct)
    {
        if (!await db.Leads.AnyAsync(l => l.Id == leadId, ct))
        {
            return LeadErrors.NotFound(leadId);
        }

        var rows = await db.Assignments.AsNoTracking().Where(a => a.LeadId == leadId).OrderBy(a => a.At).ThenBy(a => a.Id).ToListAsync(ct);
        var ids = rows.Select(r => r.OwnerId).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, u.Name })
            .Concat(db.Queues.AsNoTracking().Where(q => ids.Contains(q.Id)).Select(q => new { q.Id, q.Name }))
            .ToDictionaryAsync(n => n.Id, n => n.Name, ct);
        return rows.Select(a => new AssignmentView(
            a.Id, new Owner(a.OwnerKind, a.OwnerId), names.GetValueOrDefault(a.OwnerId), a.Trigger, a.Purpose, a.RuleSetVersion, a.RuleIndex,
            a.RuleName, a.Strategy, a.Why, a.At, new Actor(a.ActorKind, a.ActorId, a.ActorName))).ToList();
    }
}
