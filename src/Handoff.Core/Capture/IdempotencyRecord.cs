namespace Handoff.Capture;

/// <summary>
/// The first answer to a creating request that carried an <c>Idempotency-Key</c>: a retry with the same key gets
/// this answer again instead of creating a second lead. Keys are scoped to the caller (API key or form).
/// </summary>
public sealed class IdempotencyRecord
{
    private IdempotencyRecord()
    {
    }

    public string Scope { get; private set; } = "";
    public string Key { get; private set; } = "";

    /// <summary>SHA-256 of method, path and body: the same key with another request is refused.</summary>
    public string RequestHash { get; private set; } = "";
    public int StatusCode { get; private set; }
    public string? ResponseBody { get; private set; }
    public string? Location { get; private set; }

    /// <summary>The body's media type when it is not JSON (a form's thank-you page); null for JSON.</summary>
    public string? ContentType { get; private set; }
    public DateTime CreatedAt { get; private set; }

    public static IdempotencyRecord Start(string scope, string key, string requestHash, DateTime at) => new()
    {
        Scope = scope,
        Key = key,
        RequestHash = requestHash,
        CreatedAt = at,
    };

    public void Complete(StoredResponse response)
    {
        StatusCode = response.StatusCode;
        ResponseBody = response.Body;
        Location = response.Location;
        ContentType = response.ContentType;
    }
}
