using System.Globalization;
using System.Text.Json;
using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Scoring;

/// <summary>
/// The checks a scoring model's conditions get on save beyond the condition language's own: a condition that could
/// never hold (a value the field cannot take, a range with nothing in it) is refused rather than saved as a rule
/// that silently never fires.
/// </summary>
internal static class ScoringConditions
{
    private static readonly string[] BooleanOperators = ["eq", "neq", "in", "notIn", "exists", "missing"];

    /// <summary>The value must be one the field can hold: true/false for a yes/no field, a number for a number, one of the listed values for a choice.</summary>
    public static void CheckValue(LeadCondition condition, string path, FieldErrors errors)
    {
        if (!LeadFields.TryGet(condition.Field, out var field) || condition.Operator is ConditionOperator.Exists or ConditionOperator.Missing)
        {
            return;
        }

        List<JsonElement> values = condition.Value is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray()] : condition.Value is { } one ? [one] : [];
        var op = condition.Operator;
        var compares = op is ConditionOperator.GreaterThan or ConditionOperator.GreaterOrEqual or ConditionOperator.LessThan or ConditionOperator.LessOrEqual;
        var equals = op is ConditionOperator.Equal or ConditionOperator.NotEqual or ConditionOperator.In or ConditionOperator.NotIn;
        if (field.Kind == FieldKind.Boolean)
        {
            if (!equals)
            {
                errors.Add(path + ".op", $"'{condition.Field}' is true or false: use one of {string.Join(", ", BooleanOperators)}");
            }
            else if (values.FirstOrDefault(v => v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) is { ValueKind: not JsonValueKind.Undefined } bad)
            {
                errors.Add(path + ".value", $"'{condition.Field}' is true or false: give true or false (without quotes), not {bad.GetRawText()}");
            }

            return;
        }

        if (field.Kind == FieldKind.Number && (equals || compares)
            && values.FirstOrDefault(v => v.ValueKind != JsonValueKind.Number) is { ValueKind: not JsonValueKind.Undefined } notNumber)
        {
            errors.Add(path + ".value", $"'{condition.Field}' is a number: give a number (without quotes), not {notNumber.GetRawText()}");
            return;
        }

        if (LeadFields.ValuesOf(condition.Field) is not { } choices)
        {
            return;
        }

        if (compares)
        {
            errors.Add(path + ".op", $"'{condition.Field}' holds one of {string.Join(", ", choices)}, not a number: use eq, neq, in or notIn");
            return;
        }

        if (!equals)
        {
            return;
        }

        var unknown = values.Where(v => v.ValueKind != JsonValueKind.String || !choices.Contains(v.GetString()!, StringComparer.OrdinalIgnoreCase))
            .Select(v => v.ValueKind == JsonValueKind.String ? $"'{v.GetString()}'" : v.GetRawText()).ToList();
        if (unknown.Count > 0)
        {
            errors.Add(path + ".value", $"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "is not a value" : "are not values")} of '{condition.Field}', so the condition could never hold; use one of: {string.Join(", ", choices)}");
        }
    }

    /// <summary>
    /// The conditions of one rule must leave at least one possible value of every field they test: not
    /// <c>gte 200</c> with <c>lte 10</c>, not two different <c>eq</c>, not <c>exists</c> with <c>missing</c>.
    /// </summary>
    public static void CheckSatisfiable(IReadOnlyList<LeadCondition> conditions, string path, FieldErrors errors)
    {
        foreach (var group in conditions.GroupBy(c => c.Field, StringComparer.OrdinalIgnoreCase))
        {
            if (group.Any(c => c.Operator == ConditionOperator.Exists) && group.Any(c => c.Operator == ConditionOperator.Missing))
            {
                errors.Add(path, $"'{group.Key}' cannot both exist and be missing: the rule could never fire");
                continue;
            }

            if (!LeadFields.TryGet(group.Key, out var field) || field.Kind is not (FieldKind.Number or FieldKind.Date))
            {
                continue;
            }

            var range = new Range();
            foreach (var condition in group)
            {
                if (Bound(condition, field.Kind) is { } bound)
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

            if (range.IsEmpty)
            {
                errors.Add(path, $"no value of '{group.Key}' is {range.Describe(field.Kind)}: the rule could never fire");
            }
        }
    }

    private static double? Bound(LeadCondition condition, FieldKind kind)
    {
        if (condition.Value is not { } value || value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
        {
            return null;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
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
