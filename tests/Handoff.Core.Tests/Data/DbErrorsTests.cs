using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Handoff.Core.Tests.Data;

public class DbErrorsTests
{
    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData(PostgresErrorCodes.DeadlockDetected, true)]
    [InlineData(PostgresErrorCodes.SerializationFailure, true)]
    [InlineData(PostgresErrorCodes.UniqueViolation, false)]
    [InlineData(PostgresErrorCodes.QueryCanceled, false)]
    public void IsConcurrencyAbort_FindsADeadlockOrSerializationFailure_HoweverEfWrapsIt(string sqlState, bool expected)
    {
        var asSaved = new DbUpdateException("save", Postgres(sqlState));
        var asRetried = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", asSaved);

        Assert.Equal(expected, DbErrors.IsConcurrencyAbort(Postgres(sqlState)));
        Assert.Equal(expected, DbErrors.IsConcurrencyAbort(asSaved));
        Assert.Equal(expected, DbErrors.IsConcurrencyAbort(asRetried));
    }

    [Fact]
    public void IsConcurrencyAbort_IsFalse_ForOtherErrors() =>
        Assert.False(DbErrors.IsConcurrencyAbort(new InvalidOperationException("a bug", new ArgumentException("x"))));
}
