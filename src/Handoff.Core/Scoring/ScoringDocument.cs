using System.Text.Json.Serialization;
using Handoff.Leads;

namespace Handoff.Scoring;

/// <summary>
/// A scoring model as people write it (the JSON of <c>/api/scoring/models</c>): fit rules on lead and account fields,
/// fit grade thresholds, engagement rules on activities (intent or generic engagement, with caps, count windows and
/// decay), negative rules, and the MQL bar a backtest applies. Checked and compiled by <see cref="ScoringRules.Compile"/>.
/// </summary>
/// <remarks>
/// Numbers must be JSON numbers (<c>"points": 15</c>, not <c>"15"</c>), although the API otherwise reads numbers
/// from strings: in a model a quoted number is more often a slip than a convenience, and refusing it keeps what is
/// stored exactly what was meant.
/// </remarks>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record ScoringDocument
{
    /// <summary>A name people recognise ("FY27 inbound"); at most 200 characters.</summary>
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Rules on who the lead is; their points add up to the fit score.</summary>
    public IReadOnlyList<FieldRule>? FitRules { get; init; }

    /// <summary>Rules that take points away (student, competitor, unsubscribed, job seeker); counted in the fit score.</summary>
    public IReadOnlyList<FieldRule>? NegativeRules { get; init; }

    /// <summary>The lowest fit score of grades A, B and C; below C is D.</summary>
    public FitGrades? Grades { get; init; }

    /// <summary>Rules on what the lead does; their (decayed) points add up to the engagement score.</summary>
    public IReadOnlyList<EngagementRule>? EngagementRules { get; init; }

    /// <summary>Activity points halve every this many days; absent means no decay.</summary>
    public double? HalfLifeDays { get; init; }

    /// <summary>The MQL bar a backtest applies to this model (the live MQL rules belong to the qualification definition).</summary>
    public MqlBar? Mql { get; init; }
}

/// <summary>Points for a lead whose fields meet every condition: <c>{"id":"enterprise","when":[{"field":"employeeCount","op":"gte","value":1000}],"points":20}</c>.</summary>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record FieldRule
{
    /// <summary>Unique within the model: letters, digits, dashes; shown in the breakdown.</summary>
    public string? Id { get; init; }

    public string? Label { get; init; }

    /// <summary>All must hold (an empty list is refused).</summary>
    public IReadOnlyList<LeadCondition>? When { get; init; }

    public int Points { get; init; }
}

/// <summary>Fit grade thresholds: a fit score of at least <see cref="A"/> is grade A, and so on; below <see cref="C"/> is D.</summary>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record FitGrades(int A, int B, int C);

/// <summary>
/// Points for activities that match: types (any of), a URL pattern (regular expression) and property patterns.
/// Without <see cref="Count"/> every match adds <see cref="Points"/>, decaying with the model's half-life, up to
/// <see cref="Cap"/>. With <see cref="Count"/> and <see cref="WindowDays"/> the rule gives its points once, while at
/// least that many matches lie within the window ("pricing page 3 times in 30 days").
/// </summary>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record EngagementRule
{
    public string? Id { get; init; }

    public string? Label { get; init; }

    /// <summary>Activity types (PageView, DemoRequest, EmailReply, ...); absent or empty matches every type.</summary>
    public IReadOnlyList<string>? ActivityTypes { get; init; }

    /// <summary>A regular expression the activity's URL must match (case-insensitive).</summary>
    public string? UrlPattern { get; init; }

    /// <summary>Property name → regular expression its value must match.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    public int Points { get; init; }

    /// <summary>The most this rule can hold at any moment (absolute points); absent means no cap.</summary>
    public int? Cap { get; init; }

    /// <summary>How many matches within <see cref="WindowDays"/> make the rule fire.</summary>
    public int? Count { get; init; }

    public double? WindowDays { get; init; }

    /// <summary>A buying signal (pricing, demo request, comparison, sales reply) rather than generic engagement.</summary>
    public bool Intent { get; init; }
}

/// <summary>The MQL bar of a backtest: every given threshold must be met.</summary>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record MqlBar
{
    public int? Fit { get; init; }

    public int? Engagement { get; init; }

    public int? Total { get; init; }

    /// <summary>Fit grades that qualify ("A", "B"); absent means any.</summary>
    public IReadOnlyList<string>? Grades { get; init; }
}

/// <summary>Where a rule's points count.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleKind>))]
public enum RuleKind
{
    Fit,
    Negative,
    Engagement,
    Intent,
}
