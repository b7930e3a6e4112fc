using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Hygiene;
using Handoff.Leads;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.Capture;

/// <summary>What a capture's screen and enrichment found before it reached the database: the junk verdict, the enrichment and the email key.</summary>
internal sealed record ScreenedCapture(JunkVerdict? Junk, LeadEnrichment Enrichment, string? EmailKey);

/// <summary>One validated capture waiting for its turn on the SQLite writer, and the answer its request awaits.</summary>
internal sealed class QueuedCapture(LeadDetails details, ScreenedCapture screened, CaptureContext context, Actor actor, DateTime at, IdempotencyClaim? claim, CancellationToken requestAborted)
{
    private readonly TaskCompletionSource<CaptureAnswer> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LeadDetails Details { get; } = details;

    public ScreenedCapture Screened { get; } = screened;

    public CaptureContext Context { get; } = context;

    public Actor Actor { get; } = actor;

    public DateTime At { get; } = at;

    /// <summary>The request's Idempotency-Key, recorded with the capture (null without one).</summary>
    public IdempotencyClaim? Claim { get; } = claim;

    /// <summary>The request went away before its turn: the capture is skipped, never half-done.</summary>
    public CancellationToken RequestAborted { get; } = requestAborted;

    public Task<CaptureAnswer> Answer => _answer.Task;

    public void Complete(CaptureAnswer answer) => _answer.TrySetResult(answer);

    public void Fail(Exception e) => _answer.TrySetException(e);

    public void Cancel() => _answer.TrySetCanceled(RequestAborted);
}

/// <summary>
/// Group commit of captures on SQLite. SQLite has one writer, and a capture holding it for its whole transaction
/// (dedupe, scoring, MQL check, routing, SLA clocks, insert) while other requests queue behind it spends most of
/// its time waiting for a thread and a commit, not working. Here requests validate, screen and enrich on their
/// own threads, then queue; one loop takes whatever has queued (up to <see cref="MaxBatch"/>) and runs those
/// captures back to back on one warm connection in one transaction, each behind its own savepoint so a failing
/// capture is rolled back alone, and commits once. Every request is answered only after its commit.
/// </summary>
public sealed class CaptureWriter(IServiceScopeFactory scopes, SqliteWriteGate gate, ILogger<CaptureWriter> log) : IAsyncDisposable
{
    /// <summary>At most this many captures share one transaction, which bounds the wait of the last in line.</summary>
    public const int MaxBatch = 64;

    /// <summary>
    /// The writer keeps the write turn for batch after batch while captures are queued, up to this long. When another
    /// writer (an import) had the turn, the captures that queued meanwhile go in one turn, not one batch per turn:
    /// at 50 captures a second during an import, one batch of 64 per import batch let the queue grow to 10 s.
    /// </summary>
    private static readonly TimeSpan MaxTurn = TimeSpan.FromMilliseconds(250);

    /// <summary>The meter of the writer (<c>dotnet-counters monitor -n Handoff.Web --counters Handoff.Capture</c>).</summary>
    public const string MeterName = "Handoff.Capture";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("handoff.capture.batch.size", "{capture}", "Captures committed together by the SQLite writer");
    private static readonly Histogram<double> BatchTime = Meter.CreateHistogram<double>("handoff.capture.batch.duration", "ms", "Time the SQLite writer spent on one batch, commit included");
    private static readonly Counter<double> BusyTime = Meter.CreateCounter<double>("handoff.capture.writer.busy", "ms", "Time the SQLite writer spent working (its rate over wall time is how busy it is)");

    private readonly Channel<QueuedCapture> _queue = Channel.CreateUnbounded<QueuedCapture>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _starting = new();
    private Task? _loop;

    // Used by the writer's thread alone.
    private SqliteConnection? _connection;
    private PreparedStatements? _prepared;

    internal Task<CaptureAnswer> EnqueueAsync(QueuedCapture capture)
    {
        if (_loop is null)
        {
            lock (_starting)
            {
                // Its own thread rather than the thread pool: the writer is the one resource every capture waits for,
                // so it must not wait in the pool's queue behind the requests it is about to answer. Database calls
                // on SQLite complete synchronously, so a batch runs on this thread from start to commit.
                if (_loop is null)
                {
                    var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    new Thread(() =>
                    {
                        try
                        {
                            Run();
                        }
                        finally
                        {
                            stopped.SetResult();
                        }
                    })
                    { IsBackground = true, Name = "Handoff capture writer" }.Start();
                    _loop = stopped.Task;
                }
            }
        }

        if (!_queue.Writer.TryWrite(capture))
        {
            throw new InvalidOperationException("The application is stopping; the capture was not taken.");
        }

        return capture.Answer;
    }

    private void Run()
    {
        var batch = new List<QueuedCapture>(MaxBatch);

        // Blocks this thread (not a pool thread) until a capture arrives, for the write turn, and until each batch has committed.
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            using var turn = gate.EnterAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            var turnStarted = Stopwatch.GetTimestamp();
            do
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var capture))
                {
                    batch.Add(capture);
                }

                var started = Stopwatch.GetTimestamp();
                CommitAsync(batch, turn).GetAwaiter().GetResult();
                var spent = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                BatchSize.Record(batch.Count);
                BatchTime.Record(spent);
                BusyTime.Add(spent);
                batch.Clear();
            }
            while (_queue.Reader.TryPeek(out _) && Stopwatch.GetElapsedTime(turnStarted) < MaxTurn);
        }
    }

    private async Task CommitAsync(List<QueuedCapture> batch, IDisposable turn)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            SqliteWriteGate.Lend(db, turn);
            _connection ??= Open(db);
            _prepared ??= new PreparedStatements(_connection);
            await scope.ServiceProvider.GetRequiredService<CaptureLead>().CommitBatchAsync(batch, _connection, _prepared, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The batch's transaction did not commit: nothing of it was written, and every request hears so. The
            // connection starts afresh with the next batch, in case the fault was its own.
            log.LogError(e, "A batch of {Count} captures failed to commit", batch.Count);
            foreach (var capture in batch)
            {
                capture.Fail(e);
            }

            CloseConnection();
        }
    }

    /// <summary>
    /// The writer's own connection, open for its whole life, so the inserts prepared on it serve every batch (a batch
    /// of one capture otherwise prepared its ten statements again). Its log is checkpointed in the background
    /// (Hosting/CheckpointWorker), never inside a commit, and the pages each capture's savepoint keeps for its
    /// rollback stay in memory: in a temporary file their writes were four of every five system calls of the writer.
    /// </summary>
    private static SqliteConnection Open(HandoffDb db)
    {
        var connection = new SqliteConnection(db.Database.GetConnectionString());
        connection.Open();
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = DatabaseSetup.SqliteConnectionPragmas + " PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    private void CloseConnection()
    {
        _prepared?.Dispose();
        _prepared = null;
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>Stops taking captures and finishes those already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(30));
            CloseConnection();
        }
    }
}
