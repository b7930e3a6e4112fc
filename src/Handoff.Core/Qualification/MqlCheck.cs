using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Scoring;

namespace Handoff.Qualification;

/// <summary>
/// The MQL check (automation step 200, after scoring): an open New lead that meets the active definition's MQL bar
/// moves to MQL by the system, with the rules, scores and touches that justified it in the stage change. A Nurture
/// lead with new high-intent engagement (the recycle policy's <c>wakeOn</c> touches) wakes early, flagged recycled:
/// to MQL when it meets the bar, else back to New.
/// </summary>
public sealed class MqlCheck(HandoffDb db, ActiveDefinitions active, LeadEvaluator evaluator, ActiveScoring scoring) : ILeadAutomation
{
    public static readonly Actor Actor = Actor.System("mql-check");

    public int Order => 200;

    public async Task ApplyAsync(LeadChange change, CancellationToken ct)
    {
        var lead = change.Lead;
        if (lead.Stage is not (LeadStage.New or LeadStage.Nurture) || lead.MergedIntoId is not null)
        {
            return;
        }

        // A deliberate move into New (an undo of the MQL, a restore from Junk, a wake to New) is not overruled at once:
        // the lead is checked again on its next touch or change.
        if (change.StageChanges.Any(c => c.To == LeadStage.New && c.From is not null))
        {
            return;
        }

        if (await active.AtAsync(db, change.At, ct) is not { } definition)
        {
            return;
        }

        var wakeOn = definition.Document.Recycle.WakeOn;
        var wakers = lead.Stage == LeadStage.Nurture ? change.Activities.Where(a => wakeOn.Contains(a.Type)).Select(a => a.Id).ToList() : [];
        if (lead.Stage == LeadStage.Nurture && wakers.Count == 0)
        {
            return;
        }

        var (mql, variation) = await evaluator.EvaluateMqlAsync(lead, definition, change.Activities, change.At, ct);
        // The score with its breakdown, for the evidence of a move (the rules are cached; the account is tracked already).
        var rules = mql.Passed ? await scoring.GetAsync(ct) : null;
        var account = rules is not null && lead.AccountId is { } accountId ? await db.Accounts.FindAsync([accountId], ct) : null;
        Func<LeadScore?>? score = rules is null ? null : () =>
            ScoreState.FromText(lead.ScoreState) is { } state && state.ModelVersion == rules.Version
                ? ScoreEngine.Read(rules, new LeadFacts(lead, account), state, change.At)
                : null;
        if (Move(lead, definition, mql, variation, wakers, change.At, score) is not { } stageChange)
        {
            return;
        }

        db.Insert(stageChange);
        LeadEvents.StageChanged(db, stageChange);
        change.StageChanges.Add(stageChange);
    }

    /// <summary>
    /// What the check does with a judgement: the stage move (to MQL, or a Nurture lead woken by
    /// <paramref name="wakers"/>), with its evidence and the definition stamp, or null when the lead stays. Changes the
    /// lead only; the caller records the move. Shared with the import's batch automation (<c>Import/ImportAutomation.cs</c>).
    /// <paramref name="score"/> reads the lead's score with its breakdown, for the evidence: the scoring model, the rules
    /// that fired with their points and the touches behind them, so "why an MQL" can be answered after the model changes.
    /// </summary>
    internal static StageChange? Move(Lead lead, CompiledDefinition definition, MqlEvaluation mql, string? variation, IReadOnlyList<Guid> wakers, DateTime at, Func<LeadScore?>? score)
    {
        string? note;
        LeadStage to;
        if (lead.Stage == LeadStage.Nurture)
        {
            to = mql.Passed ? LeadStage.MQL : LeadStage.New;
            note = "Woke early on new high-intent engagement";
            lead.MarkRecycled();
        }
        else if (mql.Passed)
        {
            to = LeadStage.MQL;
            note = $"Met the MQL criteria of definition v{definition.Version}";
        }
        else
        {
            return null;
        }

        var read = mql.Passed ? score?.Invoke() : null;
        var evidence = JsonSerializer.Serialize(
            new
            {
                definitionVersion = definition.Version,
                variation,
                mqlPassed = mql.Passed,
                scores = new { fit = lead.FitScore, engagement = lead.EngagementScore, intent = lead.IntentScore },
                scoringModelVersion = read?.ModelVersion,
                breakdown = read?.Breakdown.Select(r => new { rule = r.Rule, kind = r.Kind, points = r.Points, evidence = r.Evidence }),
                checks = mql.Checks,
                activityIds = mql.Checks.SelectMany(c => c.ActivityIds ?? [])
                    .Concat(read?.Breakdown.SelectMany(r => r.Evidence) ?? [])
                    .Concat(wakers).Distinct().ToList(),
                recycled = wakers.Count > 0 ? true : (bool?)null,
            },
            QualificationJson.Options);
        var moved = lead.MoveTo(to, Actor, at, null, note, null, evidence);
        if (moved.Value is not { } stageChange)
        {
            return null; // the stage machine refused: nothing to do automatically
        }

        stageChange.JudgedUnder(definition.Version);
        return stageChange;
    }
}

/// <summary>
/// The last automation step: every stage move made in a change records the definition version it was judged under
/// (moves that were judged explicitly, like the SQL gate's, keep theirs).
/// </summary>
public sealed class DefinitionStamp(HandoffDb db, ActiveDefinitions active) : ILeadAutomation
{
    public int Order => 1000;

    public async Task ApplyAsync(LeadChange change, CancellationToken ct)
    {
        if (change.StageChanges.Count == 0 || change.StageChanges.All(c => c.DefinitionVersion is not null))
        {
            return;
        }

        if (await active.AtAsync(db, change.At, ct) is { } definition)
        {
            foreach (var stageChange in change.StageChanges)
            {
                stageChange.JudgedUnder(definition.Version);
            }
        }
    }
}
