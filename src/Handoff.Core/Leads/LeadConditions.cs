using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Handoff.Accounts;
using Handoff.Common;

namespace Handoff.Leads;

/// <summary>What a condition is checked against: the lead, and its account when it has one.</summary>
public readonly record struct LeadFacts(Lead Lead, Account? Account = null);

/// <summary>How a condition compares a field with its value.</summary>
public enum ConditionOperator
{
    [JsonStringEnumMemberName("eq")] Equal,
    [JsonStringEnumMemberName("neq")] NotEqual,
    [JsonStringEnumMemberName("in")] In,
    [JsonStringEnumMemberName("notIn")] NotIn,
    [JsonStringEnumMemberName("contains")] Contains,
    [JsonStringEnumMemberName("notContains")] NotContains,
    [JsonStringEnumMemberName("startsWith")] StartsWith,
    [JsonStringEnumMemberName("endsWith")] EndsWith,
    [JsonStringEnumMemberName("gt")] GreaterThan,
    [JsonStringEnumMemberName("gte")] GreaterOrEqual,
    [JsonStringEnumMemberName("lt")] LessThan,
    [JsonStringEnumMemberName("lte")] LessOrEqual,
    [JsonStringEnumMemberName("exists")] Exists,
    [JsonStringEnumMemberName("missing")] Missing,
    [JsonStringEnumMemberName("matches")] Matches,
}

/// <summary>The kind of value a lead field holds, which decides the operators and values that make sense for it.</summary>
public enum FieldKind
{
    Text,
    Number,
    Boolean,
    Date,
}

/// <summary>
/// One test on a lead field, as scoring, MQL, routing and qualification rules write it:
/// <c>{"field":"employeeCount","op":"gte","value":50}</c>, <c>{"field":"country","op":"in","value":["US","CA"]}</c>,
/// <c>{"field":"custom.budget","op":"exists"}</c>. Text compares ignore case. Field names are listed by
/// <see cref="LeadFields.Names"/>.
/// </summary>
public sealed record LeadCondition
{
    public string Field { get; init; } = "";

    [JsonPropertyName("op")]
    public ConditionOperator Operator { get; init; }

    /// <summary>A string, number or boolean; an array for <c>in</c> / <c>notIn</c>; absent for <c>exists</c> / <c>missing</c>.</summary>
    public JsonElement? Value { get; init; }

    /// <summary>
    /// Checks the condition once and turns it into a fast test, as a stored document is loaded: only what the test
    /// needs to run is checked, so a document saved before a stricter check existed keeps loading and tests leads as
    /// it did. Problems go to <paramref name="errors"/> under <paramref name="path"/>.
    /// </summary>
    /// <param name="errors">Where problems are reported.</param>
    /// <param name="path">The condition's JSON path in its document (<c>rules[3].conditions[0]</c>).</param>
    public Func<LeadFacts, bool>? Compile(FieldErrors errors, string path) => Compile(errors, path, strict: false);

    /// <summary>
    /// Checks the condition once and turns it into a fast test. With <paramref name="strict"/> (a document being
    /// saved: created, edited, activated) a condition that could never hold as meant is refused too
    /// (<see cref="LeadConditionChecks.CheckValue"/>); the document's feature checks its conditions together with
    /// <see cref="LeadConditionChecks.CheckTogether"/>.
    /// </summary>
    /// <param name="errors">Where problems are reported.</param>
    /// <param name="path">The condition's JSON path in its document (<c>rules[3].conditions[0]</c>).</param>
    /// <param name="strict">True when the document is being saved; false when a stored one is loaded.</param>
    public Func<LeadFacts, bool>? Compile(FieldErrors errors, string path, bool strict)
    {
        if (strict && !LeadConditionChecks.CheckValue(this, path, errors))
        {
            return null;
        }

        if (!LeadFields.TryGet(Field, out var field))
        {
            errors.Add(path + ".field", $"'{Field}' is not a lead field; use one of: {string.Join(", ", LeadFields.Names)}, or custom.<name>");
            return null;
        }

        var get = field.Get;
        var value = Value is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } v ? v : (JsonElement?)null;
        switch (Operator)
        {
            case ConditionOperator.Exists:
                return f => !IsEmpty(get(f));
            case ConditionOperator.Missing:
                return f => IsEmpty(get(f));
        }

        if (value is null)
        {
            errors.Add(path + ".value", $"'{Operator.Name()}' needs a value");
            return null;
        }

        if (Operator is ConditionOperator.In or ConditionOperator.NotIn)
        {
            if (value.Value.ValueKind != JsonValueKind.Array || value.Value.GetArrayLength() == 0)
            {
                errors.Add(path + ".value", $"'{Operator.Name()}' needs a non-empty array of values");
                return null;
            }

            var set = value.Value.EnumerateArray().Select(Text).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var negate = Operator == ConditionOperator.NotIn;
            return f => Format(get(f)) is { } s ? set.Contains(s) != negate : negate;
        }

        if (value.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
        {
            errors.Add(path + ".value", $"'{Operator.Name()}' needs a single value, not a list");
            return null;
        }

        var text = Text(value.Value);
        switch (Operator)
        {
            case ConditionOperator.Equal or ConditionOperator.NotEqual:
            {
                var negate = Operator == ConditionOperator.NotEqual;
                if (field.Kind == FieldKind.Number && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                {
                    return f => (Number(get(f)) == n) != negate;
                }

                return f => string.Equals(Format(get(f)), text, StringComparison.OrdinalIgnoreCase) != negate;
            }

            case ConditionOperator.Contains or ConditionOperator.NotContains:
            {
                var negate = Operator == ConditionOperator.NotContains;
                return f => (Format(get(f))?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false) != negate;
            }

            case ConditionOperator.StartsWith:
                return f => Format(get(f))?.StartsWith(text, StringComparison.OrdinalIgnoreCase) ?? false;
            case ConditionOperator.EndsWith:
                return f => Format(get(f))?.EndsWith(text, StringComparison.OrdinalIgnoreCase) ?? false;
            case ConditionOperator.Matches:
                try
                {
                    // Linear time whatever the pattern, so no wall-clock timeout that a busy machine could trip.
                    var regex = new Regex(text, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
                    return f => Format(get(f)) is { } s && regex.IsMatch(s);
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException)
                {
                    errors.Add(path + ".value", $"not a valid regular expression (lookarounds and backreferences are not supported): {e.Message}");
                    return null;
                }
        }

        // gt, gte, lt, lte: numbers, or dates on date fields.
        if (field.Kind == FieldKind.Date)
        {
            if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            {
                errors.Add(path + ".value", $"'{Field}' is a date: give an ISO 8601 date");
                return null;
            }

            return Compare(f => get(f) is DateTime d ? d.Ticks : null, date.Ticks);
        }

        if (field.Kind == FieldKind.Boolean || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            errors.Add(path + ".value", $"'{Operator.Name()}' compares numbers; '{Field}' with '{text}' is not a numeric comparison");
            return null;
        }

        return Compare(f => Number(get(f)), number);
    }

    private Func<LeadFacts, bool> Compare(Func<LeadFacts, double?> read, double bound) => Operator switch
    {
        ConditionOperator.GreaterThan => f => read(f) > bound,
        ConditionOperator.GreaterOrEqual => f => read(f) >= bound,
        ConditionOperator.LessThan => f => read(f) < bound,
        _ => f => read(f) <= bound,
    };

    private static bool IsEmpty(object? value) => value is null || (value is string s && s.Length == 0);

    internal static string Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();

    private static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static double? Number(object? value) => value switch
    {
        int i => i,
        long l => l,
        double d => d,
        decimal m => (double)m,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };
}

/// <summary>The fields of a lead (and its account) that rules may test, by the names the API uses.</summary>
public static class LeadFields
{
    public sealed record Field(FieldKind Kind, Func<LeadFacts, object?> Get);

    private const string CustomPrefix = "custom.";

    private static readonly Dictionary<string, Field> All = new(StringComparer.OrdinalIgnoreCase)
    {
        ["firstName"] = Text(f => f.Lead.FirstName),
        ["lastName"] = Text(f => f.Lead.LastName),
        ["email"] = Text(f => f.Lead.Email),
        ["phone"] = Text(f => f.Lead.Phone),
        ["company"] = Text(f => f.Lead.Company),
        ["title"] = Text(f => f.Lead.Title),
        ["website"] = Text(f => f.Lead.Website),
        ["industry"] = Text(f => f.Lead.Industry ?? f.Account?.Industry),
        ["employeeCount"] = new(FieldKind.Number, f => f.Lead.EmployeeCount ?? f.Account?.EmployeeCount),
        ["country"] = Text(f => f.Lead.Country),
        ["countryCode"] = Text(f => f.Lead.CountryCode),
        ["state"] = Text(f => f.Lead.State),
        ["city"] = Text(f => f.Lead.City),
        ["region"] = Text(f => f.Lead.Region.ToString()),
        ["description"] = Text(f => f.Lead.Description),
        ["source"] = Text(f => f.Lead.Source),
        ["channel"] = Text(f => f.Lead.Channel),
        ["campaign"] = Text(f => f.Lead.Campaign),
        ["utmSource"] = Text(f => f.Lead.UtmSource),
        ["utmMedium"] = Text(f => f.Lead.UtmMedium),
        ["utmCampaign"] = Text(f => f.Lead.UtmCampaign),
        ["utmTerm"] = Text(f => f.Lead.UtmTerm),
        ["utmContent"] = Text(f => f.Lead.UtmContent),
        ["form"] = Text(f => f.Lead.FormKey),
        ["productLine"] = Text(f => f.Lead.CustomFields.TryGetValue("productLine", out var v) ? v : null),
        ["latestSource"] = Text(f => f.Lead.LatestSource),
        ["latestChannel"] = Text(f => f.Lead.LatestChannel),
        ["latestCampaign"] = Text(f => f.Lead.LatestCampaign),
        ["seniority"] = Text(f => f.Lead.Seniority.ToString()),
        ["department"] = Text(f => f.Lead.Department.ToString()),
        ["sizeBand"] = Text(f => f.Lead.SizeBand.ToString()),
        ["segment"] = Text(f => f.Lead.Segment.ToString()),
        ["companyDomain"] = Text(f => f.Lead.CompanyDomain),
        ["isFreeMail"] = new(FieldKind.Boolean, f => f.Lead.Email is null ? null : f.Lead.IsFreeMail), // no email: neither
        ["emailConsent"] = new(FieldKind.Boolean, f => f.Lead.EmailConsent),
        ["stage"] = Text(f => f.Lead.Stage.ToString()),
        ["fitScore"] = new(FieldKind.Number, f => f.Lead.FitScore),
        ["engagementScore"] = new(FieldKind.Number, f => f.Lead.EngagementScore),
        ["intentScore"] = new(FieldKind.Number, f => f.Lead.IntentScore),
        ["fitGrade"] = Text(f => f.Lead.FitGrade),
        ["createdAt"] = new(FieldKind.Date, f => f.Lead.CreatedAt),
        ["latestTouchAt"] = new(FieldKind.Date, f => f.Lead.LatestTouchAt),
        ["hasAccount"] = new(FieldKind.Boolean, f => f.Lead.AccountId is not null),
        ["account.name"] = Text(f => f.Account?.Name),
        ["account.domain"] = Text(f => f.Account?.Domain),
        ["account.industry"] = Text(f => f.Account?.Industry),
        ["account.employeeCount"] = new(FieldKind.Number, f => f.Account?.EmployeeCount),
        ["account.country"] = Text(f => f.Account?.Country),
        ["account.hasOwner"] = new(FieldKind.Boolean, f => f.Account?.OwnerUserId is not null),
    };

    /// <summary>Every field name a condition may use, besides <c>custom.&lt;name&gt;</c>.</summary>
    public static IEnumerable<string> Names => All.Keys;

    public static bool TryGet(string name, out Field field)
    {
        if (name.StartsWith(CustomPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > CustomPrefix.Length)
        {
            var key = name[CustomPrefix.Length..];
            field = new Field(FieldKind.Text, f => f.Lead.CustomFields.TryGetValue(key, out var v) ? v : null);
            return true;
        }

        return All.TryGetValue(name, out field!);
    }

    private static Field Text(Func<LeadFacts, string?> get) => new(FieldKind.Text, get);

    /// <summary>Text fields that hold one of a fixed list of values (an enum's names), by field name.</summary>
    private static readonly Dictionary<string, string[]> Choices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["seniority"] = Enum.GetNames<Enrichment.Seniority>(),
        ["department"] = Enum.GetNames<Enrichment.Department>(),
        ["sizeBand"] = Enum.GetNames<Enrichment.CompanySizeBand>(),
        ["segment"] = Enum.GetNames<Enrichment.Segment>(),
        ["region"] = Enum.GetNames<Enrichment.Region>(),
        ["stage"] = Enum.GetNames<LeadStage>(),
        ["fitGrade"] = ["A", "B", "C", "D"],
    };

    /// <summary>The values <paramref name="name"/> can hold when it is one of a fixed list (seniority, department, ...); null for free text, numbers, dates.</summary>
    public static IReadOnlyList<string>? ValuesOf(string name) => Choices.GetValueOrDefault(name);
}

internal static class ConditionOperatorNames
{
    public static string Name(this ConditionOperator op) =>
        typeof(ConditionOperator).GetField(op.ToString())!.GetCustomAttributes(typeof(JsonStringEnumMemberNameAttribute), false)
            .Cast<JsonStringEnumMemberNameAttribute>().Single().Name;
}
