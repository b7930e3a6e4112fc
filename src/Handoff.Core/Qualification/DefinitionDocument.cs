using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Qualification;

/// <summary>
/// "At least <see cref="AtLeast"/> touches of these types (in the last <see cref="WithinDays"/> days)": how a
/// definition says "at least one sales touchpoint, not only content".
/// </summary>
public sealed record ActivityRule
{
    public IReadOnlyList<ActivityType> Types { get; init; } = [];
    public int AtLeast { get; init; } = 1;
    public int? WithinDays { get; init; }
}

/// <summary>The marketing bar: score thresholds and/or conditions and activity rules, all of which must hold.</summary>
public sealed record MqlCriteria
{
    public int? MinFitScore { get; init; }
    public int? MinEngagementScore { get; init; }
    public IReadOnlyList<LeadCondition> Conditions { get; init; } = [];
    public IReadOnlyList<ActivityRule> Activities { get; init; } = [];
}

/// <summary>The sales bar: a framework (built-in by name, or a custom scorecard), conditions, activity rules and fields that must be filled.</summary>
public sealed record SqlCriteria
{
    /// <summary>BANT, MEDDIC or CHAMP; ignored when <see cref="Scorecard"/> is given.</summary>
    public string? Framework { get; init; } = "BANT";
    public Scorecard? Scorecard { get; init; }
    public IReadOnlyList<LeadCondition> Conditions { get; init; } = [];
    public IReadOnlyList<ActivityRule> Activities { get; init; } = [];
    public IReadOnlyList<string> RequiredFields { get; init; } = [];
}

/// <summary>
/// A variation for leads from one kind of source (all of <see cref="When"/> hold): its own MQL or SQL bar, and
/// <see cref="FastTrack"/> to let such leads be designated SQL straight from New or MQL, without sales acceptance.
/// </summary>
public sealed record SourceVariation
{
    public string Name { get; init; } = "";
    public IReadOnlyList<LeadCondition> When { get; init; } = [];
    public MqlCriteria? Mql { get; init; }
    public SqlCriteria? Sql { get; init; }
    public bool FastTrack { get; init; }
}

/// <summary>When recycled leads wake up, to which stage, and which new touches wake them early.</summary>
public sealed record RecyclePolicy
{
    public int WakeAfterDays { get; init; } = 90;
    public LeadStage WakeTo { get; init; } = LeadStage.MQL;
    public IReadOnlyList<ActivityType> WakeOn { get; init; } = [ActivityType.DemoRequest, ActivityType.Meeting, ActivityType.EmailReply];
}

/// <summary>The content of one qualification definition version: the contract marketing and sales sign.</summary>
public sealed record DefinitionDocument
{
    public MqlCriteria Mql { get; init; } = new();
    public SqlCriteria Sql { get; init; } = new();
    public IReadOnlyList<SourceVariation> Sources { get; init; } = [];
    public IReadOnlyList<string> SlaPolicies { get; init; } = [];
    public RecyclePolicy Recycle { get; init; } = new();

    /// <summary>How many days a lead may sit in each open stage before the stuck-leads report lists it.</summary>
    public IReadOnlyDictionary<LeadStage, int> StageLimits { get; init; } = new Dictionary<LeadStage, int>
    {
        [LeadStage.New] = 7,
        [LeadStage.MQL] = 3,
        [LeadStage.SAL] = 14,
        [LeadStage.SQL] = 30,
    };

    public int ReviewEveryDays { get; init; } = 91;

    /// <summary>
    /// Compiles a stored version; null with <paramref name="errors"/> filled when it is not valid. Stored versions
    /// passed <see cref="Validate"/> (or an earlier, laxer version of it) when they were saved, so only what the rules
    /// need to run is checked: a version saved before a check existed keeps judging leads as it did.
    /// </summary>
    /// <param name="version">The version it is stored as.</param>
    /// <param name="errors">Where problems are reported.</param>
    public CompiledDefinition? Compile(int version, FieldErrors errors) => Build(version, errors, strict: false);

    /// <summary>
    /// Checks a document before it is drafted or activated, and compiles it: beyond <see cref="Compile"/>, conditions
    /// that could never hold (a value the field cannot take, conditions of one list that exclude each other; see
    /// <see cref="LeadConditionChecks"/>) and conditions on the lead's stage are refused, each with its JSON path.
    /// </summary>
    /// <param name="errors">Where problems are reported.</param>
    public CompiledDefinition? Validate(FieldErrors errors) => Build(0, errors, strict: true);

    private CompiledDefinition? Build(int version, FieldErrors errors, bool strict)
    {
        var mql = CompiledMql.From(Mql, errors, "document.mql", strict);
        var sql = CompiledSql.From(Sql, errors, "document.sql", strict);
        var variations = new List<CompiledVariation>();
        var sources = Sources ?? [];
        for (var i = 0; i < sources.Count; i++)
        {
            var s = sources[i];
            var path = $"document.sources[{i}]";
            if (s is null)
            {
                errors.Add(path, "must be a source variation object");
                continue;
            }

            if (string.IsNullOrWhiteSpace(s.Name) || s.Name.Length > 100)
            {
                errors.Add(path + ".name", "is required, at most 100 characters");
            }

            if (s.When is not { Count: > 0 })
            {
                errors.Add(path + ".when", "needs at least one condition that picks the leads it applies to");
            }

            var when = Conditions.CompileTests(s.When ?? [], errors, path + ".when", strict);
            var count = s.When?.Count ?? 0;
            variations.Add(new CompiledVariation(
                s.Name ?? "",
                f => when.Count == count && when.All(w => w.Test(f)),
                s.Mql is null ? null : CompiledMql.From(s.Mql, errors, path + ".mql", strict),
                s.Sql is null ? null : CompiledSql.From(s.Sql, errors, path + ".sql", strict),
                s.FastTrack));
        }

        if (SlaPolicies.Any(p => string.IsNullOrWhiteSpace(p) || p.Length > 100))
        {
            errors.Add("document.slaPolicies", "names must be non-empty, at most 100 characters");
        }

        if (Recycle.WakeAfterDays is < 1 or > 3650)
        {
            errors.Add("document.recycle.wakeAfterDays", "must be from 1 to 3650 days");
        }

        if (Recycle.WakeTo is not (LeadStage.MQL or LeadStage.New))
        {
            errors.Add("document.recycle.wakeTo", "must be MQL or New");
        }

        foreach (var (stage, days) in StageLimits)
        {
            if (!StageRules.IsOpen(stage) || days < 1)
            {
                errors.Add("document.stageLimits", $"{stage}: limits apply to open stages and are at least 1 day");
            }
        }

        if (ReviewEveryDays is < 1 or > 730)
        {
            errors.Add("document.reviewEveryDays", "must be from 1 to 730 days");
        }

        return errors.Any ? null : new CompiledDefinition(version, this, mql!, sql!, variations);
    }
}

/// <summary>JSON for stored documents and evidence: camelCase, enums as strings.</summary>
public static class QualificationJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>A rule with a readable name and a test that explains itself.</summary>
public sealed record CompiledRule(string Rule, Func<LeadFacts, (bool Passed, string Reason)> Check);

/// <summary>The MQL bar, compiled.</summary>
public sealed record CompiledMql(IReadOnlyList<CompiledRule> Rules, IReadOnlyList<ActivityRule> Activities)
{
    public static CompiledMql? From(MqlCriteria m, FieldErrors errors, string path, bool strict = false)
    {
        var rules = new List<CompiledRule>();
        if (m.MinFitScore is { } fit)
        {
            rules.Add(new CompiledRule($"fitScore >= {fit}", f => (f.Lead.FitScore >= fit, $"fit score is {f.Lead.FitScore}")));
        }

        if (m.MinEngagementScore is { } engagement)
        {
            rules.Add(new CompiledRule($"engagementScore >= {engagement}", f => (f.Lead.EngagementScore >= engagement, $"engagement score is {f.Lead.EngagementScore}")));
        }

        rules.AddRange(Conditions.Compile(m.Conditions ?? [], errors, path + ".conditions", strict));
        Conditions.CheckActivities(m.Activities, errors, path + ".activities");
        // A condition that was refused has its own error: the bar is not empty for want of it.
        if (rules.Count == 0 && m.Conditions is not { Count: > 0 } && m.Activities.Count == 0)
        {
            errors.Add(path, "needs at least one threshold, condition or activity rule");
        }

        return new CompiledMql(rules, m.Activities);
    }
}

/// <summary>The SQL bar, compiled.</summary>
public sealed record CompiledSql(Scorecard Scorecard, IReadOnlyList<CompiledRule> Rules, IReadOnlyList<ActivityRule> Activities, IReadOnlyList<string> RequiredFields)
{
    public static CompiledSql? From(SqlCriteria s, FieldErrors errors, string path, bool strict = false)
    {
        Scorecard? scorecard = s.Scorecard;
        if (scorecard is not null)
        {
            scorecard.Validate(errors, path + ".scorecard");
        }
        else if (s.Framework is null || Frameworks.Find(s.Framework) is not { } builtIn)
        {
            errors.Add(path + ".framework", $"'{s.Framework}' is not a framework; use BANT, MEDDIC or CHAMP, or give a scorecard");
        }
        else
        {
            scorecard = builtIn;
        }

        var rules = Conditions.Compile(s.Conditions ?? [], errors, path + ".conditions", strict);
        Conditions.CheckActivities(s.Activities, errors, path + ".activities");
        for (var i = 0; i < s.RequiredFields.Count; i++)
        {
            if (!LeadFields.TryGet(s.RequiredFields[i] ?? "", out _))
            {
                errors.Add($"{path}.requiredFields[{i}]", $"'{s.RequiredFields[i]}' is not a lead field");
            }
        }

        return scorecard is null ? null : new CompiledSql(scorecard, rules, s.Activities, s.RequiredFields);
    }
}

/// <summary>A source variation, compiled.</summary>
public sealed record CompiledVariation(string Name, Func<LeadFacts, bool> Applies, CompiledMql? Mql, CompiledSql? Sql, bool FastTrack);

/// <summary>A definition version ready to judge leads: rules compiled once, variations resolved per lead.</summary>
public sealed record CompiledDefinition(int Version, DefinitionDocument Document, CompiledMql Mql, CompiledSql Sql, IReadOnlyList<CompiledVariation> Variations)
{
    /// <summary>The first variation that applies to the lead, if any.</summary>
    public CompiledVariation? VariationFor(LeadFacts facts) => Variations.FirstOrDefault(v => v.Applies(facts));
}

/// <summary>A definition's conditions: compiled leniently when a stored version is loaded, checked strictly when one is saved.</summary>
internal static class Conditions
{
    /// <summary>
    /// Compiles one list of conditions that must all hold together; what does not compile is left out, with its
    /// error. With <paramref name="strict"/> (a draft or an activation), every condition's value is checked against
    /// its field and the list as a whole (<see cref="LeadConditionChecks"/>), and the lead's stage may not be tested:
    /// the definition is what decides it (the MQL check looks only at New and Nurture leads, the SQL gate wants SAL
    /// unless the source fast-tracks), so a condition on it could only repeat or contradict those rules.
    /// </summary>
    public static List<(LeadCondition Condition, LeadFields.Field Field, Func<LeadFacts, bool> Test)> CompileTests(IReadOnlyList<LeadCondition> conditions, FieldErrors errors, string path, bool strict)
    {
        var tests = new List<(LeadCondition Condition, LeadFields.Field Field, Func<LeadFacts, bool> Test)>();
        for (var i = 0; i < conditions.Count; i++)
        {
            var condition = conditions[i];
            if (condition is null)
            {
                errors.Add($"{path}[{i}]", "is required");
                continue;
            }

            if (strict && string.Equals(condition.Field, "stage", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{path}[{i}].field", "a qualification definition cannot test the lead's stage, since it is what decides it: the MQL check looks only at New and Nurture leads, and the SQL gate wants SAL unless the source variation has fastTrack");
                continue;
            }

            if (condition.Compile(errors, $"{path}[{i}]", strict) is { } test && LeadFields.TryGet(condition.Field, out var field))
            {
                tests.Add((condition, field, test));
            }
        }

        if (strict)
        {
            // Over the conditions that compiled: if those cannot hold together, neither can the whole list.
            LeadConditionChecks.CheckTogether([.. tests.Select(t => t.Condition)], path, errors);
        }

        return tests;
    }

    public static List<CompiledRule> Compile(IReadOnlyList<LeadCondition> conditions, FieldErrors errors, string path, bool strict = false)
    {
        var rules = new List<CompiledRule>();
        foreach (var (condition, field, test) in CompileTests(conditions, errors, path, strict))
        {
            var name = condition.Value is { ValueKind: not JsonValueKind.Undefined } v
                ? $"{condition.Field} {condition.Operator.Name()} {v.GetRawText()}"
                : $"{condition.Field} {condition.Operator.Name()}";
            rules.Add(new CompiledRule(name, f =>
            {
                var actual = field.Get(f);
                return (test(f), $"{condition.Field} is {(actual is null ? "empty" : Convert.ToString(actual, System.Globalization.CultureInfo.InvariantCulture))}");
            }));
        }

        return rules;
    }

    public static void CheckActivities(IReadOnlyList<ActivityRule> rules, FieldErrors errors, string path)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            if (r is null || r.Types.Count == 0)
            {
                errors.Add($"{path}[{i}].types", "needs at least one activity type");
            }
            else if (r.AtLeast < 1)
            {
                errors.Add($"{path}[{i}].atLeast", "must be at least 1");
            }
            else if (r.WithinDays is <= 0)
            {
                errors.Add($"{path}[{i}].withinDays", "must be a positive number of days");
            }
        }
    }
}
