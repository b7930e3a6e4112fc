using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Handoff.Common;
using Handoff.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Handoff.Web.Hosting;

/// <summary>
/// Turns what the framework throws for bad requests (malformed JSON, wrong types, oversize or missing bodies,
/// unparsable route values) into problem details that name the field; anything else is a bug and logged.
/// </summary>
internal sealed partial class ProblemHandling(IProblemDetailsService problems, ILogger<ProblemHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        IResult result;
        if (exception is BadHttpRequestException bad)
        {
            if (bad.InnerException is JsonException json)
            {
                // The handler middleware clears the endpoint before it calls us; the feature still knows it.
                var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
                var target = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
                var (field, message) = JsonErrors.Explain(json, target);
                result = TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { [field] = [message] },
                    title: "The request body is not valid.");
            }
            else if (Explain(bad.Message, context.Features.Get<IExceptionHandlerFeature>()?.Endpoint) is var (field, message))
            {
                result = TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "One or more fields are invalid.");
            }
            else
            {
                result = TypedResults.Problem(statusCode: bad.StatusCode, title: Title(bad.StatusCode), detail: bad.Message);
            }
        }
        else if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return true;
        }
        else if (Conflict(exception) is { } conflict)
        {
            // Not a bug: another request wrote the same rows at the same moment (a deadlock, or a lead's version that moved
            // under a use case that does not answer that itself), and this one was rolled back.
            logger.LogWarning(exception, "{Method} {Path} was rolled back by a concurrent writer", context.Request.Method, context.Request.Path);
            result = TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Conflict.",
                detail: conflict,
                extensions: new Dictionary<string, object?> { ["code"] = "concurrent-change" });
        }
        else
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            result = TypedResults.Problem(statusCode: 500, title: "An unexpected error occurred.", detail: "The error was logged with the trace id of this response.");
        }

        context.Response.StatusCode = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 500;
        var details = result switch
        {
            ProblemHttpResult p => p.ProblemDetails,
            ValidationProblem v => v.ProblemDetails,
            _ => null,
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details!, Exception = exception });
    }

    /// <summary>
    /// The field and a sentence for the framework's own binding failures, which name C# types ("Failed to bind
    /// parameter "Nullable&lt;int&gt; limit" from "abc"", "Implicit body inferred … but no body was provided"); null for
    /// others. The parameter's type is read from the endpoint's handler, so an enum lists its values.
    /// </summary>
    internal static (string Field, string Message)? Explain(string message, Endpoint? endpoint)
    {
        if (MissingBody().IsMatch(message))
        {
            return ("body", "is missing or null: send a JSON object with the fields");
        }

        if (Missing().Match(message) is { Success: true } missing)
        {
            return (missing.Groups["name"].Value, "is required");
        }

        if (Unbound().Match(message) is { Success: true } unbound)
        {
            var name = unbound.Groups["name"].Value;
            var type = endpoint?.Metadata.GetMetadata<MethodInfo>()?.GetParameters().FirstOrDefault(p => p.Name == name)?.ParameterType;
            return (name, $"'{unbound.Groups["value"].Value}' is not {JsonErrors.Describe(type)}");
        }

        return null;
    }

    [GeneratedRegex(@"^(Implicit body inferred for parameter ""[^""]+"" but no body was provided|Required parameter ""[^""]+"" was not provided from body\.)")]
    private static partial Regex MissingBody();

    [GeneratedRegex(@"^Required parameter ""[^""]+ (?<name>[^"" ]+)"" was not provided from")]
    private static partial Regex Missing();

    [GeneratedRegex(@"^Failed to bind parameter ""[^""]+ (?<name>[^"" ]+)"" from ""(?<value>.*)""\.$", RegexOptions.Singleline)]
    private static partial Regex Unbound();

    internal static string Title(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
        _ => "The request is not valid.",
    };

    /// <summary>What a request rolled back by a concurrent writer is told; null for any other error.</summary>
    private static string? Conflict(Exception exception) =>
        DbErrors.IsConcurrencyAbort(exception) ? "Another request changed the same records at the same moment; nothing of this one was written. Send it again."
        : DbErrors.IsStaleWrite(exception) ? "Another request changed the same lead at the same moment, so this change was not saved. Send it again."
        : null;
}
