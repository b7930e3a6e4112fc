using System.Text.Json;

namespace Handoff.Common;

/// <summary>Turns System.Text.Json failures into a field name and a sentence a client developer can act on.</summary>
public static class JsonErrors
{
    /// <summary>The field path of the error without the <c>$.</c> root, or <c>body</c> for the whole document.</summary>
    public static string FieldOf(JsonException e)
    {
        var path = e.Path;
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    public static string Describe(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "is not a known field";
        }

        const string Marker = "could not be converted to ";
        var at = message.IndexOf(Marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var start = at + Marker.Length;
            var end = message.IndexOf(". Path", start, StringComparison.Ordinal);
            return "has the wrong type: expected " + Expected(end < 0 ? message[start..] : message[start..end]);
        }

        return e.LineNumber is null
            ? "is not valid JSON"
            : $"is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
    }

    private static string Expected(string typeName) => typeName switch
    {
        _ when typeName.Contains("String", StringComparison.Ordinal) => "a string",
        _ when typeName.Contains("Int32", StringComparison.Ordinal) || typeName.Contains("Int64", StringComparison.Ordinal) => "a whole number",
        _ when typeName.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ when typeName.Contains("DateTime", StringComparison.Ordinal) => "an ISO 8601 date-time",
        _ when typeName.Contains("Dictionary", StringComparison.Ordinal) => "an object of string values",
        _ when typeName.Contains("Guid", StringComparison.Ordinal) => "a UUID",
        _ when typeName.Contains("LeadStage", StringComparison.Ordinal) => "one of " + string.Join(", ", Enum.GetNames<Leads.LeadStage>()),
        _ => "a value of another type",
    };
}
