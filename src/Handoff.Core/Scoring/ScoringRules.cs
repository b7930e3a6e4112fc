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

    /// <summary>The highest MQL bar a model without a finite maximum (an uncapped decaying rule) may set.</summary>
    public const int MaxBar = 100_000;

    /// <summary>
    /// Compiles a stored document. Stored documents passed <see cref="Validate"/> when they were saved (or an earlier,
    /// laxer version of it), so this applies only the checks the engine needs; a version saved before a check was
    /// added keeps working.
    /// </summary>
    /// <param name="doc">The document.</param>
    /// <param name="version">The model version it is stored as (0 for one not saved yet).</param>
    public static Result<ScoringRules> Compile(ScoringDocument? doc, int version = 0) => Build(doc, version, strict: false);

    /// <summary>
    /// Checks a document before it is saved (a new draft or an edit) and compiles it: beyond what
    /// <see cref="Compile"/> checks, rules that could never fire (a value a field cannot hold, an empty range, a cap
    /// below the points), conditions on the lead's stage or scores, fit rules without points, and grade and MQL
    /// thresholds no lead can reach are refused, each with its JSON path.
    /// </summary>
    /// <param name="doc">The document as sent.</param>
    public static Result<ScoringRules> Validate(ScoringDocument? doc) => Build(doc, 0, strict: true);

    private static Result<ScoringRules> Build(ScoringDocument? doc, int version, bool strict)
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
        var fit = CompileFieldRules(doc.FitRules, "fitRules", RuleKind.Fit, ids, errors, strict);
        var negative = CompileFieldRules(doc.NegativeRules, "negativeRules", RuleKind.Negative, ids, errors, strict);
        var engagement = new List<CompiledEngagementRule>();
        var rules = doc.EngagementRules ?? [];
        if (rules.Count > MaxRules)
        {
            errors.Add("engagementRules", $"at most {MaxRules} rules");
        }

        for (var i = 0; i < rules.Count && i < MaxRules; i++)
        {
            if (CompileEngagementRule(rules[i], $"engagementRules[{i}]", ids, errors, strict) is { } rule)
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

        if (strict)
        {
            CheckReachable(doc, grades, errors);
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var fitFields = (doc.FitRules ?? []).Concat(doc.NegativeRules ?? [])
            .SelectMany(r => r.When ?? []).Select(c => c.Field).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return new ScoringRules(version, [.. fit], [.. negative], [.. engagement], grades, halfLife, doc.Mql, fitFields);
    }

    private static List<CompiledFieldRule> CompileFieldRules(IReadOnlyList<FieldRule>? rules, string path, RuleKind kind, HashSet<string> ids, FieldErrors errors, bool strict)
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
            else if (rule.Points is < -1000 or > 1000)
            {
                errors.Add(at + ".points", "must be between -1000 and 1000");
            }
            else if (strict && rule.Points == 0)
            {
                errors.Add(at + ".points", "is required: the points this rule gives, a whole number between -1000 and 1000 and not 0");
            }

            if (rule.When is null || rule.When.Count == 0)
            {
                errors.Add(at + ".when", "give at least one condition");
                continue;
            }

            var conditions = new List<Func<LeadFacts, bool>>();
            var compiledWhen = new List<LeadCondition>();
            for (var c = 0; c < rule.When.Count; c++)
            {
                var condition = rule.When[c];
                var where = $"{at}.when[{c}]";
                if (condition is null)
                {
                    errors.Add(where, "must be a condition object");
                }
                else if (strict && IsOutcome(condition.Field))
                {
                    errors.Add(where + ".field", $"a score cannot depend on the lead's stage or scores: rule '{rule.Id}' tests '{condition.Field}', which scoring and qualification produce; test what the lead is (fields, custom fields, account) instead");
                }
                else if (condition.Compile(errors, where, strict) is { } test)
                {
                    conditions.Add(test);
                    compiledWhen.Add(condition);
                }
            }

            if (strict)
            {
                // Over the conditions that compiled: if those cannot hold together, neither can the whole rule.
                LeadConditionChecks.CheckTogether(compiledWhen, at + ".when", errors);
            }

            if (conditions.Count == rule.When.Count && rule.Id is not null)
            {
                compiled.Add(new CompiledFieldRule(rule.Id, rule.Label, kind, [.. conditions], rule.Points));
            }
        }

        return compiled;
    }

    private static CompiledEngagementRule? CompileEngagementRule(EngagementRule? rule, string at, HashSet<string> ids, FieldErrors errors, bool strict)
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

        if (rule.Points is 0 or < -1000 or > 1000)
        {
            errors.Add(at + ".points", "must be between -1000 and 1000, and not 0");
            ok = false;
        }

        if (rule.Cap is { } cap && (cap <= 0 || cap > 100_000))
        {
            errors.Add(at + ".cap", "must be more than 0 and at most 100000 (leave it out for no cap)");
            ok = false;
        }
        else if (strict && rule.Cap is { } small && rule.Points is not 0 and >= -1000 and <= 1000 && small < Math.Abs(rule.Points))
        {
            errors.Add(at + ".cap", $"a cap of {small} is below the rule's {Math.Abs(rule.Points)} points, so the rule could never give its points: give a cap of at least {Math.Abs(rule.Points)}, or leave it out");
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

    /// <summary>
    /// Fields a score must not test: the lead's stage and scores are what scoring and qualification produce (a fit
    /// rule on them feeds the outcome back into its own prediction, and a backtest would measure that leak).
    /// </summary>
    private static bool IsOutcome(string? field) =>
        field is not null && !field.StartsWith("custom.", StringComparison.OrdinalIgnoreCase) && !field.StartsWith("account.", StringComparison.OrdinalIgnoreCase)
        && (field.Equals("stage", StringComparison.OrdinalIgnoreCase) || field.Equals("scoredAt", StringComparison.OrdinalIgnoreCase)
            || field.Contains("score", StringComparison.OrdinalIgnoreCase) || field.Contains("grade", StringComparison.OrdinalIgnoreCase)
            || field.Contains("predict", StringComparison.OrdinalIgnoreCase) || field.Contains("probability", StringComparison.OrdinalIgnoreCase));

    /// <summary>The range of fit scores the rules can give: every positive rule at once, every negative one at once.</summary>
    private static (long Min, long Max) FitRange(ScoringDocument doc)
    {
        // As longs: points out of range are refused on their own, and must not overflow the sum before they are.
        var points = (doc.FitRules ?? []).Concat(doc.NegativeRules ?? []).Where(r => r is not null).Select(r => (long)r.Points).ToList();
        return (points.Where(p => p < 0).Sum(), points.Where(p => p > 0).Sum());
    }

    /// <summary>The most engagement the rules can hold at one moment; null when an uncapped decaying rule makes it unbounded.</summary>
    private static long? MaxEngagement(ScoringDocument doc)
    {
        long max = 0;
        foreach (var rule in (doc.EngagementRules ?? []).Where(r => r is { Points: > 0 }))
        {
            if (rule.Count is null && rule.Cap is null)
            {
                return null;
            }

            max += rule.Count is null ? rule.Cap!.Value : rule.Points;
        }

        return max;
    }

    /// <summary>Grade thresholds and MQL bars no lead can reach (or below 0) are refused, naming the most a lead can score.</summary>
    private static void CheckReachable(ScoringDocument doc, FitGrades grades, FieldErrors errors)
    {
        var (minFit, maxFit) = FitRange(doc);
        if (doc.Grades is not null)
        {
            var unreachable = new[] { ("A", grades.A), ("B", grades.B), ("C", grades.C) }.Where(g => g.Item2 > maxFit).Select(g => $"{g.Item1}={g.Item2}").ToList();
            if (unreachable.Count > 0)
            {
                errors.Add("grades", $"no lead can reach {string.Join(", ", unreachable)}: the fit rules give at most {maxFit} points together; lower the thresholds or add fit rules");
            }
        }

        if (doc.Mql is not { } bar)
        {
            return;
        }

        var maxEngagement = MaxEngagement(doc);
        CheckBar(bar.Fit, "mql.fit", maxFit, "the fit rules give", errors);
        CheckBar(bar.Engagement, "mql.engagement", maxEngagement, "the engagement rules' caps and windowed points add up to", errors);
        CheckBar(bar.Total, "mql.total", maxEngagement is { } e ? maxFit + e : null, "fit and engagement add up to", errors);
        if (bar.Grades is { Count: > 0 } wanted && wanted.All(g => g is "A" or "B" or "C" or "D"))
        {
            var best = Order(GradeOf(grades, maxFit));
            var worst = Order(GradeOf(grades, minFit));
            if (!wanted.Any(g => Order(g) >= best && Order(g) <= worst))
            {
                errors.Add("mql.grades", $"no lead can get {string.Join(" or ", wanted)}: with these fit rules (fit {minFit} to {maxFit}) the grades run from {GradeOf(grades, maxFit)} to {GradeOf(grades, minFit)}");
            }
        }

        static int Order(string grade) => grade[0] - 'A';
    }

    private static void CheckBar(int? threshold, string path, long? max, string what, FieldErrors errors)
    {
        if (threshold is not { } t)
        {
            return;
        }

        var limit = Math.Min(max ?? MaxBar, MaxBar);
        if (t < 0 || t > limit)
        {
            errors.Add(path, max is { } m && m <= MaxBar
                ? $"must be between 0 and {m}: {what} at most {m}, so {t} could never be met"
                : $"must be between 0 and {MaxBar}");
        }
    }

    private static string GradeOf(FitGrades grades, long fit) => fit >= grades.A ? "A" : fit >= grades.B ? "B" : fit >= grades.C ? "C" : "D";

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
