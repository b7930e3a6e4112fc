using Handoff.Access;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Teams;

/// <summary>What every workspace has from its first start: the fallback queue, the reason catalogue, a way in.</summary>
public static class Workspace
{
    public const string FallbackQueueName = "Unassigned";

    /// <summary>Applies migrations and creates the defaults that are missing. Safe to run on every start.</summary>
    public static async Task PrepareAsync(HandoffDb db, TimeProvider clock, string? bootstrapApiKey, CancellationToken ct = default)
    {
        await db.Database.MigrateAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;

        if (!await db.Queues.AnyAsync(q => q.IsFallback, ct))
        {
            db.Queues.Add(WorkQueue.Create(FallbackQueueName, isFallback: true));
        }

        if (!await db.ReasonCodes.AnyAsync(ct))
        {
            db.ReasonCodes.AddRange(ReasonCode.Defaults());
        }

        if (!string.IsNullOrWhiteSpace(bootstrapApiKey))
        {
            var hash = ApiKey.HashOf(bootstrapApiKey);
            var keys = await db.ApiKeys.Where(k => k.RevokedAt == null).ToListAsync(ct);
            if (!keys.Any(k => k.Hash == hash) && !keys.Any(k => k.Scopes.Contains(ApiScope.Admin)))
            {
                db.ApiKeys.Add(ApiKey.FromPlainText(bootstrapApiKey, "bootstrap", [ApiScope.Admin], now));
            }
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>The queue every lead without a better owner waits in.</summary>
    public static Task<Guid> FallbackQueueIdAsync(HandoffDb db, CancellationToken ct) =>
        db.Queues.Where(q => q.IsFallback).Select(q => q.Id).FirstAsync(ct);
}
