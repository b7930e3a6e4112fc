using System.CommandLine.Parsing;

namespace Handoff.Cli;

/// <summary>Parses option values with messages that say what was expected (enum names, case-insensitively; ids).</summary>
internal static class Values
{
    public static Guid ParseId(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        result.AddError($"'{text}' is not an id. Ids look like 01a20953-a84f-785c-9121-a1ec96c0738b.");
        return Guid.Empty;
    }

    public static T? ParseOne<T>(ArgumentResult result, string what)
        where T : struct, Enum
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (TryParse<T>(text, out var value))
        {
            return value;
        }

        result.AddError(Invalid<T>(text, what));
        return null;
    }

    /// <summary>Every value of a repeatable option; each occurrence may hold several, comma-separated.</summary>
    public static T[] ParseMany<T>(ArgumentResult result, string what)
        where T : struct, Enum
    {
        var values = new List<T>();
        foreach (var token in result.Tokens)
        {
            foreach (var text in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!TryParse<T>(text, out var value))
                {
                    result.AddError(Invalid<T>(text, what));
                    return [];
                }

                values.Add(value);
            }
        }

        return [.. values.Distinct()];
    }

    public static string Names<T>()
        where T : struct, Enum => string.Join(", ", Enum.GetNames<T>());

    private static bool TryParse<T>(string text, out T value)
        where T : struct, Enum
    {
        // By name only: Enum.TryParse would also take "7" and turn it into an undefined value.
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (candidate.ToString().Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string Invalid<T>(string text, string what)
        where T : struct, Enum => $"'{text}' is not a valid {what}. Valid values: {Names<T>()} (any case).";
}
