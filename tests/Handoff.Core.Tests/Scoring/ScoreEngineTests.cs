using Handoff.Activities;
using Handoff.Common;
using Handoff.Leads;
using Handoff.Scoring;

namespace Handoff.Core.Tests.Scoring;

/// <summary>The pure scoring math: decay, caps, windows, out-of-order touches, fit and grades, and incremental equals full.</summary>
public class ScoreEngineTests
{
    private static readonly DateTime T0 = new(2026, 3, 2, 9, 0, 0, DateTimeKind.Utc);

    private static readonly ScoringRules Rules = Compile("""
        {
          "name": "Unit",
          "halfLifeDays": 10,
          "grades": { "a": 30, "b": 20, "c": 10 },
          "fitRules": [{ "id": "big", "when": [{ "field": "employeeCount", "op": "gte", "value": 500 }], "points": 30 }],
          "negativeRules": [{ "id": "student", "when": [{ "field": "title", "op": "contains", "value": "student" }], "points": -40 }],
          "engagementRules": [
            { "id": "pricing", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 10, "cap": 25, "intent": true },
            { "id": "pricing-3", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 20, "count": 3, "windowDays": 30, "intent": true },
            { "id": "webinar", "activityTypes": ["WebinarAttended"], "properties": { "topic": "^routing" }, "points": 6 },
            { "id": "careers", "activityTypes": ["PageView"], "urlPattern": "/careers", "points": -5, "cap": 10 }
          ]
        }
        """);

    private static ScoringRules Compile(string json) => TestRules.Compile(json, version: 3);

    private static ActivityFact Page(string url, DateTime at) => new(Guid.CreateVersion7(), ActivityType.PageView, at, "https://handoff.io" + url);

    private static LeadFacts Facts(int? employees, string? title = null)
    {
        var details = new LeadDetails { FirstName = "Priya", LastName = "Raman", Email = "priya@chennai-robotics.in", EmployeeCount = employees, Title = title };
        return new(Lead.Capture(details, new Owner(OwnerKind.Queue, Guid.NewGuid()), Actor.System("test"), T0).Lead);
    }

    [Fact]
    public void Decay_HalvesThePointsEveryHalfLife_Exactly()
    {
        var state = ScoreEngine.Build(Rules, [Page("/pricing", T0)]);

        Assert.Equal(10, ScoreEngine.EngagementOf(Rules, state, T0).Engagement, 10);
        Assert.Equal(5, ScoreEngine.EngagementOf(Rules, state, T0.AddDays(10)).Engagement, 10);
        Assert.Equal(2.5, ScoreEngine.EngagementOf(Rules, state, T0.AddDays(20)).Engagement, 10);
        Assert.Equal(10 * Math.Pow(2, -0.35), ScoreEngine.EngagementOf(Rules, state, T0.AddDays(3.5)).Engagement, 10);
    }

    [Fact]
    public void Breakdown_LeavesOutARule_WhosePointsHaveDecayedToNothing()
    {
        var state = ScoreEngine.Build(Rules, [Page("/pricing", T0), Page("/careers", T0)]);

        var read = ScoreEngine.Read(Rules, Facts(null), state, T0.AddDays(3650));

        // 10 points halved 365 times are far below a hundredth: shown as 0, they would explain nothing (and their
        // activities would be cited as an MQL's evidence).
        Assert.Empty(read.Breakdown);
        Assert.Equal(0, read.Engagement);
        Assert.Equal(0, read.Intent);
    }

    [Fact]
    public void Cap_LimitsARule_AtEveryMoment_AndNegativeRulesAreCappedBelowZero()
    {
        var state = ScoreEngine.Build(Rules, Enumerable.Range(0, 5).Select(i => Page("/pricing", T0.AddMinutes(i))).Concat(
            Enumerable.Range(0, 4).Select(i => Page("/careers", T0.AddMinutes(i)))));

        var read = ScoreEngine.Read(Rules, Facts(null), state, T0.AddMinutes(5));
        Assert.Equal(25, read.Breakdown.Single(b => b.Rule == "pricing").Points, 1);
        Assert.Equal(-10, read.Breakdown.Single(b => b.Rule == "careers").Points, 1);
        Assert.Equal(5, read.Breakdown.Single(b => b.Rule == "pricing").Matches);
    }

    [Fact]
    public void Window_FiresWhileCountMatchesLieWithinIt_AndNotBeforeOrAfter()
    {
        var state = new ScoreState { ModelVersion = Rules.Version };
        ScoreEngine.Apply(Rules, state, Page("/pricing", T0));
        ScoreEngine.Apply(Rules, state, Page("/pricing", T0.AddDays(5)));
        Assert.DoesNotContain(ScoreEngine.Read(Rules, Facts(null), state, T0.AddDays(5)).Breakdown, b => b.Rule == "pricing-3");

        ScoreEngine.Apply(Rules, state, Page("/pricing", T0.AddDays(29)));
        Assert.Contains(ScoreEngine.Read(Rules, Facts(null), state, T0.AddDays(29)).Breakdown, b => b.Rule == "pricing-3" && b.Points == 20);
        Assert.DoesNotContain(ScoreEngine.Read(Rules, Facts(null), state, T0.AddDays(30)).Breakdown, b => b.Rule == "pricing-3");

        // A fourth view keeps the latest three within 30 days again.
        ScoreEngine.Apply(Rules, state, Page("/pricing", T0.AddDays(31)));
        var fired = ScoreEngine.Read(Rules, Facts(null), state, T0.AddDays(31)).Breakdown.Single(b => b.Rule == "pricing-3");
        Assert.Equal(3, fired.Evidence.Count);
        Assert.DoesNotContain(ScoreEngine.Read(Rules, Facts(null), state, T0.AddDays(35).AddHours(1)).Breakdown, b => b.Rule == "pricing-3");
    }

    [Fact]
    public void Incremental_EqualsFullRecompute_EvenWhenTouchesArriveOutOfOrder()
    {
        var random = new Random(7);
        var activities = Enumerable.Range(0, 200).Select(i =>
        {
            var at = T0.AddHours(random.Next(0, 24 * 90));
            return random.Next(3) switch
            {
                0 => Page("/pricing", at),
                1 => Page("/careers", at),
                _ => new ActivityFact(Guid.CreateVersion7(), ActivityType.WebinarAttended, at, null, new Dictionary<string, string> { ["topic"] = "Routing 101" }),
            };
        }).ToList();

        var incremental = new ScoreState { ModelVersion = Rules.Version };
        foreach (var a in activities)
        {
            ScoreEngine.Apply(Rules, incremental, a); // arrival order, not time order
        }

        var full = ScoreEngine.Build(Rules, activities);
        var at = T0.AddDays(100);
        var (uncappedIncremental, _) = ScoreEngine.EngagementOf(Rules, incremental, at);
        var (uncappedFull, _) = ScoreEngine.EngagementOf(Rules, full, at);

        // Webinar has no cap, so its decayed sum is order-independent; capped rules may differ only by the cap's clipping.
        Assert.Equal(full.Rules["webinar"].Points * Rules.Decay(at.Ticks - full.Rules["webinar"].AsOf),
            incremental.Rules["webinar"].Points * Rules.Decay(at.Ticks - incremental.Rules["webinar"].AsOf), 6);
        Assert.Equal(full.Rules["pricing-3"].Window, incremental.Rules["pricing-3"].Window);
        Assert.InRange(Math.Abs(uncappedFull - uncappedIncremental), 0, 25);

        var roundTrip = ScoreState.FromJson(incremental.ToJson())!;
        Assert.Equal(ScoreEngine.EngagementOf(Rules, incremental, at), ScoreEngine.EngagementOf(Rules, roundTrip, at));

        // The compact stored form keeps every field (same JSON after a round trip) and is much shorter; both forms read back.
        var text = full.ToText();
        Assert.Equal(full.ToJson(), ScoreState.FromText(text)!.ToJson());
        Assert.Equal(full.ToJson(), ScoreState.FromText(full.ToJson())!.ToJson());
        Assert.True(text.Length * 3 < full.ToJson().Length * 2, $"compact {text.Length} chars, JSON {full.ToJson().Length}");
        Assert.Null(ScoreState.FromText(text[..(text.Length / 2)]));
        Assert.Null(ScoreState.FromText("not a state"));
    }

    [Fact]
    public void Fit_AddsFitAndNegativeRules_AndGradesByThresholds()
    {
        Assert.Equal(30, ScoreEngine.FitOf(Rules, Facts(800)));
        Assert.Equal("A", Rules.GradeOf(30));
        Assert.Equal(-10, ScoreEngine.FitOf(Rules, Facts(800, "Graduate student")));
        Assert.Equal("D", Rules.GradeOf(-10));
        Assert.Equal("B", Rules.GradeOf(20));
        Assert.Equal("C", Rules.GradeOf(10));
        var read = ScoreEngine.Read(Rules, Facts(800, "Graduate student"), new ScoreState(), T0);
        Assert.Equal([RuleKind.Fit, RuleKind.Negative], read.Breakdown.Select(b => b.Kind));
    }

    [Fact]
    public void IntentIsSeparateFromGenericEngagement()
    {
        var state = ScoreEngine.Build(Rules, [Page("/pricing", T0),
            new ActivityFact(Guid.CreateVersion7(), ActivityType.WebinarAttended, T0, null, new Dictionary<string, string> { ["topic"] = "routing deep dive" }),
            new ActivityFact(Guid.CreateVersion7(), ActivityType.WebinarAttended, T0, null, new Dictionary<string, string> { ["topic"] = "pipeline reviews" })]);

        var (engagement, intent) = ScoreEngine.EngagementOf(Rules, state, T0);
        Assert.Equal(16, engagement, 10);
        Assert.Equal(10, intent, 10);
    }

    [Fact]
    public void Backtest_QualifiesAtTheMomentTheBarIsMet_WithinThePeriodOnly()
    {
        var bar = new MqlBar { Fit = 20, Engagement = 20 };
        var views = new List<ActivityFact> { Page("/pricing", T0), Page("/pricing", T0.AddDays(1)), Page("/pricing", T0.AddDays(1.5)) };
        Assert.True(BacktestModel.WouldQualify(Rules, bar, Facts(800), [.. views], T0.AddDays(-1), T0.AddDays(2)));
        Assert.False(BacktestModel.WouldQualify(Rules, bar, Facts(800), [.. views], T0.AddDays(-1), T0.AddHours(1)));
        Assert.False(BacktestModel.WouldQualify(Rules, bar, Facts(100), [.. views], T0.AddDays(-1), T0.AddDays(2)));
        Assert.False(BacktestModel.WouldQualify(Rules, bar, Facts(800), [.. views], T0.AddDays(60), T0.AddDays(61)));
    }

    [Theory]
    [InlineData("""{"name":"x","engagementRules":[{"id":"a","points":5,"urlPattern":"[unclosed"}]}""", "engagementRules[0].urlPattern")]
    [InlineData("""{"name":"x","engagementRules":[{"id":"a","points":5,"activityTypes":["Telegram"]}]}""", "engagementRules[0].activityTypes")]
    [InlineData("""{"name":"x","engagementRules":[{"id":"a","points":5,"cap":-2}]}""", "engagementRules[0].cap")]
    [InlineData("""{"name":"x","engagementRules":[{"id":"a","points":0}]}""", "engagementRules[0].points")]
    [InlineData("""{"name":"x","engagementRules":[{"id":"a","points":5,"windowDays":30}]}""", "engagementRules[0].count")]
    [InlineData("""{"name":"x","fitRules":[{"id":"a","points":5,"when":[{"field":"shoeSize","op":"eq","value":"9"}]}]}""", "fitRules[0].when[0].field")]
    [InlineData("""{"name":"x","fitRules":[{"id":"a","points":5,"when":[]}]}""", "fitRules[0].when")]
    [InlineData("""{"name":"x","negativeRules":[{"id":"a","points":5,"when":[{"field":"title","op":"exists"}]}]}""", "negativeRules[0].points")]
    [InlineData("""{"name":"x","grades":{"a":10,"b":10,"c":5}}""", "grades")]
    [InlineData("""{"name":"x","halfLifeDays":0}""", "halfLifeDays")]
    [InlineData("""{"name":"x","mql":{}}""", "mql")]
    [InlineData("""{"name":""}""", "name")]
    public void Compile_NamesTheBadField(string json, string field)
    {
        var compiled = ScoringRules.Compile(TestRules.Document(json));
        var error = Assert.IsType<ValidationError>(compiled.Error);
        Assert.Contains(field, error.Fields.Keys);
    }

    [Theory]
    [InlineData("2026-03-02 09:00:00", "2026-03-02T09:00:00.0000000Z")]
    [InlineData("2026-03-02 09:00:00.5", "2026-03-02T09:00:00.5000000Z")]
    [InlineData("2026-12-31 23:59:59.1234567", "2026-12-31T23:59:59.1234567Z")]
    [InlineData("2026-03-02T09:00:00Z", "2026-03-02T09:00:00.0000000Z")]
    public void SqliteTime_ParsesWhatEfCoreWrites_WithoutLosingTicks(string stored, string expected)
    {
        var parsed = ActivityScan.SqliteTime(System.Text.Encoding.UTF8.GetBytes(stored));
        Assert.Equal(expected, parsed.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeKind.Utc, parsed.Kind);
    }

    [Fact]
    public void DefaultModel_PassesTheChecksOfASave_SoItCanBeEditedAndActivatedAgain()
    {
        var validated = ScoringRules.Validate(DefaultScoringModel.Document);
        Assert.True(validated.IsSuccess, validated.Error is ValidationError v ? string.Join("; ", v.Fields.Select(f => $"{f.Key}: {string.Join(", ", f.Value)}")) : validated.Error?.ToString());
    }

    [Fact]
    public void DefaultModel_Compiles()
    {
        var compiled = ScoringRules.Compile(DefaultScoringModel.Document, 1);
        Assert.True(compiled.IsSuccess, compiled.Error?.ToString());
        Assert.Contains(compiled.Value!.Engagement, r => r.Intent);
        Assert.Contains(compiled.Value!.Engagement, r => !r.Intent);
    }
}
