using System.Text.Json;
using System.Text.Json.Serialization;

namespace Handoff.Web.Api;

/// <summary>
/// Reads every date-time a client sends as UTC: with <c>Z</c> or an offset as the instant it names, and without one
/// (<c>2026-01-31T09:00:00</c>, <c>2026-01-31</c>) as UTC, never as the server's local time (which would make the same
/// request mean another instant on a server in another time zone). Written as System.Text.Json writes them.
/// </summary>
internal sealed class UtcDateTimes : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTime(out var value))
        {
            throw new JsonException(); // the serializer adds the path: "could not be converted to System.DateTime"
        }

        return value.Kind switch
        {
            DateTimeKind.Utc => value,
            DateTimeKind.Local => value.ToUniversalTime(), // an offset was given: the reader moved it to local time
            _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        };
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
