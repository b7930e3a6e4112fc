using Microsoft.EntityFrameworkCore;

namespace Handoff.Data;

/// <summary>Recognizes database errors that are expected outcomes rather than bugs, on both providers.</summary>
public static class DbErrors
{
    public static bool IsUniqueViolation(DbUpdateException e) =>
        e.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 }
        || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };

    /// <summary>
    /// PostgreSQL chose this transaction to end a deadlock (two writers took the same rows in opposite orders) or a
    /// serialization failure: the transaction is gone, nothing of it was written, and the request may be sent again.
    /// EF reports it wrapped (a <see cref="DbUpdateException"/>, inside the retrying strategy's exception).
    /// </summary>
    public static bool IsConcurrencyAbort(Exception? e) =>
        InChain(e, x => x is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure });

    /// <summary>
    /// A save matched no row at the version it read (<see cref="DbUpdateConcurrencyException"/>, wrapped or not): another
    /// request changed the lead in between, and this transaction wrote nothing that stays.
    /// </summary>
    public static bool IsStaleWrite(Exception? e) => InChain(e, x => x is DbUpdateConcurrencyException);

    private static bool InChain(Exception? e, Func<Exception, bool> test)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (test(e))
            {
                return true;
            }
        }

        return false;
    }
}
