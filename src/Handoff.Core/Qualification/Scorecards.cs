using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Qualification;

/// <summary>What kind of answer a scorecard criterion takes.</summary>
public enum AnswerType
{
    [JsonStringEnumMemberName("yesNo")] YesNo,
    [JsonStringEnumMemberName("choice")] Choice,
    [JsonStringEnumMemberName("number")] Number,
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("date")] Date,
}

/// <summary>
/// One question of a scorecard and what counts as a pass: yes for yes/no, one of <see cref="Pass"/> for a choice,
/// between <see cref="Min"/> and <see cref="Max"/> for a number, any text for text, a date within
/// <see cref="WithinDays"/> from now for a date. <see cref="Prefill"/> names known data that answers it until a
/// person does: a lead field (<c>employeeCount</c>, <c>seniority</c>) or <c>conversation:&lt;property&gt;</c>, the
/// latest chat, call or meeting that recorded that property (e.g. <c>conversation:timeline</c>).
/// </summary>
public sealed record Criterion
{
    public string Key { get; init; } = "";
    public string Label { get; init; } = "";
    public AnswerType Type { get; init; }
    public int Weight { get; init; } = 1;
    public bool Required { get; init; }
    public IReadOnlyList<string>? Options { get; init; }
    public IReadOnlyList<string>? Pass { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public int? WithinDays { get; init; }
    public string? Prefill { get; init; }

    /// <summary>Whether <paramref name="value"/> passes, and why (in words a salesperson reads).</summary>
    public (bool Passed, string Reason) Judge(JsonElement? value, DateTime now)
    {
        if (value is not { } v || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return (false, "not answered");
        }

        switch (Type)
        {
            case AnswerType.YesNo:
                return v.ValueKind == JsonValueKind.True ? (true, "yes") : (false, "answered no");
            case AnswerType.Choice:
            {
                var choice = v.ToString();
                if (Pass is not { Count: > 0 } pass)
                {
                    return (true, $"'{choice}'");
                }

                return pass.Contains(choice, StringComparer.OrdinalIgnoreCase)
                    ? (true, $"'{choice}' is one of {string.Join(", ", pass)}")
                    : (false, $"'{choice}' is not one of {string.Join(", ", pass)}");
            }

            case AnswerType.Number:
            {
                var n = v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.Parse(v.GetString()!, CultureInfo.InvariantCulture);
                var shown = n.ToString(CultureInfo.InvariantCulture);
                if (Min is { } min && n < min)
                {
                    return (false, $"{shown} is below {min.ToString(CultureInfo.InvariantCulture)}");
                }

                if (Max is { } max && n > max)
                {
                    return (false, $"{shown} is above {max.ToString(CultureInfo.InvariantCulture)}");
                }

                return (true, Min is null && Max is null ? shown : $"{shown} is within {Range()}");
            }

            case AnswerType.Date:
            {
                var date = DateTime.Parse(v.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                var text = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                if (WithinDays is not { } days)
                {
                    return (true, text);
                }

                if (date > now.AddDays(days))
                {
                    return (false, $"{text} is more than {days} days away");
                }

                return date < now.Date ? (false, $"{text} is in the past") : (true, $"{text} is within {days} days");
            }

            default:
                return string.IsNullOrWhiteSpace(v.ToString()) ? (false, "empty") : (true, "answered");
        }
    }

    private string Range() => (Min, Max) switch
    {
        ({ } min, { } max) => $"{min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}",
        ({ } min, null) => $"≥ {min.ToString(CultureInfo.InvariantCulture)}",
        (null, { } max) => $"≤ {max.ToString(CultureInfo.InvariantCulture)}",
        _ => "any",
    };

    /// <summary>Checks that <paramref name="value"/> is the right kind of answer; returns the problem or null.</summary>
    public string? CheckAnswer(JsonElement value)
    {
        switch (Type)
        {
            case AnswerType.YesNo when value.ValueKind is not (JsonValueKind.True or JsonValueKind.False):
                return "must be true or false";
            case AnswerType.Choice when value.ValueKind != JsonValueKind.String:
                return $"must be one of: {string.Join(", ", Options ?? [])}";
            case AnswerType.Choice when Options is { Count: > 0 } options && !options.Contains(value.GetString()!, StringComparer.OrdinalIgnoreCase):
                return $"'{value.GetString()}' is not an option; use one of: {string.Join(", ", options)}";
            case AnswerType.Number when value.ValueKind != JsonValueKind.Number:
                return "must be a number";
            case AnswerType.Text when value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()):
                return "must be a non-empty text";
            case AnswerType.Text when value.GetString()!.Length > 2000:
                return "must be at most 2000 characters";
            case AnswerType.Date when value.ValueKind != JsonValueKind.String
                || !DateTime.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _):
                return "must be an ISO 8601 date, e.g. 2027-03-31";
            default:
                return null;
        }
    }
}

/// <summary>
/// A qualification framework: criteria with weights and a pass threshold (percent of the total weight). A lead
/// passes when every required criterion passes and the weighted score reaches the threshold.
/// </summary>
public sealed record Scorecard
{
    public string Name { get; init; } = "";
    public int PassThreshold { get; init; } = 100;
    public IReadOnlyList<Criterion> Criteria { get; init; } = [];

    /// <summary>Checks a custom scorecard; problems go to <paramref name="errors"/> under <paramref name="path"/>.</summary>
    public void Validate(FieldErrors errors, string path)
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100)
        {
            errors.Add(path + ".name", "is required, at most 100 characters");
        }

        if (PassThreshold is < 0 or > 100)
        {
            errors.Add(path + ".passThreshold", "must be a percentage from 0 to 100");
        }

        if (Criteria.Count is 0 or > 50)
        {
            errors.Add(path + ".criteria", "needs 1 to 50 criteria");
        }

        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Criteria.Count; i++)
        {
            var c = Criteria[i];
            var at = $"{path}.criteria[{i}]";
            if (c is null)
            {
                errors.Add(at, "is required");
                continue;
            }

            if (string.IsNullOrWhiteSpace(c.Key) || c.Key.Length > 50 || !c.Key.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-'))
            {
                errors.Add(at + ".key", "is required: letters, digits and dashes, at most 50");
            }
            else if (!keys.Add(c.Key))
            {
                errors.Add(at + ".key", $"'{c.Key}' is used twice");
            }

            if (string.IsNullOrWhiteSpace(c.Label) || c.Label.Length > 200)
            {
                errors.Add(at + ".label", "is required, at most 200 characters");
            }

            if (!Enum.IsDefined(c.Type))
            {
                errors.Add(at + ".type", "must be yesNo, choice, number, text or date");
            }

            if (c.Weight is < 0 or > 1000)
            {
                errors.Add(at + ".weight", "must be from 0 to 1000");
            }

            if (c.Type == AnswerType.Choice && c.Options is not { Count: > 0 })
            {
                errors.Add(at + ".options", "a choice needs its options");
            }

            if (c.Pass is { Count: > 0 } pass && c.Options is { } options && pass.Any(p => !options.Contains(p, StringComparer.OrdinalIgnoreCase)))
            {
                errors.Add(at + ".pass", "every passing answer must be one of the options");
            }

            if (c.Min is { } min && c.Max is { } max && min > max)
            {
                errors.Add(at + ".max", "must not be below min");
            }

            if (c.WithinDays is <= 0)
            {
                errors.Add(at + ".withinDays", "must be a positive number of days");
            }

            if (c.Prefill is { } prefill && !prefill.StartsWith(Prefills.ConversationPrefix, StringComparison.Ordinal) && !LeadFields.TryGet(prefill, out _))
            {
                errors.Add(at + ".prefill", $"'{prefill}' is neither a lead field nor conversation:<property>");
            }
        }

        if (Criteria.Count > 0 && Criteria.Where(c => c is not null).Sum(c => c.Weight) == 0)
        {
            errors.Add(path + ".criteria", "the weights must not all be zero");
        }
    }
}

/// <summary>The frameworks Handoff knows without configuration.</summary>
public static class Frameworks
{
    private static readonly string[] Seniorities = ["Unknown", "Individual", "Manager", "Director", "VP", "CLevel"];
    private static readonly string[] DirectorOrAbove = ["Director", "VP", "CLevel"];

    public static readonly Scorecard Bant = new()
    {
        Name = "BANT",
        PassThreshold = 75,
        Criteria =
        [
            new() { Key = "budget", Label = "Budget: money is set aside", Type = AnswerType.YesNo, Weight = 25, Required = true },
            new() { Key = "authority", Label = "Authority: talking to a decision maker (director or above)", Type = AnswerType.Choice, Options = Seniorities, Pass = DirectorOrAbove, Weight = 25, Required = true, Prefill = "seniority" },
            new() { Key = "need", Label = "Need: a problem the product solves", Type = AnswerType.YesNo, Weight = 25, Required = true },
            new() { Key = "timeline", Label = "Timeline: buying within 6 months", Type = AnswerType.Date, WithinDays = 183, Weight = 25, Prefill = "conversation:timeline" },
        ],
    };

    public static readonly Scorecard Meddic = new()
    {
        Name = "MEDDIC",
        PassThreshold = 67,
        Criteria =
        [
            new() { Key = "metrics", Label = "Metrics: the gain is quantified", Type = AnswerType.Text, Weight = 1 },
            new() { Key = "economic-buyer", Label = "Economic buyer identified", Type = AnswerType.YesNo, Weight = 1, Required = true },
            new() { Key = "decision-criteria", Label = "Decision criteria known", Type = AnswerType.Text, Weight = 1 },
            new() { Key = "decision-process", Label = "Decision process known", Type = AnswerType.Text, Weight = 1 },
            new() { Key = "identify-pain", Label = "Pain identified", Type = AnswerType.Text, Weight = 1, Required = true },
            new() { Key = "champion", Label = "A champion inside", Type = AnswerType.YesNo, Weight = 1, Required = true },
        ],
    };

    public static readonly Scorecard Champ = new()
    {
        Name = "CHAMP",
        PassThreshold = 75,
        Criteria =
        [
            new() { Key = "challenges", Label = "Challenges the product addresses", Type = AnswerType.Text, Weight = 25, Required = true },
            new() { Key = "authority", Label = "Authority: director or above", Type = AnswerType.Choice, Options = Seniorities, Pass = DirectorOrAbove, Weight = 25, Required = true, Prefill = "seniority" },
            new() { Key = "money", Label = "Money: budget available", Type = AnswerType.YesNo, Weight = 25 },
            new() { Key = "prioritization", Label = "Prioritization: buying within 6 months", Type = AnswerType.Date, WithinDays = 183, Weight = 25, Prefill = "conversation:timeline" },
        ],
    };

    public static IReadOnlyList<Scorecard> BuiltIn { get; } = [Bant, Meddic, Champ];

    public static Scorecard? Find(string name) => BuiltIn.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
}

internal static class Prefills
{
    public const string ConversationPrefix = "conversation:";
}
