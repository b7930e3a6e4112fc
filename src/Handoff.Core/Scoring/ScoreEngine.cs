using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Activities;
using Handoff.Leads;

namespace Handoff.Scoring;

/// <summary>What scoring needs of one activity.</summary>
public readonly record struct ActivityFact(Guid Id, ActivityType Type, DateTime OccurredAt, string? Url = null, IReadOnlyDictionary<string, string>? Properties = null)
{
    public static ActivityFact Of(Activity a) => new(a.Id, a.Type, a.OccurredAt, a.Url, a.Properties);
}

/// <summary>
/// The compact running state of a lead's engagement rules, kept on the lead between events so that a new activity
/// updates only the rules it matches (constant work per event). Per decaying rule: its points as of its last
/// update; per windowed rule: the times of its latest matches (no more than the rule's count).
/// </summary>
public sealed class ScoreState
{
    /// <summary>The model version the state was built with; another version means a full recompute.</summary>
    [JsonPropertyName("v")]
    public int ModelVersion { get; set; }

    [JsonPropertyName("r")]
    public Dictionary<string, RuleState> Rules { get; set; } = new(StringComparer.Ordinal);

    public string ToJson() => JsonSerializer.Serialize(this, ScoreStateJson.Default.ScoreState);

    public static ScoreState? FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, ScoreStateJson.Default.ScoreState);
        }
        catch (JsonException)
        {
            return null; // unreadable state is rebuilt from the activities
        }
    }
}

/// <summary>One engagement rule's running state.</summary>
public sealed class RuleState
{
    /// <summary>Points as of <see cref="AsOf"/> (decaying rules).</summary>
    [JsonPropertyName("p")]
    public double Points { get; set; }

    /// <summary>Ticks (UTC) of the latest update of <see cref="Points"/>.</summary>
    [JsonPropertyName("t")]
    public long AsOf { get; set; }

    /// <summary>How many activities matched the rule in all.</summary>
    [JsonPropertyName("n")]
    public int Matches { get; set; }

    /// <summary>Windowed rules: ticks of the latest matches, oldest first, at most the rule's count.</summary>
    [JsonPropertyName("w")]
    public List<long>? Window { get; set; }

    /// <summary>The latest matching activities (for windowed rules, those of <see cref="Window"/>), oldest first.</summary>
    [JsonPropertyName("e")]
    public List<Guid> Evidence { get; set; } = [];
}

[JsonSerializable(typeof(ScoreState))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ScoreStateJson : JsonSerializerContext;

/// <summary>One rule's part in a score, with the activities that were its evidence.</summary>
public sealed record ScoreItem(string Rule, string? Label, RuleKind Kind, double Points, int? Matches, IReadOnlyList<Guid> Evidence);

/// <summary>A lead's score at one moment, and why.</summary>
public sealed record LeadScore(
    int ModelVersion,
    DateTime At,
    int Fit,
    string FitGrade,
    double Engagement,
    double Intent,
    double Total,
    IReadOnlyList<ScoreItem> Breakdown);

/// <summary>
/// The scoring math, pure: fit from the lead's fields; engagement from the running <see cref="ScoreState"/>, with
/// each decaying rule's points worth 2^(-elapsed/halfLife) at the moment read, and each windowed rule worth its
/// points while its latest <c>count</c> matches all lie within the window.
/// </summary>
public static class ScoreEngine
{
    /// <summary>How many evidence activity ids a decaying rule keeps (the latest).</summary>
    public const int MaxEvidence = 10;

    /// <summary>Folds one activity into the state; touches only the rules it matches.</summary>
    public static void Apply(ScoringRules rules, ScoreState state, in ActivityFact activity)
    {
        var at = activity.OccurredAt.Ticks;
        foreach (var rule in rules.Engagement)
        {
            if (!rule.Matches(activity.Type, activity.Url, activity.Properties))
            {
                continue;
            }

            if (!state.Rules.TryGetValue(rule.Id, out var s))
            {
                state.Rules[rule.Id] = s = new RuleState { AsOf = at };
            }

            s.Matches++;
            if (rule.Count is { } count)
            {
                AddToWindow(s, count, at, activity.Id);
                continue;
            }

            if (at >= s.AsOf)
            {
                s.Points = (s.Points * rules.Decay(at - s.AsOf)) + rule.Points;
                s.AsOf = at;
            }
            else
            {
                s.Points += rule.Points * rules.Decay(s.AsOf - at); // a late-arriving older touch, decayed to the state's time
            }

            if (rule.Cap is { } cap)
            {
                s.Points = Math.Clamp(s.Points, -cap, cap);
            }

            s.Evidence.Add(activity.Id);
            if (s.Evidence.Count > MaxEvidence)
            {
                s.Evidence.RemoveAt(0);
            }
        }
    }

    /// <summary>Builds the state from scratch from a lead's activities (any order).</summary>
    public static ScoreState Build(ScoringRules rules, IEnumerable<ActivityFact> activities, DateTime? upTo = null)
    {
        var state = new ScoreState { ModelVersion = rules.Version };
        foreach (var activity in activities.Where(a => upTo is null || a.OccurredAt <= upTo).OrderBy(a => a.OccurredAt).ThenBy(a => a.Id))
        {
            Apply(rules, state, activity);
        }

        return state;
    }

    /// <summary>Builds the state from a lead's activities, sorting the list in place (the bulk path: no copies).</summary>
    public static ScoreState BuildInPlace(ScoringRules rules, List<ActivityFact> activities)
    {
        activities.Sort(static (a, b) => a.OccurredAt != b.OccurredAt ? a.OccurredAt.CompareTo(b.OccurredAt) : a.Id.CompareTo(b.Id));
        var state = new ScoreState { ModelVersion = rules.Version };
        foreach (var activity in activities)
        {
            Apply(rules, state, activity);
        }

        return state;
    }

    /// <summary>The fit score (fit and negative rules) of the lead's fields now.</summary>
    public static int FitOf(ScoringRules rules, LeadFacts facts)
    {
        var fit = 0;
        foreach (var rule in rules.Fit)
        {
            if (rule.Holds(facts))
            {
                fit += rule.Points;
            }
        }

        foreach (var rule in rules.Negative)
        {
            if (rule.Holds(facts))
            {
                fit += rule.Points;
            }
        }

        return fit;
    }

    /// <summary>Engagement (all activity rules) and the intent part of it, at <paramref name="at"/>.</summary>
    public static (double Engagement, double Intent) EngagementOf(ScoringRules rules, ScoreState state, DateTime at)
    {
        double engagement = 0, intent = 0;
        foreach (var rule in rules.Engagement)
        {
            if (state.Rules.TryGetValue(rule.Id, out var s))
            {
                var points = PointsNow(rules, rule, s, at.Ticks);
                engagement += points;
                if (rule.Intent)
                {
                    intent += points;
                }
            }
        }

        return (engagement, intent);
    }

    /// <summary>The whole score with its breakdown at <paramref name="at"/> (which must not precede the state's latest activity).</summary>
    public static LeadScore Read(ScoringRules rules, LeadFacts facts, ScoreState state, DateTime at)
    {
        var items = new List<ScoreItem>();
        var fit = 0;
        foreach (var rule in rules.Fit.Concat(rules.Negative))
        {
            if (rule.Holds(facts))
            {
                fit += rule.Points;
                items.Add(new ScoreItem(rule.Id, rule.Label, rule.Kind, rule.Points, null, []));
            }
        }

        double engagement = 0, intent = 0;
        foreach (var rule in rules.Engagement)
        {
            if (!state.Rules.TryGetValue(rule.Id, out var s))
            {
                continue;
            }

            var points = PointsNow(rules, rule, s, at.Ticks);
            if (points == 0)
            {
                continue;
            }

            engagement += points;
            if (rule.Intent)
            {
                intent += points;
            }

            items.Add(new ScoreItem(rule.Id, rule.Label, rule.Intent ? RuleKind.Intent : RuleKind.Engagement, Round(points), s.Matches, [.. s.Evidence]));
        }

        return new LeadScore(rules.Version, at, fit, rules.GradeOf(fit), Round(engagement), Round(intent), Round(fit + engagement), items);
    }

    /// <summary>Whole points for the lead's stored columns.</summary>
    public static int Whole(double points) => (int)Math.Round(points, MidpointRounding.AwayFromZero);

    private static double Round(double points) => Math.Round(points, 2, MidpointRounding.AwayFromZero);

    private static double PointsNow(ScoringRules rules, CompiledEngagementRule rule, RuleState s, long now)
    {
        if (rule.Count is { } count)
        {
            return s.Window is { } w && w.Count >= count && now - w[0] < rule.WindowTicks ? rule.Points : 0;
        }

        return s.Points * rules.Decay(now - s.AsOf);
    }

    private static void AddToWindow(RuleState s, int count, long at, Guid id)
    {
        var window = s.Window ??= [];
        var index = window.Count;
        while (index > 0 && window[index - 1] > at)
        {
            index--;
        }

        if (index == 0 && window.Count >= count)
        {
            return; // older than every kept match: it cannot be among the latest `count`
        }

        window.Insert(index, at);
        s.Evidence.Insert(Math.Min(index, s.Evidence.Count), id);
        if (window.Count > count)
        {
            window.RemoveAt(0);
            s.Evidence.RemoveAt(0);
        }
    }
}
