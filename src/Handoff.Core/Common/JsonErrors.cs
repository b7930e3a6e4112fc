using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Handoff.Common;

/// <summary>Turns System.Text.Json failures into a field name and a sentence a client developer can act on.</summary>
public static class JsonErrors
{
    /// <summary>
    /// The field and the message for a failed read of a body meant to become <paramref name="target"/>: a wrong
    /// type or an unknown field names the field; broken JSON is reported against <c>body</c> with its position.
    /// </summary>
    public static (string Field, string Message) Explain(JsonException e, Type? target)
    {
        var path = FieldOf(e);
        if (e.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return (path, "is not a known field");
        }

        if (e.Message.Contains("was missing required properties", StringComparison.Ordinal)
            && e.Message.IndexOf('\'', e.Message.IndexOf("including", StringComparison.Ordinal) + 1) is var open and > 0
            && e.Message.IndexOf('\'', open + 1) is var close and > 0)
        {
            // "… was missing required properties including: 'kind', 'id'.": the first one, under the object that lacks it.
            var missing = e.Message[(open + 1)..close];
            return (path == "body" ? missing : path + "." + missing, "is required");
        }

        if (e.InnerException is InvalidOperationException text && text.Message.Contains("invalid UTF-16", StringComparison.OrdinalIgnoreCase))
        {
            // An escaped half of a surrogate pair (\ud800) alone: the text is not Unicode, whatever its type.
            return (path, "is not valid text: it escapes half of a surrogate pair (such as \\ud800) without the other half");
        }

        if (e.Message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            if (path == "body")
            {
                // The body itself has the wrong kind: an array, a number, a string or true where an object goes.
                return ("body", IsArray(target) ? "must be a JSON array" : "must be a JSON object with the fields");
            }

            var type = PropertyType(target, path);
            return type is { IsEnum: true }
                ? (path, "is not one of the allowed values: use one of " + string.Join(", ", EnumNames(type)))
                : (path, "has the wrong type: expected " + Expected(type));
        }

        var where = path == "body" ? "" : $" near '{path}'";
        return ("body", e.LineNumber is null
            ? $"is not valid JSON{where}"
            : $"is not valid JSON{where} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
    }

    private static string FieldOf(JsonException e)
    {
        var path = e.Path;
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    /// <summary>Follows a dotted path through public properties, case-insensitively; dictionaries yield their values.</summary>
    private static Type? PropertyType(Type? type, string path)
    {
        foreach (var segment in path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (type is null)
            {
                return null;
            }

            var generic = type.GetInterfaces().Append(type).Where(i => i.IsGenericType).Select(i => i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) ? i.GetGenericArguments()[1] : i.GetGenericTypeDefinition() == typeof(IEnumerable<>) && segment.StartsWith('[') ? i.GetGenericArguments()[0] : null)
                .FirstOrDefault(t => t is not null);
            type = type != typeof(string) && generic is not null
                ? generic
                : Property(type, segment)?.PropertyType;
            type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        }

        return type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
    }

    /// <summary>The property a JSON name stands for: its <c>[JsonPropertyName]</c>, or its own name in any case.</summary>
    private static PropertyInfo? Property(Type type, string name)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        return properties.FirstOrDefault(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name == name)
            ?? properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>An enum's names as JSON writes them (<c>[JsonStringEnumMemberName]</c> where given).</summary>
    private static IEnumerable<string> EnumNames(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name);

    /// <summary>What a value of <paramref name="type"/> is, in words ("a whole number", "one of New, MQL, …"); "a valid value" when unknown.</summary>
    public static string Describe(Type? type) => type is null ? "a valid value" : Expected(Nullable.GetUnderlyingType(type) ?? type);

    private static string Expected(Type? type) => type switch
    {
        null => "another type",
        { IsEnum: true } => "one of " + string.Join(", ", EnumNames(type)),
        _ when type == typeof(string) => "a string",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(decimal) || type == typeof(double) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => "an ISO 8601 date-time such as 2026-01-31T09:00:00Z",
        _ when type == typeof(Guid) => "a UUID",
        _ when type == typeof(TimeOnly) => "a time of day such as 09:00",
        _ when type == typeof(DateOnly) => "a date such as 2026-01-31",
        _ when IsArray(type) => "an array",
        _ => "an object",
    };

    /// <summary>Whether JSON writes <paramref name="type"/> as an array: a collection, not a dictionary (an object) nor a string.</summary>
    private static bool IsArray(Type? type) => type is not null && type != typeof(string)
        && !type.IsAssignableTo(typeof(System.Collections.IDictionary)) && type.IsAssignableTo(typeof(System.Collections.IEnumerable));
}
