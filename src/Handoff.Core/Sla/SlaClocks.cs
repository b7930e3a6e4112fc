using Handoff.Activities;
using Handoff.Accounts;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Sla;

/// <summary>
/// The automation step (order 400) that starts and stops service-level clocks on real events: a stage entered or
/// left, an assignment, a demo request, a sales touch. It also notes the speed-to-lead moments. It runs inside the
/// lead change's transaction, so a lead is never routed without its clock.
/// </summary>
public sealed class SlaClocks(HandoffDb db, SlaPolicyCache policies, Qualification.ActiveDefinitions definitions) : ILeadAutomation
{
    /// <summary>Activities that count as a sales touch.</summary>
    public static readonly IReadOnlySet<ActivityType> SalesTouches = new HashSet<ActivityType> { ActivityType.SalesTouch, ActivityType.Call, ActivityType.Meeting };

    public int Order => 400;

    public async Task ApplyAsync(LeadChange change, CancellationToken ct)
    {
        var lead = change.Lead;
        var touch = change.Activities.Where(a => SalesTouches.Contains(a.Type)).OrderBy(a => a.OccurredAt).FirstOrDefault();
        NoteSpeed(change, touch);

        var compiled = await policies.GetAsync(db, ct);
        var moved = change.Created || change.OwnerChanged || change.StageChanges.Count > 0 || touch is not null;
        if (!moved && !change.Activities.Any(a => compiled.Any(p => p.Policy.StartActivity == a.Type)))
        {
            return; // a page view, an edit: nothing that starts or stops a clock
        }

        // A lead created in this change has no clock yet (so no query, and no scan of everything tracked).
        List<SlaClock> running = [];
        if (!change.Created)
        {
            await db.SlaClocks.Where(c => c.LeadId == lead.Id && c.State == ClockState.Running).LoadAsync(ct);
            running = db.SlaClocks.Local.Where(c => c.LeadId == lead.Id && c.State == ClockState.Running).ToList();
        }

        foreach (var clock in running)
        {
            Stop(clock, change, touch);
        }

        if (compiled.Count == 0 || !StageRules.IsOpen(lead.Stage))
        {
            return;
        }

        // The active qualification definition may name the policies that apply under it; none named means all apply.
        var named = (await definitions.AtAsync(db, change.At, ct))?.Document.SlaPolicies;
        var applying = named is { Count: > 0 } ? named.ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
        var taken = running.Where(c => c.State == ClockState.Running).Select(c => c.Target).ToHashSet();
        var candidates = Candidates(compiled, applying, change);
        Account? account = null;
        if (lead.AccountId is { } accountId && candidates.Any(p => p.NeedsAccount && !taken.Contains(p.Policy.Target)))
        {
            account = await db.Accounts.FindAsync([accountId], ct);
        }

        db.SlaClocks.AddRange(Start(candidates, change, new LeadFacts(lead, account), taken));
    }

    /// <summary>
    /// The policies whose start moment this change is (stage entered, assignment, activity) and that the active
    /// definition lets apply (<paramref name="applying"/>: null for all). Pure; shared with the import's batch automation.
    /// </summary>
    internal static List<CompiledPolicy> Candidates(IReadOnlyList<CompiledPolicy> compiled, IReadOnlySet<string>? applying, LeadChange change) =>
        compiled.Where(p => Triggered(p.Policy, change) && (applying is null || applying.Contains(p.Policy.Key))).ToList();

    /// <summary>
    /// Starts a clock for each candidate whose conditions hold for <paramref name="facts"/>, one per target
    /// (<paramref name="taken"/>: targets already running, updated), with deadlines by the policy's business calendar.
    /// Pure; shared with the import's batch automation.
    /// </summary>
    internal static List<SlaClock> Start(IEnumerable<CompiledPolicy> candidates, LeadChange change, LeadFacts facts, ISet<SlaTarget> taken)
    {
        var started = new List<SlaClock>();
        foreach (var policy in candidates)
        {
            if (taken.Contains(policy.Policy.Target) || !policy.Matches(facts))
            {
                continue;
            }

            var (atRiskAt, dueAt) = policy.Deadlines(change.At);
            started.Add(SlaClock.Start(policy.Policy, change.Lead, change.At, atRiskAt, dueAt));
            taken.Add(policy.Policy.Target);
        }

        return started;
    }

    private static void Stop(SlaClock clock, LeadChange change, Activity? touch)
    {
        var lead = change.Lead;
        if (clock.Target != SlaTarget.FirstTouch)
        {
            if (lead.Stage != clock.Stage)
            {
                clock.Stop(change.At, $"moved to {lead.Stage}");
            }

            return;
        }

        if (touch is not null)
        {
            var at = touch.OccurredAt > change.At ? change.At : touch.OccurredAt;
            clock.Stop(at < clock.StartedAt ? clock.StartedAt : at, $"{touch.Type} {touch.Id}");
        }
        else if (!StageRules.IsOpen(lead.Stage))
        {
            clock.Cancel(change.At, $"lead moved to {lead.Stage}");
        }
        else if (clock.StartOn == SlaStart.Assignment && change.OwnerChanged
            && (lead.OwnerKind != OwnerKind.User || lead.OwnerId != clock.OwnerUserId))
        {
            clock.Cancel(change.At, $"reassigned to {lead.Owner}");
        }
    }

    private static bool Triggered(SlaPolicy policy, LeadChange change)
    {
        var lead = change.Lead;
        if (policy.Stage is { } stage && lead.Stage != stage)
        {
            return false;
        }

        var entered = change.Created || change.StageChanges.Any(s => s.To == lead.Stage);
        return policy.StartOn switch
        {
            SlaStart.StageEntered => entered,
            SlaStart.Assignment => lead.OwnerKind == OwnerKind.User && (entered || change.OwnerChanged),
            SlaStart.Activity => change.Activities.Any(a => a.Type == policy.StartActivity),
            _ => false,
        };
    }

    /// <summary>
    /// Speed to lead, on the lead itself: its first owner that is a person, and the first touch by sales. A lead first
    /// given to a person after it closed (reassigned by hand once disqualified, or converted straight from a queue) was
    /// never waiting for a response: that owner is not its assignment in the speed report.
    /// </summary>
    private static void NoteSpeed(LeadChange change, Activity? touch)
    {
        var lead = change.Lead;
        var ownedByUser = lead.OwnerKind == OwnerKind.User;
        if (ownedByUser && StageRules.IsOpen(lead.Stage) && (change.Created || change.OwnerChanged || touch is not null))
        {
            lead.NoteAssigned(lead.OwnerId, change.At);
        }

        if (touch is not null)
        {
            lead.NoteTouched(touch.UserId ?? (ownedByUser ? lead.OwnerId : null), touch.OccurredAt > change.At ? change.At : touch.OccurredAt);
        }
    }
}
