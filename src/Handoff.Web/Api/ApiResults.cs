using System.Globalization;
using Handoff.Common;
using Microsoft.Extensions.Primitives;

namespace Handoff.Web.Api;

/// <summary>Maps use-case results to HTTP once, for every endpoint.</summary>
internal static class ApiResults
{
    /// <summary>An optional ISO 8601 time from a query string, as UTC (no offset means UTC); one that does not parse is an error on <paramref name="field"/>.</summary>
    public static DateTime? QueryTime(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed.UtcDateTime;
        }

        errors.Add(field, $"'{value}' is not an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T09:00:00Z");
        return null;
    }

    public static IResult ToHttp<T>(this Result<T> result, Func<T, IResult> onSuccess) =>
        result.Error is { } error ? Problem(error) : onSuccess(result.Value!);

    public static IResult Problem(Error error) => error switch
    {
        ValidationError v => TypedResults.ValidationProblem(
            v.Fields.ToDictionary(f => f.Key, f => f.Value), title: "One or more fields are invalid."),
        NotFoundError n => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: n.Message),
        ConflictError c => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Conflict.",
            detail: c.Message,
            extensions: new Dictionary<string, object?> { ["code"] = c.Code }),
        PreconditionFailedError p => TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "Precondition failed.",
            detail: p.Message,
            extensions: new Dictionary<string, object?> { ["code"] = p.Code }),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, detail: error.Message),
    };

    /// <summary>
    /// Reads <c>If-Match: "7"</c> (the version from the lead's ETag). Absent means "last write wins is fine";
    /// a malformed value is an error, not ignored.
    /// </summary>
    public static bool TryReadIfMatch(StringValues header, out int? version, out IResult? problem)
    {
        version = null;
        problem = null;
        if (StringValues.IsNullOrEmpty(header))
        {
            return true;
        }

        var text = header.ToString().Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (int.TryParse(text.Trim('"'), out var parsed) && parsed > 0)
        {
            version = parsed;
            return true;
        }

        problem = TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { ["If-Match"] = ["must be the ETag of the lead, e.g. \"3\""] });
        return false;
    }

    public static string ETag(int version) => $"\"{version}\"";

    /// <summary>
    /// The multipart reader's own errors, the client's fault: a body cut off before its closing boundary ("Unexpected
    /// end of stream"), a broken part header, too many parts. Any other I/O error (a full disk) stays a server error.
    /// </summary>
    public static bool IsBadMultipart(Exception e) =>
        e is InvalidDataException || (e is IOException && e.Message.StartsWith("Unexpected end of", StringComparison.Ordinal));
}
