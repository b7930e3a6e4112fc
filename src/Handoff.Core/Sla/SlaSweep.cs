using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Notifications;
using Handoff.Routing;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Sla;

/// <summary>What one sweep did.</summary>
public sealed record SweepResult(int Due, int Handled, int AtRisk, int Escalations);

/// <summary>
/// Looks at the clocks whose next check is due: warns the owner once when a lead is at risk, and on breach runs the
/// escalation ladder, each rung exactly once, each recorded in the lead's history. Several nodes may sweep at the same
/// time: each clock is handled in its own transaction that first locks it (<c>FOR UPDATE SKIP LOCKED</c> on
/// PostgreSQL, so a clock another node holds is skipped), and the clock's version token turns any second writer into
/// a failed, harmless save.
/// </summary>
public sealed class SlaSweep(
    HandoffDb db,
    TimeProvider clock,
    AssignLead assign,
    FallbackQueue fallback,
    Notifier notifier,
    SqliteWriteGate gate,
    IOptions<SlaOptions> options)
{
    /// <summary>The webhook event (and notification kind) of a clock at risk, and of one breached.</summary>
    internal const string AtRiskEvent = "sla.at-risk";
    internal const string BreachedEvent = "sla.breached";

    /// <summary>Policy versions never change once written, so one read per version per sweep is enough.</summary>
    private readonly Dictionary<Guid, SlaPolicy> _policies = [];

    public async Task<SweepResult> RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.SlaClocks.AsNoTracking()
            .Where(c => c.NextCheckAt != null && c.NextCheckAt <= now)
            .OrderBy(c => c.NextCheckAt).Take(options.Value.SweepBatchSize)
            .Select(c => c.Id).ToListAsync(ct);
        int handled = 0, atRisk = 0, escalations = 0;
        foreach (var id in due)
        {
            db.ChangeTracker.Clear();
            var outcome = await HandleAsync(id, now, ct);
            if (outcome is { } o)
            {
                handled++;
                atRisk += o.AtRisk ? 1 : 0;
                escalations += o.Escalations;
            }
        }

        db.ChangeTracker.Clear();
        return new SweepResult(due.Count, handled, atRisk, escalations);
    }

    /// <summary>Handles one due clock; null when another node had it or a concurrent edit won (it is retried next round).</summary>
    private async Task<(bool AtRisk, int Escalations)?> HandleAsync(Guid id, DateTime now, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync(db, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var clockRow = !db.IsSqlite
            ? (await db.SlaClocks.FromSql($"SELECT * FROM sla_clocks WHERE id = {id} AND next_check_at <= {now} FOR UPDATE SKIP LOCKED").ToListAsync(ct)).FirstOrDefault()
            : await db.SlaClocks.FirstOrDefaultAsync(c => c.Id == id && c.NextCheckAt <= now, ct);
        if (clockRow is not { State: ClockState.Running })
        {
            return null;
        }

        var lead = await db.Leads.FirstAsync(l => l.Id == clockRow.LeadId, ct);
        if (!_policies.TryGetValue(clockRow.PolicyId, out var policy))
        {
            policy = await db.SlaPolicies.AsNoTracking().FirstAsync(p => p.Id == clockRow.PolicyId, ct);
            _policies[policy.Id] = policy;
        }

        var atRisk = false;
        var escalations = 0;
        Error? failed = null;
        if (!StageRules.IsOpen(lead.Stage) || (clockRow.Target != SlaTarget.FirstTouch && lead.Stage != clockRow.Stage))
        {
            // The lead moved without the automation step seeing it (a merge closed it, a bulk change): settle the clock.
            if (clockRow.Target != SlaTarget.FirstTouch && lead.Stage != clockRow.Stage)
            {
                clockRow.Stop(lead.StageEnteredAt, $"moved to {lead.Stage}");
            }
            else
            {
                clockRow.Cancel(now, $"lead is {lead.Stage}");
            }
        }
        else if (now < clockRow.DueAt)
        {
            if (!clockRow.AtRiskNotified)
            {
                await NotifyOwnerAsync(lead, AtRiskEvent, $"At risk: {Describe(lead)}", $"{policy.Name} is due at {clockRow.DueAt:u}. Lead {lead.Id}.", now, ct);
                IntegrationEvents.Publish(db, AtRiskEvent, lead.Id, Payload(lead, policy, clockRow), now);
                atRisk = true;
            }

            clockRow.MarkAtRiskNotified(now);
        }
        else
        {
            var ladder = policy.Ladder;
            if (clockRow.BreachedAt is null)
            {
                IntegrationEvents.Publish(db, BreachedEvent, lead.Id, Payload(lead, policy, clockRow), now);
                if (ladder.Count == 0)
                {
                    Record(lead, policy, clockRow, AuditActions.SlaBreached, null, "breached; the policy has no escalation ladder", now);
                    escalations++;
                }
            }

            var ran = 0;
            while (clockRow.EscalationsDone < ladder.Count && now >= clockRow.DueAt.AddMinutes(ladder[clockRow.EscalationsDone].AfterMinutes))
            {
                var step = ladder[clockRow.EscalationsDone];
                var rung = clockRow.EscalationsDone + 1;
                var next = rung < ladder.Count ? clockRow.DueAt.AddMinutes(ladder[rung].AfterMinutes) : (DateTime?)null;
                var (result, newOwner) = await RunStepAsync(lead, policy, clockRow, step, now, ct);
                Record(lead, policy, clockRow, AuditActions.SlaEscalated, step, result, now);
                clockRow.Escalated(now, next);
                escalations++;
                ran++;
                if (newOwner is { } owner)
                {
                    // The assignment saves everything tracked so far in this transaction, and restarts the owner's clocks.
                    var assigned = await assign.HandleAsync(lead.Id, new AssignRequest(owner.Kind, owner.Id, $"SLA {policy.Key}: {result}"), null, Actor.System($"sla:{policy.Key}"), ct);
                    if (assigned.Error is ConflictError conflict)
                    {
                        failed = conflict;
                    }

                    break;
                }
            }

            if (ran == 0)
            {
                // Nothing due yet (the next rung waits) or nothing left: wake up for the next rung, or never again.
                clockRow.Breached(now, clockRow.EscalationsDone < ladder.Count ? clockRow.DueAt.AddMinutes(ladder[clockRow.EscalationsDone].AfterMinutes) : null);
            }
        }

        if (failed is null && await LeadChanges.SaveAsync(db, ct) is { } conflictOnSave)
        {
            failed = conflictOnSave;
        }

        if (failed is not null)
        {
            await transaction.RollbackAsync(ct);
            return null;
        }

        await transaction.CommitAsync(ct);
        return (atRisk, escalations);
    }

    private async Task<(string Result, Owner? NewOwner)> RunStepAsync(Lead lead, SlaPolicy policy, SlaClock clockRow, EscalationStep step, DateTime now, CancellationToken ct)
    {
        var title = $"SLA breached: {Describe(lead)}";
        var body = $"{policy.Name} was due at {clockRow.DueAt:u}. Lead {lead.Id}.";
        switch (step.Action)
        {
            case EscalationAction.NotifyOwner:
                return (await NotifyOwnerAsync(lead, BreachedEvent, title, body, now, ct), null);
            case EscalationAction.NotifyManager:
                var managerId = lead.OwnerKind == OwnerKind.User
                    ? await (from u in db.Users
                             join t in db.Teams on u.TeamId equals t.Id
                             where u.Id == lead.OwnerId
                             select t.ManagerUserId).FirstOrDefaultAsync(ct)
                    : null;
                if (managerId is not { } manager)
                {
                    return ("no manager to notify (the owner has no team manager)", null);
                }

                return (await notifier.NotifyAsync(manager, lead.Id, "sla.escalated", $"Escalated to you: {Describe(lead)}", body, now, ct) is null
                    ? "the manager is not an active user"
                    : $"notified manager user:{manager}", null);
            default:
                var target = await ReassignTargetAsync(lead, step, now, ct);
                return (target == lead.Owner ? $"no one else to reassign to (stays with {target})" : $"reassigned to {target}", target == lead.Owner ? null : target);
        }
    }

    private async Task<string> NotifyOwnerAsync(Lead lead, string kind, string title, string body, DateTime now, CancellationToken ct)
    {
        if (lead.OwnerKind != OwnerKind.User)
        {
            return $"the owner is a queue ({lead.Owner}): nobody to notify";
        }

        return await notifier.NotifyAsync(lead.OwnerId, lead.Id, kind, title, body, now, ct) is null
            ? "the owner is not an active user"
            : $"notified owner user:{lead.OwnerId}";
    }

    /// <summary>
    /// The queue of the step (or the fallback), or the next member of the owner's team by name who can take the lead
    /// now: active, not away by their routing profile (out of office, outside their working hours) and under its
    /// capacity, as routing has it. A breached lead given to someone on holiday would only breach again.
    /// </summary>
    private async Task<Owner> ReassignTargetAsync(Lead lead, EscalationStep step, DateTime now, CancellationToken ct)
    {
        if (step.To == ReassignTarget.NextMember && lead.OwnerKind == OwnerKind.User)
        {
            var teamId = await db.Users.Where(u => u.Id == lead.OwnerId).Select(u => u.TeamId).FirstOrDefaultAsync(ct);
            if (teamId is not null)
            {
                var members = await db.Users.AsNoTracking().Where(u => u.TeamId == teamId && u.IsActive)
                    .OrderBy(u => u.Name).ThenBy(u => u.Id).Select(u => new Router.RosterUser(u.Id, u.Name, u.IsActive)).ToListAsync(ct);
                var index = members.FindIndex(u => u.Id == lead.OwnerId);
                var others = members.Skip(index + 1).Concat(members.Take(Math.Max(index, 0))).Where(u => u.Id != lead.OwnerId).ToList();
                var ids = others.Select(u => u.Id).ToList();
                var profiles = await db.RoutingProfiles.AsNoTracking().Where(p => ids.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, ct);
                var capped = profiles.Values.Where(p => p.Capacity is not null).Select(p => p.UserId).ToList();
                var open = capped.Count == 0 ? [] : await Router.OpenLeadCountsAsync(db, capped, ct);
                if (others.FirstOrDefault(u => Router.Availability(u.Id, u, profiles.GetValueOrDefault(u.Id), open.GetValueOrDefault(u.Id), now).Unavailable is null) is { } next)
                {
                    return new Owner(OwnerKind.User, next.Id);
                }
            }
        }

        return new Owner(OwnerKind.Queue, step.QueueId ?? await fallback.IdAsync(db, ct));
    }

    private void Record(Lead lead, SlaPolicy policy, SlaClock clockRow, string action, EscalationStep? step, string result, DateTime now)
    {
        var changes = JsonSerializer.Serialize(
            new
            {
                policy = policy.Key,
                policyVersion = policy.Version,
                target = policy.Target.ToString(),
                clockId = clockRow.Id,
                dueAt = clockRow.DueAt,
                rung = step is null ? (int?)null : clockRow.EscalationsDone + 1,
                action = step?.Action.ToString(),
                result,
            },
            SlaPolicy.Json);
        var entry = lead.Noted(action, changes, Actor.System($"sla:{policy.Key}"), now, $"{policy.Name}: {result}");
        db.AuditEntries.Add(entry);
        LeadEvents.Audited(db, entry);
    }

    private static string Payload(Lead lead, SlaPolicy policy, SlaClock clockRow) =>
        JsonSerializer.Serialize(
            new
            {
                leadId = lead.Id,
                clockId = clockRow.Id,
                policy = policy.Key,
                policyVersion = policy.Version,
                target = policy.Target.ToString(),
                dueAt = clockRow.DueAt,
                atRiskAt = clockRow.AtRiskAt,
                owner = lead.Owner.ToString(),
            },
            SlaPolicy.Json);

    private static string Describe(Lead lead) =>
        string.Join(" ", new[] { lead.FirstName, lead.LastName }.Where(n => !string.IsNullOrWhiteSpace(n))) is { Length: > 0 } name
            ? lead.Company is { } company ? $"{name} ({company})" : name
            : lead.Email ?? lead.Id.ToString();
}
