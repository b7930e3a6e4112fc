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

    /// <summary>Checks everything once and compiles the rules; null with <paramref name="errors"/> filled when it is not valid.</summary>
    public CompiledDefinition? Compile(int version, FieldErrors errors)
    {
        var mql = CompiledMql.From(Mql, errors, "document.mql");
        var sql = CompiledSql.From(Sql, errors, "document.sql");
        var variations = new List<CompiledVariation>();
        for (var i = 0; i < Sources.Count; i++)
        {
            var s = Sources[i];
            var path = $"document.sources[{i}]";
            if (string.IsNullOrWhiteSpace(s.Name) || s.Name.Length > 100)
            {
                errors.Add(path + ".name", "is required, at most 100 characters");
            }

            if (s.When.Count == 0)
            {
                errors.Add(path + ".when", "needs at least one condition that picks the leads it applies to");
            }

            var when = s.When.Select((c, j) => c.Compile(errors, $"{path}.when[{j}]")).ToList();
            variations.Add(new CompiledVariation(
                s.Name,
                f => when.All(w => w is not null && w(f)),
                s.Mql is null ? null : CompiledMql.From(s.Mql, errors, path + ".mql"),
                s.Sql is null ? null : CompiledSql.From(s.Sql, errors, path + ".sql"),
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
    public static CompiledMql? From(MqlCriteria m, FieldErrors errors, string path)
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

        rules.AddRange(Conditions.Compile(m.Conditions, errors, path + ".conditions"));
        Conditions.CheckActivities(m.Activities, errors, path + ".activities");
        if (rules.Count == 0 && m.Activities.Count == 0)
        {
            errors.Add(path, "needs at least one threshold, condition or activity rule");
        }

        return new CompiledMql(rules, m.Activities);
    }
}

/// <summary>The SQL bar, compiled.</summary>
public sealed record CompiledSql(Scorecard Scorecard, IReadOnlyList<CompiledRule> Rules, IReadOnlyList<ActivityRule> Activities, IReadOnlyList<string> RequiredFields)
{
    public static CompiledSql? From(SqlCriteria s, FieldErrors errors, string path)
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

        var rules = Conditions.Compile(s.Conditions, errors, path + ".conditions");
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

internal static class Conditions
{
    public static List<CompiledRule> Compile(IReadOnlyList<LeadCondition> conditions, FieldErrors errors, string path)
    {
        var rules = new List<CompiledRule>();
        for (var i = 0; i < conditions.Count; i++)
        {
            var condition = conditions[i];
            if (condition is null)
            {
                errors.Add($"{path}[{i}]", "is required");
                continue;
            }

            var test = condition.Compile(errors, $"{path}[{i}]");
            if (test is null || !LeadFields.TryGet(condition.Field, out var field))
            {
                continue;
            }

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
