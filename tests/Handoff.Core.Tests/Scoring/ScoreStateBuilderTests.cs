using System.Text;
using Handoff.Activities;
using Handoff.Scoring;

namespace Handoff.Core.Tests.Scoring;

/// <summary>The bulk rescore's reusable state builder gives exactly the state and scores of <see cref="ScoreEngine"/>.</summary>
public class ScoreStateBuilderTests
{
    private static readonly DateTime T0 = new(2026, 3, 2, 9, 0, 0, DateTimeKind.Utc);

    private static readonly ScoringRules Rules = Compile("""
        {
          "name": "Unit",
          "halfLifeDays": 10,
          "fitRules": [{ "id": "big", "when": [{ "field": "employeeCount", "op": "gte", "value": 500 }], "points": 30 }],
          "engagementRules": [
            { "id": "pricing", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 10, "cap": 25, "intent": true },
            { "id": "pricing-3", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 20, "count": 3, "windowDays": 30, "intent": true },
            { "id": "demo-twice", "activityTypes": ["DemoRequest"], "points": 30, "count": 2, "windowDays": 7, "intent": true },
            { "id": "blog", "activityTypes": ["PageView"], "urlPattern": "/blog/", "points": 1 },
            { "id": "any-touch", "points": 2, "cap": 12 },
            { "id": "careers", "activityTypes": ["PageView"], "urlPattern": "/careers", "points": -5, "cap": 10 }
          ]
        }
        """);

    private static ScoringRules Compile(string json) => TestRules.Compile(json, version: 7);

    [Fact]
    public void Builder_GivesTheEnginesStateAndScores_LeadAfterLead_InAnyOrderOfTouches()
    {
        var random = new Random(11);
        string[] urls = ["/pricing", "/blog/speed-to-lead", "/careers", "/product/routing", "/"];
        ActivityType[] types = [ActivityType.PageView, ActivityType.PageView, ActivityType.DemoRequest, ActivityType.EmailClick];
        var builder = new ScoreStateBuilder(Rules);
        var arena = new StateArena(64);
        var now = T0.AddDays(60);
        var rulesMatched = 0;

        // One builder for every lead (cleared between them), as one scoring thread uses it: 0 to 60 touches a lead, in
        // random order (late-arriving touches, windows filled out of order), with ties in time; many past 10 evidence ids.
        for (var lead = 0; lead < 300; lead++)
        {
            var touches = Enumerable.Range(0, random.Next(0, 61)).Select(_ =>
            {
                var type = types[random.Next(types.Length)];
                var at = T0.AddHours(random.Next(0, 24 * 50) / (random.Next(4) == 0 ? 24 : 1));
                return new ActivityFact(Guid.NewGuid(), type, at, type == ActivityType.PageView ? "https://handoff.io" + urls[random.Next(urls.Length)] : null);
            }).ToList();

            var expected = new ScoreState { ModelVersion = Rules.Version };
            builder.Clear();
            foreach (var touch in touches)
            {
                ScoreEngine.Apply(Rules, expected, touch);
                for (var r = 0; r < Rules.Engagement.Count; r++)
                {
                    if (Rules.Engagement[r].Matches(touch.Type, touch.Url, touch.Properties))
                    {
                        Assert.Equal(r, builder.IndexOf(Rules.Engagement[r]));
                        builder.Apply(r, touch.OccurredAt.Ticks, touch.Id);
                    }
                }
            }

            var offset = arena.Written;
            var length = builder.WriteText(arena);
            Assert.Equal(expected.ToText(), Encoding.ASCII.GetString(arena.Buffer, offset, length));
            Assert.Equal(ScoreEngine.EngagementOf(Rules, expected, now), builder.EngagementOf(now.Ticks));
            Assert.Equal(ScoreEngine.EngagementOf(Rules, expected, T0.AddDays(20)), builder.EngagementOf(T0.AddDays(20).Ticks));
            rulesMatched += expected.Rules.Count;
        }

        Assert.True(rulesMatched > 1000, $"the leads should match many rules; matched {rulesMatched}");
        Assert.True(arena.Written > 64, "the buffer grew past its first size and kept every state");
    }
}
