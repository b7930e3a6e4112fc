using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Capture;

/// <summary>The <c>Handoff:Idempotency</c> configuration section.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Handoff:Idempotency";

    /// <summary>
    /// How long a key's first answer is kept for replay. After it, the same key is a new request (a capture of the same
    /// person still finds the open lead by email; a batch of activities would be recorded again).
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the expired records are deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Deletes the records of <c>Idempotency-Key</c>s older than the retention, a thousand at a time, each batch in a
/// transaction of its own (on SQLite it queues for the write turn like every writer, and holds it for a moment only).
/// </summary>
public sealed class IdempotencyExpiry(HandoffDb db, TimeProvider clock, IOptions<IdempotencyOptions> options)
{
    /// <summary>The most records one transaction deletes.</summary>
    internal const int Batch = 1_000;

    /// <summary>Deletes every expired record; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.Retention;
        var total = 0;
        int deleted;
        do
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            deleted = await db.IdempotencyRecords.Where(r => r.CreatedAt < cutoff).OrderBy(r => r.CreatedAt).Take(Batch).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
            total += deleted;
        }
        while (deleted == Batch);
        return total;
    }
}
