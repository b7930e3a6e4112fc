using System.Collections.Concurrent;
using System.Globalization;
using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Routing;

/// <summary>A condition made ready to run, with what it says for the "why" of a decision.</summary>
internal sealed record CompiledCondition(LeadCondition Source, Func<LeadFacts, bool> Test, LeadFields.Field Field)
{
    public string WhyNot(LeadFacts facts)
    {
        var actual = Field.Get(facts) switch
        {
            null => "nothing",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        };
        var value = Source.Value is { } v2 ? " " + v2.GetRawText() : "";
        return $"{Source.Field} {Source.Operator.Name()}{value} does not hold (the lead has {actual})";
    }
}

/// <summary>A rule made ready to run; a rule whose conditions no longer compile never matches.</summary>
internal sealed record CompiledRule(int Index, string Name, CompiledCondition[] Conditions, RoutingTarget Target, string? Broken)
{
    public bool Matches(LeadFacts facts)
    {
        if (Broken is not null)
        {
            return false;
        }

        foreach (var condition in Conditions)
        {
            if (!condition.Test(facts))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Null when every condition holds; else why the rule does not match.</summary>
    public string? WhyNot(LeadFacts facts)
    {
        if (Broken is not null)
        {
            return Broken;
        }

        foreach (var condition in Conditions)
        {
            if (!condition.Test(facts))
            {
                return condition.WhyNot(facts);
            }
        }

        return null;
    }
}

/// <summary>One version of a rule set, compiled once and kept for the life of the process (versions never change).</summary>
public sealed class CompiledRuleSet
{
    private CompiledRuleSet(RoutingRuleSet set, CompiledRule[] rules)
    {
        Id = set.Id;
        Purpose = set.Purpose;
        Version = set.Version;
        RouteAt = set.RouteAt;
        UseAccountOwner = set.UseAccountOwner;
        Rules = rules;
    }

    public Guid Id { get; }
    public RoutingPurpose Purpose { get; }
    public int Version { get; }
    public RouteAt RouteAt { get; }
    public bool UseAccountOwner { get; }
    internal CompiledRule[] Rules { get; }

    /// <summary>The index of the first rule whose conditions hold for <paramref name="facts"/>, or null; targets are not consulted.</summary>
    public int? FirstMatch(LeadFacts facts)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(facts))
            {
                return rule.Index;
            }
        }

        return null;
    }

    public static CompiledRuleSet Compile(RoutingRuleSet set)
    {
        var rules = set.ParsedRules();
        var compiled = new CompiledRule[rules.Count];
        for (var i = 0; i < rules.Count; i++)
        {
            var errors = new FieldErrors();
            compiled[i] = CompileRule(rules[i], i, errors);
        }

        return new CompiledRuleSet(set, compiled);
    }

    /// <summary>
    /// Checks and compiles one rule; problems go to <paramref name="errors"/> under <c>rules[i]</c>. A stored rule set
    /// is compiled leniently (<paramref name="strict"/> false), so one saved before a check existed routes as it did;
    /// saving checks every condition's value against its field and the conditions together
    /// (<see cref="LeadConditionChecks"/>). Routing adds no field rules of its own: a rule on the lead's stage,
    /// scores or grade is what hands SQLs or A-grade leads to other people.
    /// </summary>
    internal static CompiledRule CompileRule(RoutingRule rule, int index, FieldErrors errors, bool strict = false)
    {
        var path = $"rules[{index}]";
        var conditions = new List<CompiledCondition>();
        var broken = false;
        var list = rule.Conditions ?? [];
        for (var j = 0; j < list.Count; j++)
        {
            var condition = list[j];
            if (condition is null)
            {
                errors.Add($"{path}.conditions[{j}]", "must be a condition object");
                broken = true;
                continue;
            }

            var test = condition.Compile(errors, $"{path}.conditions[{j}]", strict);
            if (test is null || !LeadFields.TryGet(condition.Field, out var field))
            {
                broken = true;
                continue;
            }

            conditions.Add(new CompiledCondition(condition, test, field));
        }

        if (strict)
        {
            // Over the conditions that compiled: if those cannot hold together, neither can the whole rule.
            LeadConditionChecks.CheckTogether([.. conditions.Select(c => c.Source)], path + ".conditions", errors);
        }

        var name = string.IsNullOrWhiteSpace(rule.Name) ? $"rule {index + 1}" : rule.Name.Trim();
        return new CompiledRule(index, name, [.. conditions], rule.Target ?? new RoutingTarget(TargetKind.Queue, Guid.Empty),
            broken ? "its conditions do not compile any more" : null);
    }
}

/// <summary>Compiled rule set versions by id, shared by every request of the process.</summary>
public sealed class RuleSetCache
{
    private readonly ConcurrentDictionary<Guid, CompiledRuleSet> _sets = new();

    public CompiledRuleSet Get(RoutingRuleSet set) => _sets.GetOrAdd(set.Id, _ => CompiledRuleSet.Compile(set));

    public CompiledRuleSet? Find(Guid id) => _sets.TryGetValue(id, out var set) ? set : null;
}
