using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Handoff.Common;

namespace Handoff.Leads;

/// <summary>
/// The checks conditions get when a document that holds them is saved (a scoring model, a routing rule set, a
/// qualification definition: created, edited or activated), beyond what <see cref="LeadCondition.Compile(FieldErrors, string)"/>
/// needs to run them. A condition that could never hold as its author meant (a value its field can never take, an
/// operator that makes no sense for the field, conditions of one rule that exclude each other) is refused with its
/// path and the values the field takes, rather than saved as a rule that silently never matches. Stored documents
/// are loaded without these checks, so one saved before a check existed keeps loading and behaves as it did.
/// Each feature adds its own rules on top (scoring refuses the lead's stage and scores, a definition its stage).
/// </summary>
public static class LeadConditionChecks
{
    private static readonly string[] BooleanOperators = ["eq", "neq", "in", "notIn", "exists", "missing"];

    /// <summary>
    /// The value must be one the field can hold: true/false for a yes/no field, a number (not a quoted one) for a
    /// number, one of the listed values for a choice (seniority, stage, ...); the operator must make sense for the
    /// field (no <c>gte</c> on a yes/no field, a choice or plain text; no equality on a date and time). Problems of the
    /// field name itself, a missing value or a malformed list are left to <see cref="LeadCondition.Compile(FieldErrors, string)"/>.
    /// </summary>
    /// <param name="condition">The condition as sent.</param>
    /// <param name="path">Its JSON path; errors go to <c>path.value</c> or <c>path.op</c>.</param>
    /// <param name="errors">Where problems are reported.</param>
    /// <returns>False when a problem was reported.</returns>
    public static bool CheckValue(LeadCondition condition, string path, FieldErrors errors)
    {
        if (!LeadFields.TryGet(condition.Field, out var field) || condition.Operator is ConditionOperator.Exists or ConditionOperator.Missing)
        {
            return true;
        }

        var name = condition.Field;
        List<JsonElement> values = condition.Value is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray()] : condition.Value is { } one ? [one] : [];
        var op = condition.Operator;
        var compares = IsComparison(op);
        var equals = IsEquality(op);
        if (field.Kind == FieldKind.Boolean)
        {
            if (!equals)
            {
                return Refuse(errors, path + ".op", $"'{name}' is true or false: use one of {string.Join(", ", BooleanOperators)}");
            }

            return values.FirstOrDefault(v => v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) is not { ValueKind: not JsonValueKind.Undefined } bad
                || Refuse(errors, path + ".value", $"'{name}' is true or false: give true or false (without quotes), not {bad.GetRawText()}");
        }

        if (field.Kind == FieldKind.Number)
        {
            return !(equals || compares)
                || values.FirstOrDefault(v => v.ValueKind != JsonValueKind.Number) is not { ValueKind: not JsonValueKind.Undefined } notNumber
                || Refuse(errors, path + ".value", $"'{name}' is a number: give a number (without quotes), not {notNumber.GetRawText()}");
        }

        if (field.Kind == FieldKind.Date)
        {
            return !equals
                || Refuse(errors, path + ".op", $"'{name}' is a date and time: compare it with gt, gte, lt or lte ({op.Name()} would need the exact instant, to the fraction of a second)");
        }

        if (LeadFields.ValuesOf(name) is not { } choices)
        {
            return !compares || name.StartsWith("custom.", StringComparison.OrdinalIgnoreCase)
                || Refuse(errors, path + ".op", $"'{name}' is text, not a number: gt, gte, lt and lte compare numbers (a custom.<name> field may hold one); use eq, in, contains, startsWith, endsWith or matches");
        }

        if (compares)
        {
            return Refuse(errors, path + ".op", $"'{name}' holds one of {string.Join(", ", choices)}, not a number: use eq, neq, in or notIn");
        }

        if (equals)
        {
            var unknown = values.Where(v => v.ValueKind != JsonValueKind.String || !choices.Contains(v.GetString()!, StringComparer.OrdinalIgnoreCase))
                .Select(v => v.ValueKind == JsonValueKind.String ? $"'{v.GetString()}'" : v.GetRawText()).ToList();
            return unknown.Count == 0
                || Refuse(errors, path + ".value", $"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "is not a value" : "are not values")} of '{name}', so the condition could never hold; use one of: {string.Join(", ", choices)}");
        }

        return op is not (ConditionOperator.Contains or ConditionOperator.StartsWith or ConditionOperator.EndsWith or ConditionOperator.Matches)
            || condition.Value is not { ValueKind: JsonValueKind.String } text
            || MatchesAny(op, text.GetString()!, choices)
            || Refuse(errors, path + ".value", $"no value of '{name}' {Verb(op)} '{text.GetString()}', so the condition could never hold; its values are: {string.Join(", ", choices)}");
    }

    /// <summary>
    /// The conditions of one rule, which must all hold together, must leave at least one possible value of every
    /// field they test: not <c>gte 200</c> with <c>lte 10</c>, not <c>in ["US","CA"]</c> with <c>eq "DE"</c>, not
    /// <c>exists</c> with <c>missing</c>, not <c>missing</c> with a condition that needs a value. Call it once every
    /// condition compiled (problems go to <paramref name="path"/> itself).
    /// </summary>
    /// <param name="conditions">The rule's conditions.</param>
    /// <param name="path">The JSON path of the list (<c>rules[3].conditions</c>).</param>
    /// <param name="errors">Where problems are reported.</param>
    public static void CheckTogether(IReadOnlyList<LeadCondition> conditions, string path, FieldErrors errors)
    {
        foreach (var group in conditions.Where(c => c is not null).GroupBy(c => c.Field, StringComparer.OrdinalIgnoreCase))
        {
            if (!LeadFields.TryGet(group.Key, out var field))
            {
                continue;
            }

            if (group.Any(c => c.Operator == ConditionOperator.Exists) && group.Any(c => c.Operator == ConditionOperator.Missing))
            {
                errors.Add(path, $"'{group.Key}' cannot both exist and be missing: the rule could never fire");
                continue;
            }

            if (group.Any(c => c.Operator == ConditionOperator.Missing)
                && group.FirstOrDefault(c => c.Operator is not (ConditionOperator.Missing or ConditionOperator.NotEqual or ConditionOperator.NotIn or ConditionOperator.NotContains)) is { } needsValue)
            {
                var value = needsValue.Value is { } v ? " " + v.GetRawText() : "";
                errors.Add(path, $"'{group.Key}' is missing, so '{needsValue.Field} {needsValue.Operator.Name()}{value}' could never hold: the rule could never fire");
                continue;
            }

            var problem = field.Kind is FieldKind.Number or FieldKind.Date ? EmptyRange(group, field.Kind) : NoCommonValue(group);
            if (problem is not null)
            {
                errors.Add(path, $"no value of '{group.Key}' is {problem}: the rule could never fire");
            }
        }
    }

    private static bool Refuse(FieldErrors errors, string path, string message)
    {
        errors.Add(path, message);
        return false;
    }

    private static bool IsComparison(ConditionOperator op) =>
        op is ConditionOperator.GreaterThan or ConditionOperator.GreaterOrEqual or ConditionOperator.LessThan or ConditionOperator.LessOrEqual;

    private static bool IsEquality(ConditionOperator op) =>
        op is ConditionOperator.Equal or ConditionOperator.NotEqual or ConditionOperator.In or ConditionOperator.NotIn;

    private static string Verb(ConditionOperator op) => op switch
    {
        ConditionOperator.Contains => "contains",
        ConditionOperator.StartsWith => "starts with",
        ConditionOperator.EndsWith => "ends with",
        _ => "matches",
    };

    /// <summary>Whether a text test can hold for one of a choice field's values; a pattern that does not compile is left to the compile.</summary>
    private static bool MatchesAny(ConditionOperator op, string text, IReadOnlyList<string> choices)
    {
        if (op != ConditionOperator.Matches)
        {
            return choices.Any(c => op switch
            {
                ConditionOperator.Contains => c.Contains(text, StringComparison.OrdinalIgnoreCase),
                ConditionOperator.StartsWith => c.StartsWith(text, StringComparison.OrdinalIgnoreCase),
                _ => c.EndsWith(text, StringComparison.OrdinalIgnoreCase),
            });
        }

        try
        {
            var regex = new Regex(text, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            return choices.Any(regex.IsMatch);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return true;
        }
    }

    /// <summary>The range the comparisons of a number or date field leave, described, when nothing is in it.</summary>
    private static string? EmptyRange(IEnumerable<LeadCondition> group, FieldKind kind)
    {
        var range = new Range();
        foreach (var condition in group)
        {
            if (Bound(condition, kind) is { } bound)
            {
                range = condition.Operator switch
                {
                    ConditionOperator.GreaterThan => range.Above(bound, open: true),
                    ConditionOperator.GreaterOrEqual => range.Above(bound, open: false),
                    ConditionOperator.LessThan => range.Below(bound, open: true),
                    ConditionOperator.LessOrEqual => range.Below(bound, open: false),
                    ConditionOperator.Equal => range.Above(bound, open: false).Below(bound, open: false),
                    _ => range,
                };
            }
        }

        return range.IsEmpty ? range.Describe(kind) : null;
    }

    /// <summary>For text and yes/no fields: the values every <c>eq</c>/<c>in</c> allows, less every <c>neq</c>/<c>notIn</c>, described when none is left.</summary>
    private static string? NoCommonValue(IEnumerable<LeadCondition> group)
    {
        HashSet<string>? allowed = null;
        var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var parts = new List<string>();
        foreach (var condition in group)
        {
            if (!IsEquality(condition.Operator) || condition.Value is not { } value || value.ValueKind == JsonValueKind.Object)
            {
                continue;
            }

            var texts = (value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value]).Select(LeadCondition.Text).ToList();
            if (condition.Operator is ConditionOperator.Equal or ConditionOperator.In)
            {
                allowed = allowed is null ? new HashSet<string>(texts, StringComparer.OrdinalIgnoreCase) : [.. allowed.Intersect(texts, StringComparer.OrdinalIgnoreCase)];
                parts.Add("one of " + string.Join(", ", texts));
            }
            else
            {
                excluded.UnionWith(texts);
                parts.Add("none of " + string.Join(", ", texts));
            }
        }

        return allowed is not null && allowed.All(excluded.Contains) ? string.Join(" and ", parts) : null;
    }

    private static double? Bound(LeadCondition condition, FieldKind kind)
    {
        if (condition.Value is not { } value || value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
        {
            return null;
        }

        var text = LeadCondition.Text(value);
        if (kind == FieldKind.Date)
        {
            return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date) ? date.Ticks : null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    private readonly record struct Range(double Low, bool LowOpen, double High, bool HighOpen)
    {
        public Range()
            : this(double.NegativeInfinity, false, double.PositiveInfinity, false)
        {
        }

        public bool IsEmpty => Low > High || (Low == High && (LowOpen || HighOpen));

        public Range Above(double bound, bool open) =>
            bound > Low || (bound == Low && open) ? this with { Low = bound, LowOpen = open } : this;

        public Range Below(double bound, bool open) =>
            bound < High || (bound == High && open) ? this with { High = bound, HighOpen = open } : this;

        public string Describe(FieldKind kind) =>
            $"{(LowOpen ? "more than" : "at least")} {Format(Low, kind)} and {(HighOpen ? "less than" : "at most")} {Format(High, kind)}";

        private static string Format(double value, FieldKind kind) => kind == FieldKind.Date
            ? new DateTime((long)value, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture)
            : value.ToString(CultureInfo.InvariantCulture);
    }
}
