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

    /// <summary>
    /// The form stored on the lead: base64 of a small binary record (ids, ticks and doubles as bytes), about half
    /// the size of the JSON and several times faster to write and read, which matters when a rescore writes a
    /// million of them. <see cref="FromText"/> reads this form and the JSON one.
    /// </summary>
    public string ToText() => ScoreStateText.Write(this);

    /// <summary>Reads <see cref="ToText"/>'s form or the JSON one; null when missing or unreadable (the state is then rebuilt).</summary>
    public static ScoreState? FromText(string? text) =>
        string.IsNullOrEmpty(text) ? null : text[0] == '{' ? FromJson(text) : ScoreStateText.Read(text);

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

/// <summary>
/// <see cref="ScoreState"/>'s compact form: a format byte (1), the model version, the rule count, then per rule its
/// id (UTF-8, length first), points (double), as-of ticks, matches, the window (count + 1, 0 for none, then ticks)
/// and the evidence ids (count, then 16 bytes each); integers as LEB128 varints, fixed-size values little-endian.
/// </summary>
internal static class ScoreStateText
{
    private const byte Format = 1;

    public static string Write(ScoreState state) => Encode(state, static bytes => Convert.ToBase64String(bytes));

    private delegate T Finish<T>(ReadOnlySpan<byte> bytes);

    private static T Encode<T>(ScoreState state, Finish<T> finish)
    {
        var size = 1 + 10;
        foreach (var (id, rule) in state.Rules)
        {
            size += 5 + System.Text.Encoding.UTF8.GetMaxByteCount(id.Length) + 16 + 5 + 5 + (8 * (rule.Window?.Count ?? 0)) + 5 + (16 * rule.Evidence.Count);
        }

        var rented = size <= 1024 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        Span<byte> buffer = rented is null ? stackalloc byte[1024] : rented;
        try
        {
            var at = 0;
            buffer[at++] = Format;
            Varint(buffer, ref at, (uint)state.ModelVersion);
            Varint(buffer, ref at, (uint)state.Rules.Count);
            foreach (var (id, rule) in state.Rules)
            {
                Varint(buffer, ref at, (uint)System.Text.Encoding.UTF8.GetByteCount(id));
                at += System.Text.Encoding.UTF8.GetBytes(id, buffer[at..]);
                System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(buffer[at..], rule.Points);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(buffer[(at + 8)..], rule.AsOf);
                at += 16;
                Varint(buffer, ref at, (uint)rule.Matches);
                Varint(buffer, ref at, rule.Window is null ? 0 : (uint)rule.Window.Count + 1);
                foreach (var ticks in rule.Window ?? [])
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(buffer[at..], ticks);
                    at += 8;
                }

                Varint(buffer, ref at, (uint)rule.Evidence.Count);
                foreach (var evidence in rule.Evidence)
                {
                    evidence.TryWriteBytes(buffer[at..]);
                    at += 16;
                }
            }

            return finish(buffer[..at]);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static ScoreState? Read(string text)
    {
        var bytes = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text, bytes, out var length) || length == 0 || bytes[0] != Format)
        {
            return null;
        }

        var data = new ReadOnlySpan<byte>(bytes, 0, length);
        try
        {
            var at = 1;
            var state = new ScoreState { ModelVersion = (int)Varint(data, ref at) };
            var count = Varint(data, ref at);
            for (var r = 0u; r < count; r++)
            {
                var idLength = (int)Varint(data, ref at);
                var id = System.Text.Encoding.UTF8.GetString(data.Slice(at, idLength));
                at += idLength;
                var rule = new RuleState
                {
                    Points = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(data[at..]),
                    AsOf = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(data[(at + 8)..]),
                };
                at += 16;
                rule.Matches = (int)Varint(data, ref at);
                var window = Varint(data, ref at);
                if (window > 0)
                {
                    rule.Window = new List<long>((int)window - 1);
                    for (var w = 1u; w < window; w++)
                    {
                        rule.Window.Add(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(data[at..]));
                        at += 8;
                    }
                }

                var evidence = Varint(data, ref at);
                for (var e = 0u; e < evidence; e++)
                {
                    rule.Evidence.Add(new Guid(data.Slice(at, 16)));
                    at += 16;
                }

                state.Rules[id] = rule;
            }

            return at == length ? state : null;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
        {
            return null; // truncated: rebuilt from the activities
        }
    }

    private static void Varint(Span<byte> buffer, ref int at, uint value)
    {
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[at++] = (byte)value;
    }

    private static uint Varint(ReadOnlySpan<byte> data, ref int at)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = data[at++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(data), "varint too long");
    }
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
            if (rule.Matches(activity.Type, activity.Url, activity.Properties))
            {
                ApplyMatch(rules, rule, state, at, activity.Id);
            }
        }
    }

    /// <summary>
    /// Folds one activity that <paramref name="rule"/> matches into the state (the bulk rescore decides the matches
    /// once per distinct type and URL, then calls this in the rules' order, as <see cref="Apply"/> does).
    /// </summary>
    internal static void ApplyMatch(ScoringRules rules, CompiledEngagementRule rule, ScoreState state, long at, Guid id)
    {
        if (!state.Rules.TryGetValue(rule.Id, out var s))
        {
            state.Rules[rule.Id] = s = new RuleState { AsOf = at };
        }

        s.Matches++;
        if (rule.Count is { } count)
        {
            AddToWindow(s, count, at, id);
            return;
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

        s.Evidence.Add(id);
        if (s.Evidence.Count > MaxEvidence)
        {
            s.Evidence.RemoveAt(0);
        }
    }

    /// <summary>Builds the state from scratch from a lead's activities (any order).</summary>
    public static ScoreState Build(ScoringRules rules, IEnumerable<ActivityFact> activities)
    {
        var state = new ScoreState { ModelVersion = rules.Version };
        foreach (var activity in activities.OrderBy(a => a.OccurredAt).ThenBy(a => a.Id))
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
            engagement += points;
            if (rule.Intent)
            {
                intent += points;
            }

            if (Round(points) == 0)
            {
                continue; // a window that does not hold, or points decayed to nothing: no part of the explanation (nor of an MQL's evidence)
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
