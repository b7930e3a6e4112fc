using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Handoff.Data;

/// <summary>
/// One SQL statement prepared on a SQLite connection and run many times, its parameters (<c>?</c>, in order) bound
/// through <see cref="SqliteBinding"/>. It runs in whatever transaction the connection is in. Not thread-safe: it
/// belongs to the connection's one user (the capture writer).
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _handle;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _handle = connection.Handle!;
        SqliteBinding.Check(_handle, raw.sqlite3_prepare_v2(_handle, sql, out _statement));
    }

    /// <summary>Runs it; the first column of its first row read as a Guid (stored as text), or null when there is no row.</summary>
    public Guid? FirstGuid(params ReadOnlySpan<object?> values)
    {
        try
        {
            return StepToRow(values) ? Guid.Parse(raw.sqlite3_column_text(_statement, 0).utf8_to_string()) : null;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs it; whether it returns a row.</summary>
    public bool Any(params ReadOnlySpan<object?> values)
    {
        try
        {
            return StepToRow(values);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs it to the end; the rows it changed.</summary>
    public int Execute(params ReadOnlySpan<object?> values)
    {
        try
        {
            Bind(values);
            var step = raw.sqlite3_step(_statement);
            return step == raw.SQLITE_DONE ? raw.sqlite3_changes(_handle) : throw SqliteBinding.Error(_handle, step);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Binds and steps once: true on a row, false when there is none (the caller resets).</summary>
    private bool StepToRow(ReadOnlySpan<object?> values)
    {
        Bind(values);
        var step = raw.sqlite3_step(_statement);
        return step switch
        {
            raw.SQLITE_ROW => true,
            raw.SQLITE_DONE => false,
            _ => throw SqliteBinding.Error(_handle, step),
        };
    }

    private void Bind(ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            SqliteBinding.Bind(_statement, i + 1, values[i]);
        }
    }

    public void Dispose() => _statement.Dispose();
}
