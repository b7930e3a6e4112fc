using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Access;

public sealed record ApiKeyView(Guid Id, string Name, string Prefix, IReadOnlyList<ApiScope> Scopes, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>The plain key is in this answer only; Handoff keeps its hash.</summary>
public sealed record CreatedApiKey(ApiKeyView Key, string PlainText);

public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<ApiScope> Scopes);

/// <summary>Creating, listing, revoking and checking API keys.</summary>
public sealed class ApiKeys(HandoffDb db, TimeProvider clock)
{
    public async Task<Result<CreatedApiKey>> CreateAsync(CreateApiKeyRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors.Add("name", "is required, at most 200 characters");
        }

        if (request.Scopes is null || request.Scopes.Count == 0)
        {
            errors.Add("scopes", $"give at least one of: {string.Join(", ", Enum.GetNames<ApiScope>())}");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var (key, plain) = ApiKey.Generate(request.Name.Trim(), request.Scopes!, clock.GetUtcNow().UtcDateTime);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return new CreatedApiKey(View(key), plain);
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(CancellationToken ct) =>
        (await db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(ct)).Select(View).ToList();

    public async Task<Result<ApiKeyView>> RevokeAsync(Guid id, CancellationToken ct)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct);
        if (key is null)
        {
            return new NotFoundError($"No API key with id {id}.");
        }

        key.Revoke(clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return View(key);
    }

    /// <summary>The live key matching <paramref name="plainText"/>, or null.</summary>
    public Task<ApiKey?> FindActiveAsync(string plainText, CancellationToken ct)
    {
        var hash = ApiKey.HashOf(plainText);
        return db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash && k.RevokedAt == null, ct);
    }

    private static ApiKeyView View(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.Scopes, k.CreatedAt, k.RevokedAt);
}
