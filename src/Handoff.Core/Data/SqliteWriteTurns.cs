using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Handoff.Data;

/// <summary>
/// SQLite: every transaction EF begins (an API edit, a worker's save) queues for the write turn like the hot-path
/// writers do, instead of polling in SQLite's busy handler. An import passes the turn on after its current batch when
/// someone waits, so an edit during an import waits for a batch (under a second), not for the import's whole
/// transaction of 25,000 rows. The turn is passed on when the transaction commits, rolls back or fails, or when its
/// connection closes (a transaction disposed without either). Contexts that already hold the turn
/// (<see cref="SqliteWriteGate.Lend"/>) are left alone. A transaction that does not get the turn within
/// <see cref="SqliteWriteGate.MaxWait"/> goes ahead without it and waits for SQLite's lock, as it did before the gate.
/// </summary>
internal sealed class SqliteWriteTurns(SqliteWriteGate gate) : DbConnectionInterceptor, IDbTransactionInterceptor
{
    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        if (eventData.Context is HandoffDb { WriteTurn: null } db)
        {
            Took(db, gate.TryEnter(SqliteWriteGate.MaxWait, CancellationToken.None) ?? gate.WentAhead());
        }

        return result;
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is HandoffDb { WriteTurn: null } db)
        {
            Took(db, await gate.TryEnterAsync(SqliteWriteGate.MaxWait, cancellationToken) ?? gate.WentAhead());
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => End(eventData);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) => End(eventData);

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => End(eventData);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) => End(eventData);

    // A failed savepoint leaves the transaction open (and its lock held): only a failed commit or rollback ends it.
    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Failed(eventData);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default) => Failed(eventData);

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => End(eventData);

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData) => End(eventData);

    private static void Took(HandoffDb db, IDisposable turn)
    {
        db.WriteTurn = turn;
        db.TurnEndsWithTransaction = true;
    }

    private static Task Failed(TransactionErrorEventData eventData) =>
        eventData.Action.Contains("Savepoint", StringComparison.OrdinalIgnoreCase) ? Task.CompletedTask : End(eventData);

    private static Task End(DbContextEventData eventData)
    {
        (eventData.Context as HandoffDb)?.EndTransactionTurn();
        return Task.CompletedTask;
    }
}
