using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Qualification;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Scoring;

/// <summary>A backtest request: the period in which the model would have made leads MQL.</summary>
public sealed record BacktestRequest(DateTime? From, DateTime? To);

/// <summary>Precision and recall of "would have been MQL" against one outcome; null when undefined (nothing to divide by).</summary>
public sealed record OutcomeFit(int Reached, double? Precision, double? Recall);

/// <summary>What one model would have done over the period.</summary>
/// <param name="ModelVersion">The model replayed.</param>
/// <param name="ModelName">Its name.</param>
/// <param name="Bar">The score thresholds applied.</param>
/// <param name="BarFrom">Where the bar comes from: <c>model</c> (the model's own <c>mql</c>) or <c>definition vN</c> (the active qualification definition's MQL bar, with its conditions and activity rules).</param>
/// <param name="Mqls">Leads that would have become MQLs in the period.</param>
/// <param name="Sql">How those reached SQL.</param>
/// <param name="Opportunity">How those reached Opportunity.</param>
/// <param name="Won">How those were won.</param>
public sealed record BacktestResult(int ModelVersion, string ModelName, MqlBar Bar, string BarFrom, int Mqls, OutcomeFit Sql, OutcomeFit Opportunity, OutcomeFit Won);

/// <summary>An MQL bar for a backtest: score thresholds, and (from a definition) conditions on the lead and activity rules.</summary>
internal sealed record BacktestBar(MqlBar Scores, string From, IReadOnlyList<CompiledRule> Conditions, IReadOnlyList<ActivityRule> Activities)
{
    /// <summary>A definition's source variations, in its order, each with its own bar when it has one (null: the default bar).</summary>
    public IReadOnlyList<(Func<LeadFacts, bool> Applies, BacktestBar? Bar)> Variations { get; init; } = [];

    public static BacktestBar OfModel(MqlBar bar) => new(bar, "model", [], []);

    /// <summary>The MQL bar of <paramref name="definition"/>, with those of its source variations.</summary>
    public static BacktestBar OfDefinition(CompiledDefinition definition)
    {
        var from = $"definition v{definition.Version}";
        var sources = definition.Document.Sources;
        return Of(definition.Document.Mql, from) with
        {
            // Compile makes one variation per source, in order.
            Variations = [.. definition.Variations.Select((v, i) => (v.Applies, sources[i].Mql is { } mql ? Of(mql, $"{from}, {v.Name}") : null))],
        };
    }

    private static BacktestBar Of(MqlCriteria mql, string from) =>
        new(new MqlBar { Fit = mql.MinFitScore, Engagement = mql.MinEngagementScore }, from, Qualification.Conditions.Compile(mql.Conditions ?? [], new FieldErrors(), "mql.conditions"), mql.Activities);

    /// <summary>The bar a lead is held to, as live: that of the first variation that applies to it, when it has one of its own.</summary>
    public BacktestBar For(LeadFacts facts)
    {
        foreach (var (applies, bar) in Variations)
        {
            if (applies(facts))
            {
                return bar ?? this;
            }
        }

        return this;
    }

    /// <summary>The activity types any of the bars' activity rules count (the reader loads those too).</summary>
    public IEnumerable<ActivityType> ActivityTypes =>
        Activities.Concat(Variations.SelectMany(v => v.Bar?.Activities ?? [])).SelectMany(r => r.Types);

    public bool Holds(LeadFacts facts) => Conditions.All(c => c.Check(facts).Passed);

    /// <summary>Whether the activity rules hold at <paramref name="at"/> over the lead's activities up to index <paramref name="upTo"/> (exclusive), in time order.</summary>
    public bool ActivitiesHold(List<ActivityFact> activities, int upTo, DateTime at) => Activities.All(rule =>
    {
        var since = rule.WithinDays is { } days ? at.AddDays(-days) : DateTime.MinValue;
        var count = 0;
        for (var i = upTo - 1; i >= 0 && activities[i].OccurredAt > since && count < rule.AtLeast; i--)
        {
            count += rule.Types.Contains(activities[i].Type) ? 1 : 0;
        }

        return count >= rule.AtLeast;
    });
}

/// <summary>
/// A candidate model beside the active one over the same leads and history. <see cref="Leads"/> and the
/// <c>Reached…</c> counts are the backtest's population: leads created by the end of the period, not Junk, that had
/// not reached SQL before it began; <c>Reached…</c> counts those that reached the stage within the period (the
/// denominators of recall).
/// </summary>
public sealed record BacktestReport(
    DateTime From,
    DateTime To,
    int Leads,
    int ReachedSql,
    int ReachedOpportunity,
    int ReachedWon,
    BacktestResult Candidate,
    BacktestResult? Active);

/// <summary>
/// Runs a model over stored history without changing anything. The population is every lead created by the end of
/// the period, not Junk, that had not reached SQL (or beyond) before the period began (it was already handed over,
/// so it cannot become a new MQL). For each, its activities are replayed in time order and the model's MQL bar is
/// checked at the start of the period (or the lead's creation, if later) and after every activity within the
/// period, up to the moment the lead first reached SQL: the first moment the bar holds is the would-be MQL moment.
/// Outcomes are the stages the lead first reached within the period (stage history: SQL, Opportunity, Won); an
/// MQL "reached" an outcome when it reached it at or after its MQL moment, which the cut-off at the first SQL
/// guarantees. Fit is taken from the lead's current fields, since field values are not kept over time.
/// </summary>
public sealed class BacktestModel(HandoffDb db, ScoringModelCache cache, ActiveDefinitions definitions, TimeProvider clock)
{
    private const int BatchSize = 5_000;

    public async Task<Result<BacktestReport>> HandleAsync(Guid modelId, BacktestRequest request, CancellationToken ct)
    {
        var model = await db.ScoringModels.AsNoTracking().FirstOrDefaultAsync(m => m.Id == modelId, ct);
        if (model is null)
        {
            return new NotFoundError($"No scoring model with id {modelId}.");
        }

        var errors = new FieldErrors();
        if (request.From is null)
        {
            errors.Add("from", "is required: the start of the period (ISO 8601)");
        }

        if (request.To is null)
        {
            errors.Add("to", "is required: the end of the period (ISO 8601)");
        }

        if (request.From is { } f && request.To is { } t && f.ToUniversalTime() >= t.ToUniversalTime())
        {
            errors.Add("to", "must be after from");
        }

        var candidate = cache.Compile(model);
        var activeModel = model.Status == ScoringModelStatus.Active
            ? model
            : await db.ScoringModels.AsNoTracking().FirstOrDefaultAsync(m => m.Status == ScoringModelStatus.Active, ct);
        var current = activeModel is null ? null : cache.Compile(activeModel);

        // A model's own mql bar is what it is tested against; without one, the MQL bar of the active definition (as live).
        var definition = await definitions.AtAsync(db, clock.GetUtcNow().UtcDateTime, ct);
        var fallback = definition is not null ? BacktestBar.OfDefinition(definition) : current?.Mql is { } activeBar ? BacktestBar.OfModel(activeBar) : null;
        if (candidate.Mql is null && fallback is null)
        {
            errors.Add("mql", "the model has no MQL bar (mql: {fit, engagement, total, grades}), and there is no active qualification definition nor an active model with one");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var from = request.From!.Value.ToUniversalTime();
        var to = request.To!.Value.ToUniversalTime();

        // The active model itself is replayed once and reported on both sides.
        var models = current is null || activeModel!.Id == model.Id ? new[] { candidate } : [candidate, current];
        var tallies = models.Select(m => new Tally(m, m.Mql is { } own ? BacktestBar.OfModel(own) : fallback!)).ToArray();
        var readers = tallies.Select(t => new ActivityReader(t.Rules, db.IsSqlite, t.Bar.ActivityTypes)).ToArray();
        int leads = 0, sql = 0, opportunity = 0, won = 0;

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            Guid? after = null;
            while (true)
            {
                var batch = await BatchAsync(to, after, ct);
                if (batch.Count == 0)
                {
                    break;
                }

                after = batch[^1].Id;
                var ids = batch.Select(l => l.Id).ToList();
                var index = new Dictionary<Guid, int>(batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    index[batch[i].Id] = i;
                }

                // A move that was undone is no outcome (a compensating change names it in UndoOf), as for the predictive labels.
                var changes = await db.StageChanges.AsNoTracking()
                    .Where(c => ids.Contains(c.LeadId) && (c.To == LeadStage.SQL || c.To == LeadStage.Opportunity || c.To == LeadStage.Won || c.UndoOf != null))
                    .Select(c => new { c.Id, c.LeadId, c.To, c.At, c.UndoOf }).ToListAsync(ct);
                var undone = changes.Where(c => c.UndoOf is not null).Select(c => c.UndoOf!.Value).ToHashSet();
                var reached = changes
                    .Where(c => c.To is LeadStage.SQL or LeadStage.Opportunity or LeadStage.Won && !undone.Contains(c.Id))
                    .GroupBy(c => c.LeadId)
                    .ToDictionary(g => g.Key, g => new Reached(
                        g.Min(c => c.At),
                        g.Where(c => c.To is LeadStage.Opportunity or LeadStage.Won).Select(c => (DateTime?)c.At).Min(),
                        g.Where(c => c.To == LeadStage.Won).Select(c => (DateTime?)c.At).Min()));
                var accountIds = batch.Where(l => l.AccountId is not null).Select(l => l.AccountId!.Value).Distinct().ToList();
                var accounts = accountIds.Count == 0 ? [] : await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);

                var activities = new List<List<ActivityFact>[]>();
                foreach (var reader in readers)
                {
                    activities.Add(await reader.ReadAsync(db, batch[0].Id, batch[^1].Id, index, ct));
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    var lead = batch[i];
                    var stages = reached.GetValueOrDefault(lead.Id);
                    if (stages?.Sql < from)
                    {
                        continue; // handed over before the period: not a lead that could become a new MQL in it
                    }

                    var outcome = (Sql: stages?.Sql <= to, Opportunity: stages?.Opportunity <= to, Won: stages?.Won <= to);
                    leads++;
                    sql += outcome.Sql ? 1 : 0;
                    opportunity += outcome.Opportunity ? 1 : 0;
                    won += outcome.Won ? 1 : 0;
                    var facts = new LeadFacts(lead, lead.AccountId is { } a ? accounts.GetValueOrDefault(a) : null);
                    var start = lead.CreatedAt > from ? lead.CreatedAt : from;
                    var end = stages?.Sql < to ? stages.Sql : to;
                    for (var m = 0; m < tallies.Length; m++)
                    {
                        var bar = tallies[m].Bar.For(facts);
                        if (start <= end && bar.Holds(facts) && MqlMoment(tallies[m].Rules, bar, facts, activities[m][i], start, end) is not null)
                        {
                            tallies[m].Add(outcome);
                        }
                    }
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        var candidateResult = tallies[0].Result(model.Name, sql, opportunity, won);
        var activeResult = tallies.Length > 1 ? tallies[1].Result(activeModel!.Name, sql, opportunity, won)
            : current is not null ? candidateResult
            : null;
        return new BacktestReport(from, to, leads, sql, opportunity, won, candidateResult, activeResult);
    }

    /// <summary>Whether the lead met the bar at <paramref name="from"/> or after any activity up to <paramref name="to"/>.</summary>
    public static bool WouldQualify(ScoringRules rules, MqlBar bar, LeadFacts facts, List<ActivityFact> activities, DateTime from, DateTime to) =>
        MqlMoment(rules, BacktestBar.OfModel(bar), facts, activities, from, to) is not null;

    /// <summary>
    /// The first moment the lead met the bar: <paramref name="from"/> (with every earlier activity counted) or the
    /// time of an activity up to <paramref name="to"/> (inclusive); null if it never did.
    /// </summary>
    internal static DateTime? MqlMoment(ScoringRules rules, BacktestBar backtestBar, LeadFacts facts, List<ActivityFact> activities, DateTime from, DateTime to)
    {
        var bar = backtestBar.Scores;
        var fit = ScoreEngine.FitOf(rules, facts);
        if ((bar.Fit is { } minFit && fit < minFit) || (bar.Grades is { Count: > 0 } grades && !grades.Contains(rules.GradeOf(fit))))
        {
            return null;
        }

        activities.Sort(static (a, b) => a.OccurredAt != b.OccurredAt ? a.OccurredAt.CompareTo(b.OccurredAt) : a.Id.CompareTo(b.Id));
        var state = new ScoreState { ModelVersion = rules.Version };
        var k = 0;
        for (; k < activities.Count && activities[k].OccurredAt < from; k++)
        {
            ScoreEngine.Apply(rules, state, activities[k]);
        }

        if (Meets(rules, bar, fit, state, from) && backtestBar.ActivitiesHold(activities, k, from))
        {
            return from;
        }

        for (; k < activities.Count && activities[k].OccurredAt <= to; k++)
        {
            ScoreEngine.Apply(rules, state, activities[k]);
            if (Meets(rules, bar, fit, state, activities[k].OccurredAt) && backtestBar.ActivitiesHold(activities, k + 1, activities[k].OccurredAt))
            {
                return activities[k].OccurredAt;
            }
        }

        return null;
    }

    /// <summary>When a lead first reached SQL (or beyond), Opportunity (or Won), and Won.</summary>
    private sealed record Reached(DateTime Sql, DateTime? Opportunity, DateTime? Won);

    private static bool Meets(ScoringRules rules, MqlBar bar, int fit, ScoreState state, DateTime at)
    {
        var (engagement, _) = ScoreEngine.EngagementOf(rules, state, at);
        return (bar.Engagement is not { } e || engagement >= e) && (bar.Total is not { } t || fit + engagement >= t);
    }

    /// <summary>
    /// The next batch in id order: the ids by SQL (LINQ cannot compare ids), then the leads (EF reads a lead from two
    /// tables, so not from SQL of its own).
    /// </summary>
    private async Task<List<Lead>> BatchAsync(DateTime to, Guid? after, CancellationToken ct)
    {
        object? key = after is { } id ? db.IsSqlite ? id.ToString().ToUpperInvariant() : id : null;
        var ids = await (key is { } last
            ? db.Database.SqlQueryRaw<Guid>("SELECT id AS \"Value\" FROM leads WHERE created_at <= {0} AND stage <> 'Junk' AND id > {1} ORDER BY id LIMIT {2}", to, last, BatchSize)
            : db.Database.SqlQueryRaw<Guid>("SELECT id AS \"Value\" FROM leads WHERE created_at <= {0} AND stage <> 'Junk' ORDER BY id LIMIT {1}", to, BatchSize)).ToListAsync(ct);
        var leads = await db.Leads.AsNoTracking().Where(l => ids.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);
        return [.. ids.Select(leads.GetValueOrDefault).OfType<Lead>()];
    }

    private sealed class Tally(ScoringRules rules, BacktestBar bar)
    {
        private int _mqls;
        private int _sql;
        private int _opportunity;
        private int _won;

        public ScoringRules Rules { get; } = rules;
        public BacktestBar Bar { get; } = bar;

        public void Add((bool Sql, bool Opportunity, bool Won) outcome)
        {
            _mqls++;
            _sql += outcome.Sql ? 1 : 0;
            _opportunity += outcome.Opportunity ? 1 : 0;
            _won += outcome.Won ? 1 : 0;
        }

        public BacktestResult Result(string name, int sql, int opportunity, int won) => new(
            Rules.Version, name, Bar.Scores, Bar.From, _mqls, Fit(_sql, sql), Fit(_opportunity, opportunity), Fit(_won, won));

        private OutcomeFit Fit(int hits, int all) => new(
            hits,
            _mqls == 0 ? null : Math.Round((double)hits / _mqls, 4),
            all == 0 ? null : Math.Round((double)hits / all, 4));
    }
}
