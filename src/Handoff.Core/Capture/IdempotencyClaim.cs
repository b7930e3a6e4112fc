namespace Handoff.Capture;

/// <summary>
/// A capture's <c>Idempotency-Key</c>, carried into the capture: the key's record, with the response the request
/// sends, is written in the capture's own transaction. On SQLite an idempotent capture therefore commits in the
/// writer's groups like any other (a transaction of the request's own held the write lock through the whole pipeline
/// and ran about nine times slower), and a key is never recorded without its lead, nor a lead without its key.
/// </summary>
/// <param name="Scope">Whose keys these are: the API key's, or the form's.</param>
/// <param name="Key">The Idempotency-Key header.</param>
/// <param name="RequestHash">SHA-256 of method, path and body: the same key with another request is refused.</param>
/// <param name="Respond">The response the request sends for an answer, stored for the requests that repeat it.</param>
public sealed record IdempotencyClaim(string Scope, string Key, string RequestHash, Func<CaptureAnswer, StoredResponse> Respond);

/// <summary>An HTTP response as stored for replays: status, body (JSON unless <paramref name="ContentType"/> says otherwise), Location.</summary>
public sealed record StoredResponse(int StatusCode, string? Body, string? Location, string? ContentType = null);

/// <summary>The key was used already, by a request that committed first or came earlier in the same group: answer with its record.</summary>
public sealed class IdempotencyKeyUsedException : Exception
{
    public IdempotencyKeyUsedException(IdempotencyRecord record)
        : base($"The Idempotency-Key '{record.Key}' was used already.") => Record = record;

    public IdempotencyRecord Record { get; }
}
