using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Web.Hosting;

/// <summary>
/// SQLite only: copies the write-ahead log back into the database file four times a second, in the background. The capture
/// writer turns SQLite's automatic checkpoint off on its own connection (see <c>CaptureWriter</c>), because
/// a checkpoint inside a commit writes and syncs a thousand pages while every queued capture waits. A PASSIVE
/// checkpoint takes no write lock, so captures go on while it runs. Under steady load it never quite catches up
/// with the last commit, and SQLite reuses the log from its start only when it has; so once the log passes
/// <see cref="RestartAt"/>, one pass holds the write turn while it finishes the copy (by then only the last second's
/// pages are left), the next commit starts the log over, and <c>journal_size_limit</c> trims the file.
/// </summary>
internal sealed class CheckpointWorker(IServiceScopeFactory scopes, SqliteWriteGate gate, ILogger<CheckpointWorker> log) : PollingWorker(log)
{
    private const long RestartAt = 64L * 1024 * 1024;

    // A checkpoint stalls captures for a time that grows with what it copies and syncs (on the 2-core machine, open loop
    // at 300 leads/s: about 70 ms every second or two at a 1 s interval, 200-300 ms every 5 s at 5 s); at 250 ms the
    // stalls are about 30 ms (capture p99 59 -> 27 ms at 300/s, 60 -> 33 ms at 500/s). 100 ms was no better.
    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(250);

    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        if (!db.Database.IsSqlite())
        {
            return false;
        }

        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE)", ct);
        var wal = new FileInfo(db.Database.GetDbConnection().DataSource + "-wal");
        if (wal.Exists && wal.Length > RestartAt)
        {
            using var turn = await gate.EnterAsync(db, ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE)", ct);
        }

        return false;
    }
}
