using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Scoring;

/// <summary>
/// The scoring step of every lead change (order 100, before the MQL check): new activities update only the rules
/// they match, a field change recomputes fit only, and a lead scored with another model version (or never scored,
/// or with merged activities) is rebuilt from its stored activities.
/// </summary>
public sealed class ScoreLead(HandoffDb db, ActiveScoring active) : ILeadAutomation
{
    public int Order => 100;

    public async Task ApplyAsync(LeadChange change, CancellationToken ct)
    {
        var lead = change.Lead;
        var state = ScoreState.FromText(lead.ScoreState);
        var rules = await active.GetAsync(ct);
        if (rules is null)
        {
            return;
        }

        var rebuild = state is null || state.ModelVersion != rules.Version || change.ActivitiesMerged;
        if (!rebuild && change.Activities.Count == 0 && !change.FieldsChanged && !change.Created)
        {
            return; // a stage move or a new owner changes no score
        }

        if (rebuild)
        {
            // A lead created by this change has no stored activities yet: no need to ask.
            var stored = change.Created
                ? []
                : await db.Activities.AsNoTracking()
                    .Where(a => a.LeadId == lead.Id)
                    .Select(a => new ActivityFact(a.Id, a.Type, a.OccurredAt, a.Url, a.Properties))
                    .ToListAsync(ct);
            var seen = stored.Select(a => a.Id).ToHashSet();
            stored.AddRange(change.Activities.Where(a => !seen.Contains(a.Id)).Select(ActivityFact.Of));
            state = ScoreEngine.Build(rules, stored);
        }
        else
        {
            // In the order they happened, not the order they arrived (a batch of touches, stitched anonymous ones), as a rebuild folds them.
            foreach (var activity in change.Activities.Count > 1 ? change.Activities.OrderBy(a => a.OccurredAt).ThenBy(a => a.Id) : (IEnumerable<Activities.Activity>)change.Activities)
            {
                ScoreEngine.Apply(rules, state!, ActivityFact.Of(activity));
            }
        }

        var account = lead.AccountId is { } accountId ? await db.Accounts.FindAsync([accountId], ct) : null;
        Apply(rules, lead, account, state!, change.At);
    }

    /// <summary>
    /// Sets the lead's fit (from its fields) and engagement and intent (from <paramref name="state"/>) under
    /// <paramref name="rules"/>. Pure: this step and the import's batch automation (<c>Import/ImportAutomation.cs</c>) both call it.
    /// </summary>
    internal static void Apply(ScoringRules rules, Lead lead, Accounts.Account? account, ScoreState state, DateTime at)
    {
        var fit = ScoreEngine.FitOf(rules, new LeadFacts(lead, account));
        var (engagement, intent) = ScoreEngine.EngagementOf(rules, state, at);
        lead.Scored(fit, rules.GradeOf(fit), ScoreEngine.Whole(engagement), ScoreEngine.Whole(intent), rules.Version, at, state.ToText());
    }
}
