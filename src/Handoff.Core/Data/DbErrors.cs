using Microsoft.EntityFrameworkCore;

namespace Handoff.Data;

/// <summary>Recognizes database errors that are expected outcomes rather than bugs, on both providers.</summary>
public static class DbErrors
{
    public static bool IsUniqueViolation(DbUpdateException e) =>
        e.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 }
        || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };
}
