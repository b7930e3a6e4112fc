using System.Diagnostics;
using System.Globalization;
using Handoff.Activities;
using Handoff.Scoring;

namespace Handoff.Bench.Scoring;

/// <summary>
/// The incremental update per activity, in process: the built-in model's rules applied to a lead's running state
/// one activity at a time (what the ScoreLead step does per touch), with and without reading the score and
/// round-tripping the state through its JSON column as the step does once per change.
/// </summary>
internal static class ScoreEventCommand
{
    public const string Usage = "score-event [--events N]";

    public static int Run(string[] args)
    {
        var i = Array.IndexOf(args, "--events");
        var events = i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 2_000_000;
        var rules = ScoringRules.Compile(DefaultScoringModel.Document, 1).Value!;
        var random = new Random(42);
        string[] urls = ["https://handoff.io/pricing", "https://handoff.io/blog/speed-to-lead", "https://handoff.io/compare/handoff-vs-spreadsheets", "https://handoff.io/docs/api"];
        ActivityType[] types = [ActivityType.PageView, ActivityType.PageView, ActivityType.PageView, ActivityType.EmailClick, ActivityType.ContentDownload, ActivityType.EmailReply];
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var facts = Enumerable.Range(0, 4096).Select(k =>
        {
            var type = types[random.Next(types.Length)];
            return new ActivityFact(Guid.CreateVersion7(), type, start.AddMinutes(k * 17), type == ActivityType.PageView ? urls[random.Next(urls.Length)] : null);
        }).ToArray();

        Measure("apply (rules matched, state updated)", events, facts, (state, fact) => ScoreEngine.Apply(rules, state, fact), rules);
        Measure("apply + read engagement/intent", events, facts, (state, fact) =>
        {
            ScoreEngine.Apply(rules, state, fact);
            _ = ScoreEngine.EngagementOf(rules, state, fact.OccurredAt);
        }, rules);
        var json = new ScoreState { ModelVersion = 1 }.ToJson();
        Measure("state from JSON + apply + read + state to JSON (the step's whole in-memory work)", events / 4, facts, (unused, fact) =>
        {
            var state = ScoreState.FromJson(json)!;
            ScoreEngine.Apply(rules, state, fact);
            _ = ScoreEngine.EngagementOf(rules, state, fact.OccurredAt);
            json = state.ToJson();
        }, rules);
        var text = new ScoreState { ModelVersion = 1 }.ToText();
        Measure("state from its stored text + apply + read + state to text (the step's whole in-memory work)", events / 4, facts, (unused, fact) =>
        {
            var state = ScoreState.FromText(text)!;
            ScoreEngine.Apply(rules, state, fact);
            _ = ScoreEngine.EngagementOf(rules, state, fact.OccurredAt);
            text = state.ToText();
        }, rules);
        return 0;
    }

    private static void Measure(string label, int events, ActivityFact[] facts, Action<ScoreState, ActivityFact> work, ScoringRules rules)
    {
        var state = new ScoreState { ModelVersion = rules.Version };
        for (var k = 0; k < 50_000; k++)
        {
            work(state, facts[k % facts.Length]); // warm up (tiered JIT)
        }

        var shift = TimeSpan.Zero;
        var timer = Stopwatch.StartNew();
        for (var k = 0; k < events; k++)
        {
            var fact = facts[k % facts.Length];
            if (k % facts.Length == 0)
            {
                shift += TimeSpan.FromDays(60);
            }

            work(state, fact with { OccurredAt = fact.OccurredAt + shift });
        }

        timer.Stop();
        Console.WriteLine($"{label}: {timer.Elapsed.TotalNanoseconds / events:N0} ns per activity ({events:N0} activities)");
    }
}
