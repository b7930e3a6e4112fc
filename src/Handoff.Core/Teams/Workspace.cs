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
        if (db.IsSqlite)
        {
            // WAL is a property of the file: set once, it lets readers run beside the writer from then on.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }

        var now = clock.GetUtcNow().UtcDateTime;

        if (!await db.Queues.AnyAsync(q => q.IsFallback, ct))
        {
            db.Queues.Add(WorkQueue.Create(FallbackQueueName, isFallback: true));
        }

        if (!await db.ReasonCodes.AnyAsync(ct))
        {
            db.ReasonCodes.AddRange(ReasonCode.Defaults());
        }

        Scoring.ActiveScoring.AddDefault(db, now);

        if (!string.IsNullOrWhiteSpace(bootstrapApiKey))
        {
            var hash = ApiKey.HashOf(bootstrapApiKey);
            var keys = await db.ApiKeys.Where(k => k.RevokedAt == null).ToListAsync(ct);
            if (!keys.Any(k => k.Hash == hash) && !keys.Any(k => k.Scopes.Contains(ApiScope.Admin)))
            {
                db.ApiKeys.Add(ApiKey.FromPlainText(bootstrapApiKey, "bootstrap", [ApiScope.Admin], now));
            }
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another node starting at the same moment created the same defaults first.
            db.ChangeTracker.Clear();
        }
    }

}

/// <summary>
/// The queue every lead without a better owner waits in. It is created once and never removed, so its id is read
/// once per process instead of on every capture.
/// </summary>
public sealed class FallbackQueue
{
    private Guid? _id;

    public async ValueTask<Guid> IdAsync(HandoffDb db, CancellationToken ct) =>
        _id ??= await db.Queues.Where(q => q.IsFallback).Select(q => q.Id).FirstAsync(ct);
}
