using System.Diagnostics;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// SQLite only: copies the write-ahead log back into the database file four times a second, in the background. The capture
/// writer turns SQLite's automatic checkpoint off on its own connection (see <c>CaptureWriter</c>), because
/// a checkpoint inside a commit writes and syncs a thousand pages while every queued capture waits. A PASSIVE
/// checkpoint takes no write lock, so captures go on while it runs.
/// <para>
/// SQLite writes the log from its start again only after a checkpoint has copied every frame and no commit came in
/// between, which under steady load never happens by itself. So once the log holds <c>Handoff:Database:WalRestartMiB</c> (64 MiB), the worker
/// copies again and again what came in during its previous pass, until a pass is short; then one last pass holds the
/// write turn, and the next commit starts the log over. That last pass has little left to copy and sync: a few
/// milliseconds, where one pass held the turn for 15-20 ms at 500 captures a second. The log file keeps its size when it
/// starts over (its <c>journal_size_limit</c>, set on every connection by <c>DatabaseSetup</c>, is well above
/// the 64 MiB): cutting it back to 64 MiB each time cost the first commit after it another 10-15 ms.
/// </para>
/// </summary>
internal sealed class CheckpointWorker(IServiceScopeFactory scopes, SqliteWriteGate gate, IOptions<HandoffOptions> options, ILogger<CheckpointWorker> log) : PollingWorker(log)
{
    private readonly long _restartAt = options.Value.Database.WalRestartMiB * 1024L * 1024;

    /// <summary>A pass this short leaves little for the pass that holds the write turn.</summary>
    private static readonly TimeSpan ShortPass = TimeSpan.FromMilliseconds(2);

    private const int MaxCatchUpPasses = 8;

    // The pass that holds the write turn stalls captures for a time that grows with what it copies and syncs. Measured
    // before the catch-up passes below existed (2-core machine, open loop at 300 leads/s): about 70 ms every second or two
    // at a 1 s interval, 200-300 ms every 5 s at 5 s, about 30 ms at 250 ms; 100 ms was no better. With the catch-up
    // passes the held pass takes 2-4 ms, and capture p99 at 500/s is 10-13 ms (docs/performance.md).
    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(250);

    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        if (!db.IsSqlite)
        {
            return false;
        }

        // Opened here and closed before the context goes back to its pool, which must not hand out an open connection.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var (frames, frameSize) = await CheckpointAsync(db, ct);
            if (frames * frameSize < _restartAt)
            {
                return false;
            }

            for (var pass = 0; pass < MaxCatchUpPasses; pass++)
            {
                var started = Stopwatch.GetTimestamp();
                await CheckpointAsync(db, ct);
                if (Stopwatch.GetElapsedTime(started) < ShortPass)
                {
                    break;
                }
            }

            // While an import runs, the last pass does not queue for the turn: the import would pass it on after every
            // batch and wait for the pass (15 s over a 1M-row import). The import's own connection checkpoints its log
            // inside its commits every ~400 MB, as before, which also starts the log over.
            using var turn = gate.BulkWriting ? null : await gate.EnterAsync(db, ct);
            await CheckpointAsync(db, ct);
            return false;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>One PASSIVE checkpoint; the frames the log holds and the size of one frame.</summary>
    private static async Task<(long Frames, long FrameSize)> CheckpointAsync(HandoffDb db, CancellationToken ct)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE); PRAGMA page_size;";
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var frames = reader.GetInt64(1);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);

        // Each frame is a page and its 24-byte header.
        return (frames, reader.GetInt64(0) + 24);
    }
}
