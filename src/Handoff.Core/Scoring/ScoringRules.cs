using System.Text.RegularExpressions;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Scoring;

/// <summary>A fit or negative rule, compiled.</summary>
public sealed record CompiledFieldRule(string Id, string? Label, RuleKind Kind, Func<LeadFacts, bool>[] Conditions, int Points)
{
    public bool Holds(LeadFacts facts)
    {
        foreach (var condition in Conditions)
        {
            if (!condition(facts))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>An engagement rule, compiled: the match test and how its points accumulate.</summary>
public sealed class CompiledEngagementRule
{
    internal CompiledEngagementRule(string id, string? label, bool intent, bool[]? types, Regex? url, (string Name, Regex Pattern)[] properties, int points, int? cap, int? count, long windowTicks)
    {
        Id = id;
        Label = label;
        Intent = intent;
        Types = types;
        Url = url;
        Properties = properties;
        Points = points;
        Cap = cap;
        Count = count;
        WindowTicks = windowTicks;
    }

    public string Id { get; }
    public string? Label { get; }
    public bool Intent { get; }

    /// <summary>Indexed by <see cref="ActivityType"/>; null matches every type.</summary>
    internal bool[]? Types { get; }
    internal Regex? Url { get; }
    internal (string Name, Regex Pattern)[] Properties { get; }
    public int Points { get; }
    public int? Cap { get; }
    public int? Count { get; }
    public long WindowTicks { get; }

    /// <summary>The rule needs the activity's URL (so bulk readers can leave it out otherwise).</summary>
    public bool UsesUrl => Url is not null;

    public bool UsesProperties => Properties.Length > 0;

    /// <summary>Activity types this rule can match, or null for all.</summary>
    public IEnumerable<ActivityType>? MatchedTypes =>
        Types?.Select((on, i) => (on, i)).Where(t => t.on).Select(t => (ActivityType)t.i);

    public bool Matches(ActivityType type, string? url, IReadOnlyDictionary<string, string>? properties)
    {
        if (Types is not null && !Types[(int)type])
        {
            return false;
        }

        if (Url is not null && (url is null || !Url.IsMatch(url)))
        {
            return false;
        }

        return MatchesProperties(properties);
    }

    /// <summary>Whether the properties pass the rule's property patterns (the type and URL checked apart).</summary>
    internal bool MatchesProperties(IReadOnlyDictionary<string, string>? properties)
    {
        foreach (var (name, pattern) in Properties)
        {
            if (properties is null || !properties.TryGetValue(name, out var value) || !pattern.IsMatch(value))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A scoring model checked and compiled once: what the scoring engine runs. Every problem of the document is
/// reported with its JSON path (<c>engagementRules[2].urlPattern</c>) so the author can fix it.
/// </summary>
public sealed class ScoringRules
{
    public const int MaxRules = 200;

    private ScoringRules(int version, CompiledFieldRule[] fit, CompiledFieldRule[] negative, CompiledEngagementRule[] engagement, FitGrades grades, double halfLifeTicks, MqlBar? mql, string[] fitFields)
    {
        FitFields = fitFields;
        Version = version;
        Fit = fit;
        Negative = negative;
        Engagement = engagement;
        Grades = grades;
        HalfLifeTicks = halfLifeTicks;
        Mql = mql;
    }

    /// <summary>The model version these rules come from (0 for a model not saved yet).</summary>
    public int Version { get; }
    public IReadOnlyList<CompiledFieldRule> Fit { get; }
    public IReadOnlyList<CompiledFieldRule> Negative { get; }
    public IReadOnlyList<CompiledEngagementRule> Engagement { get; }
    public FitGrades Grades { get; }

    /// <summary>Half-life in ticks; <see cref="double.PositiveInfinity"/> means no decay.</summary>
    public double HalfLifeTicks { get; }
    public MqlBar? Mql { get; }

    /// <summary>The lead fields the fit and negative rules test (so that a bulk reader loads only those columns).</summary>
    public IReadOnlyList<string> FitFields { get; }

    public string GradeOf(int fit) => fit >= Grades.A ? "A" : fit >= Grades.B ? "B" : fit >= Grades.C ? "C" : "D";

    /// <summary>The factor points keep after <paramref name="elapsedTicks"/>: 2^(-t/halfLife).</summary>
    public double Decay(long elapsedTicks) =>
        elapsedTicks <= 0 || double.IsPositiveInfinity(HalfLifeTicks) ? 1 : double.Exp2(-elapsedTicks / HalfLifeTicks);

    public static Result<ScoringRules> Compile(ScoringDocument? doc, int version = 0)
    {
        var errors = new FieldErrors();
        if (doc is null)
        {
            return ValidationError.For("body", "send a scoring model document");
        }

        if (string.IsNullOrWhiteSpace(doc.Name))
        {
            errors.Add("name", "is required");
        }
        else if (doc.Name.Length > 200)
        {
            errors.Add("name", "must be at most 200 characters");
        }

        if (doc.Description is { Length: > 4000 })
        {
            errors.Add("description", "must be at most 4000 characters");
        }

        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var fit = CompileFieldRules(doc.FitRules, "fitRules", RuleKind.Fit, ids, errors);
        var negative = CompileFieldRules(doc.NegativeRules, "negativeRules", RuleKind.Negative, ids, errors);
        var engagement = new List<CompiledEngagementRule>();
        var rules = doc.EngagementRules ?? [];
        if (rules.Count > MaxRules)
        {
            errors.Add("engagementRules", $"at most {MaxRules} rules");
        }

        for (var i = 0; i < rules.Count && i < MaxRules; i++)
        {
            if (CompileEngagementRule(rules[i], $"engagementRules[{i}]", ids, errors) is { } rule)
            {
                engagement.Add(rule);
            }
        }

        var grades = doc.Grades ?? new FitGrades(60, 40, 20);
        if (!(grades.A > grades.B && grades.B > grades.C))
        {
            errors.Add("grades", $"thresholds must fall from A to C (A > B > C); got A={grades.A}, B={grades.B}, C={grades.C}");
        }

        var halfLife = double.PositiveInfinity;
        if (doc.HalfLifeDays is { } days)
        {
            if (!double.IsFinite(days) || days <= 0 || days > 3650)
            {
                errors.Add("halfLifeDays", "must be more than 0 and at most 3650 days (leave it out for no decay)");
            }
            else
            {
                halfLife = TimeSpan.FromDays(days).Ticks;
            }
        }

        if (doc.Mql is { } mql)
        {
            if (mql.Fit is null && mql.Engagement is null && mql.Total is null && (mql.Grades is null || mql.Grades.Count == 0))
            {
                errors.Add("mql", "give at least one of fit, engagement, total or grades");
            }

            foreach (var grade in mql.Grades ?? [])
            {
                if (grade is not ("A" or "B" or "C" or "D"))
                {
                    errors.Add("mql.grades", $"'{grade}' is not a fit grade; use A, B, C or D");
                }
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var fitFields = (doc.FitRules ?? []).Concat(doc.NegativeRules ?? [])
            .SelectMany(r => r.When ?? []).Select(c => c.Field).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return new ScoringRules(version, [.. fit], [.. negative], [.. engagement], grades, halfLife, doc.Mql, fitFields);
    }

    private static List<CompiledFieldRule> CompileFieldRules(IReadOnlyList<FieldRule>? rules, string path, RuleKind kind, HashSet<string> ids, FieldErrors errors)
    {
        var compiled = new List<CompiledFieldRule>();
        rules ??= [];
        if (rules.Count > MaxRules)
        {
            errors.Add(path, $"at most {MaxRules} rules");
            return compiled;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var at = $"{path}[{i}]";
            if (rule is null)
            {
                errors.Add(at, "must be a rule object");
                continue;
            }

            CheckId(rule.Id, at, ids, errors);
            CheckLabel(rule.Label, at, errors);
            if (kind == RuleKind.Negative && rule.Points >= 0)
            {
                errors.Add(at + ".points", "a negative rule takes points away: give a number below 0");
            }
            else if (Math.Abs(rule.Points) > 1000)
            {
                errors.Add(at + ".points", "must be between -1000 and 1000");
            }

            if (rule.When is null || rule.When.Count == 0)
            {
                errors.Add(at + ".when", "give at least one condition");
                continue;
            }

            var conditions = new List<Func<LeadFacts, bool>>();
            for (var c = 0; c < rule.When.Count; c++)
            {
                if (rule.When[c] is null)
                {
                    errors.Add($"{at}.when[{c}]", "must be a condition object");
                }
                else if (rule.When[c].Compile(errors, $"{at}.when[{c}]") is { } test)
                {
                    conditions.Add(test);
                }
            }

            if (conditions.Count == rule.When.Count && rule.Id is not null)
            {
                compiled.Add(new CompiledFieldRule(rule.Id, rule.Label, kind, [.. conditions], rule.Points));
            }
        }

        return compiled;
    }

    private static CompiledEngagementRule? CompileEngagementRule(EngagementRule? rule, string at, HashSet<string> ids, FieldErrors errors)
    {
        if (rule is null)
        {
            errors.Add(at, "must be a rule object");
            return null;
        }

        var ok = CheckId(rule.Id, at, ids, errors);
        CheckLabel(rule.Label, at, errors);
        bool[]? types = null;
        if (rule.ActivityTypes is { Count: > 0 })
        {
            types = new bool[Enum.GetValues<ActivityType>().Length];
            foreach (var name in rule.ActivityTypes)
            {
                if (Enum.TryParse<ActivityType>(name, ignoreCase: true, out var type) && Enum.IsDefined(type) && !int.TryParse(name, out _))
                {
                    types[(int)type] = true;
                }
                else
                {
                    errors.Add(at + ".activityTypes", $"'{name}' is not an activity type; use one of {string.Join(", ", Enum.GetNames<ActivityType>())}");
                    ok = false;
                }
            }
        }

        var url = Pattern(rule.UrlPattern, at + ".urlPattern", errors, ref ok);
        var properties = new List<(string, Regex)>();
        foreach (var (name, pattern) in rule.Properties ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
            {
                errors.Add(at + ".properties", "property names must be 1 to 100 characters");
                ok = false;
            }
            else if (Pattern(pattern, $"{at}.properties.{name}", errors, ref ok) is { } regex)
            {
                properties.Add((name, regex));
            }
        }

        if (rule.Points == 0 || Math.Abs(rule.Points) > 1000)
        {
            errors.Add(at + ".points", "must be between -1000 and 1000, and not 0");
            ok = false;
        }

        if (rule.Cap is { } cap && (cap <= 0 || cap > 100_000))
        {
            errors.Add(at + ".cap", "must be more than 0 and at most 100000 (leave it out for no cap)");
            ok = false;
        }

        long window = 0;
        if (rule.Count is not null || rule.WindowDays is not null)
        {
            if (rule.Count is not { } count || count < 1 || count > 1000)
            {
                errors.Add(at + ".count", "with a window, give how many matches make the rule fire (1 to 1000)");
                ok = false;
            }

            if (rule.WindowDays is not { } days || !double.IsFinite(days) || days <= 0 || days > 3650)
            {
                errors.Add(at + ".windowDays", "with a count, give the window in days (more than 0, at most 3650)");
                ok = false;
            }
            else
            {
                window = TimeSpan.FromDays(days).Ticks;
            }

            if (rule.Cap is not null)
            {
                errors.Add(at + ".cap", "a windowed rule gives its points once; a cap applies only to rules without a count");
                ok = false;
            }
        }

        return ok
            ? new CompiledEngagementRule(rule.Id!, rule.Label, rule.Intent, types, url, [.. properties], rule.Points, rule.Cap, rule.Count, window)
            : null;
    }

    private static Regex? Pattern(string? pattern, string path, FieldErrors errors, ref bool ok)
    {
        if (pattern is null)
        {
            return null;
        }

        if (pattern.Length is 0 or > 500)
        {
            errors.Add(path, "must be a regular expression of 1 to 500 characters");
            ok = false;
            return null;
        }

        try
        {
            // Linear time whatever the pattern, so no timeout is needed: a wall-clock timeout fires on a busy
            // machine even for a trivial pattern, and scoring runs inside capture.
            return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (ArgumentException e)
        {
            errors.Add(path, $"not a valid regular expression: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            errors.Add(path, $"this regular expression construct is not supported (no back-references, lookarounds or atomic groups): {e.Message}");
        }

        ok = false;
        return null;
    }

    private static bool CheckId(string? id, string at, HashSet<string> ids, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 50 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            errors.Add(at + ".id", "is required: 1 to 50 letters, digits, dashes or underscores");
            return false;
        }

        if (!ids.Add(id))
        {
            errors.Add(at + ".id", $"'{id}' is used by another rule of this model");
            return false;
        }

        return true;
    }

    private static void CheckLabel(string? label, string at, FieldErrors errors)
    {
        if (label is { Length: > 200 })
        {
            errors.Add(at + ".label", "must be at most 200 characters");
        }
    }
}
