namespace Handoff.Data;

/// <summary>
/// SQLite has one writer at a time; concurrent writers otherwise wait in its busy handler, which sleeps and polls
/// (1, 2, 5 … 100 ms) and turns a queue of captures into seconds of latency. On SQLite, hot-path writers queue here
/// instead, in process and in order, and each gets the lock the moment the previous one commits. On PostgreSQL the
/// gate is open: row locks and the unique indexes do the work there.
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
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

    /// <summary>Waits for the write turn when <paramref name="db"/> is SQLite; dispose the result to pass it on.</summary>
    public async ValueTask<IDisposable?> EnterAsync(HandoffDb db, CancellationToken ct) =>
        !db.IsSqlite || db.Database.CurrentTransaction is not null ? null : await EnterAsync(ct);

    /// <summary>Waits for the write turn (a SQLite writer's); dispose the result to pass it on.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _gate.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return new Turn(_gate);
    }

    public void Dispose() => _gate.Dispose();

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

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
