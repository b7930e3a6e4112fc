using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Handoff.Capture;
using Handoff.Data;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// <c>Idempotency-Key</c> on creating POSTs. The key is claimed by inserting its row in the same transaction as the
/// work, so a retry, a double click or a concurrent duplicate waits for the first request and then gets its answer
/// back; a second lead is never created. The same key with a different body is refused.
/// </summary>
internal sealed class Idempotency(IOptions<JsonOptions> json, TimeProvider clock) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            return await next(context);
        }

        if (key.Length > 200 || key.Any(c => c is < '!' or > '~'))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [Header] = ["must be 1 to 200 visible ASCII characters"] });
        }

        var scope = ScopeOf(http);
        var hash = await HashAsync(http.Request);
        var db = http.RequestServices.GetRequiredService<HandoffDb>();
        var previous = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == scope && r.Key == key, http.RequestAborted);
        if (previous is not null)
        {
            return Replay(http, previous, hash);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(http.RequestAborted);
        var record = IdempotencyRecord.Start(scope, key, hash, clock.GetUtcNow().UtcDateTime);
        db.IdempotencyRecords.Add(record);
        try
        {
            await db.SaveChangesAsync(http.RequestAborted);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // A concurrent request with the same key committed first: answer as it did.
            await transaction.RollbackAsync(http.RequestAborted);
            db.ChangeTracker.Clear();
            var winner = await db.IdempotencyRecords.AsNoTracking().FirstAsync(r => r.Scope == scope && r.Key == key, http.RequestAborted);
            return Replay(http, winner, hash);
        }

        var result = await next(context);
        var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        if (status >= 500)
        {
            return result;
        }

        var body = result is IValueHttpResult { Value: { } value } ? JsonSerializer.Serialize(value, value.GetType(), json.Value.SerializerOptions) : null;
        var location = result?.GetType().GetProperty("Location")?.GetValue(result) as string;
        record.Complete(status, body, location);
        await db.SaveChangesAsync(http.RequestAborted);
        await transaction.CommitAsync(http.RequestAborted);
        return result;
    }

    /// <summary>Buffers creating requests that carry a key, so the filter can hash the raw body after binding read it.</summary>
    public static Task BufferBody(HttpContext http, Func<Task> next)
    {
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.Headers.ContainsKey(Header))
        {
            http.Request.EnableBuffering();
        }

        return next();
    }

    private static string ScopeOf(HttpContext http) =>
        http.GetRouteValue("formKey") is string form
            ? "form:" + form
            : "key:" + (http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous");

    private static async Task<string> HashAsync(HttpRequest request)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(request.Method + " " + request.Path + "\n"));
        if (request.Body.CanSeek)
        {
            request.Body.Position = 0;
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static IResult Replay(HttpContext http, IdempotencyRecord record, string hash)
    {
        if (record.RequestHash != hash)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Idempotency-Key reused.",
                detail: "This Idempotency-Key was already used with a different request. Use a new key for a new request.");
        }

        http.Response.Headers["Idempotent-Replayed"] = "true";
        if (record.Location is not null)
        {
            http.Response.Headers.Location = record.Location;
        }

        var contentType = record.StatusCode >= 400 ? "application/problem+json" : "application/json";
        return TypedResults.Content(record.ResponseBody ?? "", contentType, statusCode: record.StatusCode);
    }
}
