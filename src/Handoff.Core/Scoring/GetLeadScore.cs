using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Scoring;

/// <summary>
/// A lead's score at a moment (now by default), exact for that moment: decay is applied to the stored running state;
/// a moment before the lead's latest scored activity is answered by replaying its activities up to that moment.
/// Fit is always from the lead's current fields. Nothing is written.
/// </summary>
public sealed class GetLeadScore(HandoffDb db, ActiveScoring active, TimeProvider clock)
{
    public async Task<Result<LeadScore>> HandleAsync(Guid id, DateTime? at, CancellationToken ct)
    {
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        if (lead is null)
        {
            return new NotFoundError($"No lead with id {id}.");
        }

        var rules = await active.GetAsync(ct);
        if (rules is null)
        {
            return new ConflictError("no-active-model", "No scoring model is active; activate one first.");
        }

        var moment = at ?? clock.GetUtcNow().UtcDateTime;
        var state = ScoreState.FromText(lead.ScoreState);
        if (state is null || state.ModelVersion != rules.Version || LatestTicks(state) > moment.Ticks)
        {
            var activities = await db.Activities.AsNoTracking()
                .Where(a => a.LeadId == id && a.OccurredAt <= moment)
                .Select(a => new ActivityFact(a.Id, a.Type, a.OccurredAt, a.Url, a.Properties))
                .ToListAsync(ct);
            state = ScoreEngine.Build(rules, activities);
        }

        var account = lead.AccountId is { } accountId ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct) : null;
        return ScoreEngine.Read(rules, new LeadFacts(lead, account), state, moment);
    }

    private static long LatestTicks(ScoreState state)
    {
        var latest = 0L;
        foreach (var rule in state.Rules.Values)
        {
            latest = Math.Max(latest, rule.AsOf);
            if (rule.Window is { Count: > 0 } w)
            {
                latest = Math.Max(latest, w[^1]);
            }
        }

        return latest;
    }
}
