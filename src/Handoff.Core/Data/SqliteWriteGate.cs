using Microsoft.Extensions.Logging;

namespace Handoff.Data;

/// <summary>
/// SQLite has one writer at a time; concurrent writers otherwise wait in its busy handler, which sleeps and polls
/// (1, 2, 5 … 100 ms) and turns a queue of captures into seconds of latency. On SQLite, hot-path writers queue here
/// instead, in process and in order, and each gets the lock the moment the previous one commits. On PostgreSQL the
/// gate is open: row locks and the unique indexes do the work there.
/// </summary>
public sealed class SqliteWriteGate(ILogger<SqliteWriteGate>? log = null) : IDisposable
{
    /// <summary>
    /// Longer than any writer holds the turn in normal running (a capture writer's 250 ms, an import's batch of a
    /// second or so). A writer that waits longer goes ahead without the turn (SQLite's lock still keeps writers apart)
    /// and says so: a turn that was never passed on must not stop every writer.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _waiting;
    private int _bulk;

    /// <summary>Someone waits for the write turn: a long writer (an import) should pass it on soon.</summary>
    public bool HasWaiters => Volatile.Read(ref _waiting) > 0;

    /// <summary>An import is running (<see cref="BulkWriter"/>): it takes the turn for seconds at a time and checkpoints its own log.</summary>
    public bool BulkWriting => Volatile.Read(ref _bulk) > 0;

    /// <summary>Marks an import's run, until disposed.</summary>
    public IDisposable BulkWriter()
    {
        Interlocked.Increment(ref _bulk);
        return new Bulk(this);
    }

    /// <summary>
    /// Waits for the write turn when <paramref name="db"/> is SQLite and does not hold it yet; dispose the result to pass
    /// it on. Until then the transactions of <paramref name="db"/> run in this turn instead of queueing for one.
    /// </summary>
    public async ValueTask<IDisposable?> EnterAsync(HandoffDb db, CancellationToken ct)
    {
        if (!db.IsSqlite || db.WriteTurn is not null || db.Database.CurrentTransaction is not null)
        {
            return null;
        }

        var turn = await EnterAsync(ct);
        Lend(db, turn);
        return turn;
    }

    /// <summary>Waits for the write turn (a SQLite writer's), at most <see cref="MaxWait"/>; dispose the result to pass it on.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken ct) => await TryEnterAsync(MaxWait, ct) ?? WentAhead();

    /// <summary>
    /// The transactions of <paramref name="db"/> run in <paramref name="turn"/>, which its caller holds, until the turn
    /// ends or the context is disposed.
    /// </summary>
    internal static void Lend(HandoffDb db, IDisposable turn)
    {
        db.WriteTurn = turn;
        ((Turn)turn).Borrower = db;
    }

    /// <summary>The write turn, or null when it did not come within <paramref name="wait"/>.</summary>
    internal async ValueTask<IDisposable?> TryEnterAsync(TimeSpan wait, CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            return await _gate.WaitAsync(wait, ct) ? new Turn(_gate) : null;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <inheritdoc cref="TryEnterAsync"/>
    internal IDisposable? TryEnter(TimeSpan wait, CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            return _gate.Wait(wait, ct) ? new Turn(_gate) : null;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>A writer that waited <see cref="MaxWait"/> goes ahead without the turn; its "turn" passes nothing on.</summary>
    internal IDisposable WentAhead()
    {
        log?.LogError("Waited {Seconds} s for SQLite's write turn; going ahead without it (a writer kept the turn: a bug to report)", MaxWait.TotalSeconds);
        return NoTurn.Instance;
    }

    public void Dispose() => _gate.Dispose();

    private sealed class NoTurn : IDisposable
    {
        public static readonly NoTurn Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class Bulk(SqliteWriteGate gate) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Interlocked.Decrement(ref gate._bulk);
            }
        }
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        /// <summary>The context whose transactions run in this turn (<see cref="Lend"/>).</summary>
        public HandoffDb? Borrower { get; set; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                if (Borrower is { } db && ReferenceEquals(db.WriteTurn, this))
                {
                    db.WriteTurn = null;
                }

                gate.Release();
            }
        }
    }
}
