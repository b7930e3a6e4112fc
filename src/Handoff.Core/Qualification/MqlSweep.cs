using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>
/// After a rescore (a new scoring model), the MQL check for every New lead whose new scores may meet the MQL bar of
/// the active definition: it moves by the system with its evidence, and routing and clocks follow, as if the lead
/// had changed. Only score thresholds depend on the model, so only leads that meet the thresholds of a bar that has
/// some are checked; a definition whose bars have none has nothing to sweep. One lead per
/// transaction: a lead changed meanwhile by someone else is skipped (its own change ran the check).
/// </summary>
public sealed class MqlSweep(HandoffDb db, TimeProvider clock, ActiveDefinitions active, LeadAutomations automations)
{
    /// <summary>How many candidates are checked between two calls of the heartbeat.</summary>
    internal const int HeartbeatEvery = 500;

    /// <summary>Runs the check on every candidate; returns how many leads became MQLs. <paramref name="heartbeat"/>, when given, runs every <see cref="HeartbeatEvery"/> candidates (a job keeps its claim).</summary>
    public async Task<int> RunAsync(Func<Task>? heartbeat, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (await active.AtAsync(db, now, ct) is not { } definition)
        {
            return 0;
        }

        var bars = definition.Document.Sources.Select(s => s.Mql).Prepend(definition.Document.Mql)
            .OfType<MqlCriteria>().Where(m => m.MinFitScore is not null || m.MinEngagementScore is not null).ToList();
        if (bars.Count == 0)
        {
            return 0;
        }

        // Candidates: New leads whose stored scores meet the thresholds of at least one bar (its other rules are the check's).
        var candidates = new List<Guid>();
        var newLeads = db.Leads.AsNoTracking()
            .Where(l => l.Stage == LeadStage.New && l.MergedIntoId == null)
            .Select(l => new { l.Id, l.FitScore, l.EngagementScore }).AsAsyncEnumerable();
        await foreach (var l in newLeads.WithCancellation(ct))
        {
            if (bars.Any(m => l.FitScore >= (m.MinFitScore ?? int.MinValue) && l.EngagementScore >= (m.MinEngagementScore ?? int.MinValue)))
            {
                candidates.Add(l.Id);
            }
        }

        var moved = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (heartbeat is not null && i > 0 && i % HeartbeatEvery == 0)
            {
                await heartbeat();
            }

            var id = candidates[i];
            db.ChangeTracker.Clear();
            var lead = await db.Leads.FirstOrDefaultAsync(l => l.Id == id && l.Stage == LeadStage.New, ct);
            if (lead is null)
            {
                continue;
            }

            var change = new LeadChange(lead, MqlCheck.Actor, now);
            await automations.RunAsync(change, ct);
            if (change.StageChanges.Count > 0 && await LeadChanges.SaveAsync(db, ct) is null)
            {
                moved++;
            }
        }

        db.ChangeTracker.Clear();
        return moved;
    }
}
