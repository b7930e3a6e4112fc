using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Handoff.Capture;
using Handoff.Data;
using Handoff.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// <c>Idempotency-Key</c> on creating POSTs. The key is claimed by inserting its row in the same transaction as the
/// work, so a retry, a double click or a concurrent duplicate gets the first request's answer back once that request
/// has committed; a second lead is never created. The same key with a different body is refused.
/// <para>
/// Capture endpoints (<see cref="Captures"/>) hand the key to the capture itself (<see cref="ClaimFor"/>), which
/// records it in its own transaction: on SQLite, in the capture writer's group commit. Other endpoints run inside a
/// transaction of the filter's.
/// </para>
/// </summary>
internal sealed class Idempotency(IOptions<JsonOptions> json, TimeProvider clock) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    /// <summary>Endpoint metadata: the endpoint passes <see cref="ClaimFor"/> to the capture, which records the key.</summary>
    public static readonly object Captures = CapturesKey.Instance;

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
        var (hash, asSent) = await HashAsync(http.Request);
        if (http.GetEndpoint()?.Metadata.GetMetadata<CapturesKey>() is not null)
        {
            // The capture looks the key up itself, in its transaction: no second look here.
            http.Features.Set(new PendingClaim(scope, key, hash, json.Value));
            try
            {
                return await next(context);
            }
            catch (IdempotencyKeyUsedException used)
            {
                return Replay(http, used.Record, hash, asSent);
            }
        }

        var db = http.RequestServices.GetRequiredService<HandoffDb>();
        var previous = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == scope && r.Key == key, http.RequestAborted);
        if (previous is not null)
        {
            return Replay(http, previous, hash, asSent);
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
            return Replay(http, winner, hash, asSent);
        }

        var result = await next(context);
        var stored = Stored(result, json.Value);
        if (stored.StatusCode >= 500)
        {
            return result;
        }

        record.Complete(stored);
        await db.SaveChangesAsync(http.RequestAborted);
        await transaction.CommitAsync(http.RequestAborted);
        return result;
    }

    /// <summary>
    /// For a capture endpoint: the request's key as a claim the capture records, with the response
    /// <paramref name="respond"/> makes of its answer; null when the request has no key.
    /// </summary>
    public static IdempotencyClaim? ClaimFor(HttpContext http, Func<CaptureAnswer, IResult> respond)
    {
        if (http.Features.Get<PendingClaim>() is not { } pending)
        {
            return null;
        }

        return new IdempotencyClaim(pending.Scope, pending.Key, pending.RequestHash, answer => Stored(respond(answer), pending.Json));
    }

    /// <summary>
    /// The claim of a form post sent without a key: the submission itself is the key (SHA-256 of the page it was sent
    /// from, the visitor and the posted fields in name order, among the form's keys), so the same fields posted again
    /// from the same page within the retention get the first answer back instead of a second lead or a second touch.
    /// Field order, a multipart boundary and the encoding do not make a different submission.
    /// </summary>
    public static IdempotencyClaim ClaimForSubmission(HttpContext http, IEnumerable<KeyValuePair<string, string?>> fields, CaptureContext context, IResult response)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Append(string? text)
        {
            // Length-prefixed, so that no two different lists of texts hash alike.
            var bytes = System.Text.Encoding.UTF8.GetBytes(text ?? "");
            hash.AppendData(BitConverter.GetBytes(text is null ? -1 : bytes.Length));
            hash.AppendData(bytes);
        }

        Append(context.PageUrl);
        Append(context.VisitorId);
        foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal).ThenBy(f => f.Value, StringComparer.Ordinal))
        {
            Append(name);
            Append(value);
        }

        var submission = Convert.ToHexStringLower(hash.GetHashAndReset());
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value;
        return new IdempotencyClaim(ScopeOf(http), "submission:" + submission, submission, _ => Stored(response, json));
    }

    /// <summary>A result as it is stored for replays: its status, its value as JSON, and where it points.</summary>
    private static StoredResponse Stored(object? result, JsonOptions json)
    {
        if (result is RedirectHttpResult redirect)
        {
            var code = (redirect.Permanent, redirect.PreserveMethod) switch
            {
                (true, true) => StatusCodes.Status308PermanentRedirect,
                (true, false) => StatusCodes.Status301MovedPermanently,
                (false, true) => StatusCodes.Status307TemporaryRedirect,
                _ => StatusCodes.Status302Found,
            };
            return new StoredResponse(code, null, redirect.Url);
        }

        if (result is ContentHttpResult content)
        {
            return new StoredResponse(content.StatusCode ?? StatusCodes.Status200OK, content.ResponseContent, null, content.ContentType);
        }

        var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        var body = result is IValueHttpResult { Value: { } value } ? JsonSerializer.Serialize(value, value.GetType(), json.SerializerOptions) : null;
        return new StoredResponse(status, body, result?.GetType().GetProperty("Location")?.GetValue(result) as string);
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

    /// <summary>
    /// SHA-256 of method, path and body. A JSON body is hashed in a canonical form (object keys sorted, no
    /// whitespace), so the same JSON sent again with other spacing or key order is the same request; other bodies, JSON
    /// that does not parse, and JSON over <see cref="MaxCanonicalBody"/> are hashed as sent. <c>AsSent</c> is the hash
    /// of the bytes as sent, which keys recorded before JSON was compared as JSON hold.
    /// </summary>
    private static async Task<(string Hash, string AsSent)> HashAsync(HttpRequest request)
    {
        using var raw = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = System.Text.Encoding.UTF8.GetBytes(request.Method + " " + request.Path + "\n");
        raw.AppendData(line);
        if (!request.Body.CanSeek)
        {
            var hash = Convert.ToHexStringLower(raw.GetHashAndReset());
            return (hash, hash);
        }

        request.Body.Position = 0;
        var (buffer, filled) = await JsonBody.ReadPooledAsync(request, CancellationToken.None);
        try
        {
            raw.AppendData(buffer, 0, filled);
            var asSent = Convert.ToHexStringLower(raw.GetHashAndReset());
            if (filled <= MaxCanonicalBody && request.HasJsonContentType() && Canonical(buffer.AsSpan(0, filled)) is { } canonical)
            {
                using var semantic = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                semantic.AppendData(line);
                semantic.AppendData(canonical.WrittenSpan);
                return (Convert.ToHexStringLower(semantic.GetHashAndReset()), asSent);
            }

            return (asSent, asSent);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            request.Body.Position = 0; // an endpoint that reads its body itself (a capture, a form post) reads it after this
        }
    }

    /// <summary>The largest JSON body hashed in its canonical form; a larger one is compared byte for byte.</summary>
    public const int MaxCanonicalBody = 1024 * 1024;

    private static readonly JsonWriterOptions CanonicalWriting = new() { SkipValidation = true };

    /// <summary><paramref name="body"/> as canonical JSON; null when it is not JSON.</summary>
    private static ArrayBufferWriter<byte>? Canonical(ReadOnlySpan<byte> body)
    {
        var canonical = new ArrayBufferWriter<byte>(Math.Max(body.Length, 1));
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                return null; // something after the value: not JSON
            }

            using var writer = new Utf8JsonWriter(canonical, CanonicalWriting);
            WriteCanonical(writer, document.RootElement);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Broken JSON, or text the writer refuses (an escaped lone surrogate): the bytes as sent decide.
            return null;
        }

        return canonical;
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer); // strings re-escaped one way, numbers as sent
                break;
        }
    }

    private static IResult Replay(HttpContext http, IdempotencyRecord record, string hash, string asSent)
    {
        if (record.RequestHash != hash && record.RequestHash != asSent)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Idempotency-Key reused.",
                detail: "This Idempotency-Key was already used with a different request. Use a new key for a new request.");
        }

        return Replay(http, record);
    }

    /// <summary>The response <paramref name="record"/> holds, marked as a replay.</summary>
    public static IResult Replay(HttpContext http, IdempotencyRecord record)
    {
        http.Response.Headers["Idempotent-Replayed"] = "true";
        if (record.Location is not null)
        {
            http.Response.Headers.Location = record.Location;
        }

        if (record.ResponseBody is null)
        {
            // A redirect (a form post's): the same status and Location, and no body to claim a type for.
            return TypedResults.StatusCode(record.StatusCode);
        }

        var contentType = record.ContentType ?? (record.StatusCode >= 400 ? "application/problem+json" : "application/json");
        return TypedResults.Content(record.ResponseBody, contentType, statusCode: record.StatusCode);
    }

    private sealed record PendingClaim(string Scope, string Key, string RequestHash, JsonOptions Json);

    private sealed class CapturesKey
    {
        public static readonly CapturesKey Instance = new();
    }
}
