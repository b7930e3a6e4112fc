using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Handoff.Scoring;

/// <summary>
/// The column reads of a pass over millions of SQLite rows, straight from e_sqlite3 (the library SQLitePCL's provider
/// binds to): SQLitePCL takes and releases the statement's <see cref="SafeHandle"/> and makes a GC transition on every
/// call, about 5 % of a rescore's CPU at 10M activities. The caller holds the statement for the whole loop; the column
/// functions return at once, without blocking or calling back, so they run without the transition. A value is copied
/// into the row's own buffer (each column read gets the next of two, so two values can be held at once).
/// </summary>
internal sealed class SqliteRow(sqlite3_stmt statement)
{
    private readonly IntPtr _statement = statement.DangerousGetHandle();
    private readonly byte[][] _buffers = [new byte[256], new byte[256]];
    private int _next;

    /// <summary>
    /// Prepares <paramref name="sql"/> on <paramref name="handle"/>, lets <paramref name="bind"/> bind its parameters, and
    /// calls <paramref name="each"/> for every row (cancellation checked every 65,536 rows); SQLite's errors are thrown.
    /// </summary>
    public static void Each(sqlite3 handle, string sql, Action<sqlite3_stmt>? bind, Action<SqliteRow> each, CancellationToken ct)
    {
        if (raw.sqlite3_prepare_v2(handle, sql, out var statement) != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), raw.sqlite3_errcode(handle));
        }

        using (statement)
        {
            bind?.Invoke(statement);
            var row = new SqliteRow(statement);
            int step;
            var rows = 0;
            while ((step = row.Step()) == raw.SQLITE_ROW)
            {
                if ((++rows & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                each(row);
            }

            if (step != raw.SQLITE_DONE)
            {
                throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), step);
            }
        }
    }

    /// <summary>One <c>sqlite3_step</c>: <see cref="raw.SQLITE_ROW"/>, <see cref="raw.SQLITE_DONE"/> or an error code.</summary>
    public int Step() => SqliteNative.Step(_statement);

    public bool IsNull(int column) => SqliteNative.ColumnType(_statement, column) == raw.SQLITE_NULL;

    public long Int64(int column) => SqliteNative.ColumnInt64(_statement, column);

    public double Double(int column) => SqliteNative.ColumnDouble(_statement, column);

    /// <summary>The column's bytes (text as UTF-8), valid until the next read but one.</summary>
    public ReadOnlySpan<byte> Bytes(int column)
    {
        var pointer = SqliteNative.ColumnBlob(_statement, column);
        var length = SqliteNative.ColumnBytes(_statement, column);
        if (pointer == IntPtr.Zero || length <= 0)
        {
            return default;
        }

        ref var buffer = ref _buffers[_next];
        _next ^= 1;
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }

        Marshal.Copy(pointer, buffer, 0, length);
        return buffer.AsSpan(0, length);
    }
}

/// <summary>
/// The e_sqlite3 functions the rescore's big loops call straight (see <see cref="SqliteRow"/>): a statement handle is
/// taken once per loop, not referenced and released by SQLitePCL on every call. The column and bind functions return
/// at once, without blocking or calling back, so the column reads run without a GC transition; <c>sqlite3_step</c>
/// and <c>sqlite3_reset</c> may do I/O and keep theirs.
/// </summary>
internal static class SqliteNative
{
    /// <summary>SQLITE_TRANSIENT: SQLite copies the bound bytes before the bind returns.</summary>
    private static readonly IntPtr Transient = new(-1);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_step", ExactSpelling = true)]
    public static extern int Step(IntPtr statement);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_reset", ExactSpelling = true)]
    public static extern int Reset(IntPtr statement);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_column_type", ExactSpelling = true)]
    [SuppressGCTransition]
    public static extern int ColumnType(IntPtr statement, int column);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_column_int64", ExactSpelling = true)]
    [SuppressGCTransition]
    public static extern long ColumnInt64(IntPtr statement, int column);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_column_double", ExactSpelling = true)]
    [SuppressGCTransition]
    public static extern double ColumnDouble(IntPtr statement, int column);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_column_blob", ExactSpelling = true)]
    [SuppressGCTransition]
    public static extern IntPtr ColumnBlob(IntPtr statement, int column);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_column_bytes", ExactSpelling = true)]
    [SuppressGCTransition]
    public static extern int ColumnBytes(IntPtr statement, int column);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_bind_int64", ExactSpelling = true)]
    public static extern int BindInt64(IntPtr statement, int index, long value);

    /// <summary>Binds <paramref name="text"/> (UTF-8) as a copy.</summary>
    public static int BindText(IntPtr statement, int index, ReadOnlySpan<byte> text) =>
        BindText(statement, index, ref MemoryMarshal.GetReference(text), text.Length, Transient);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_bind_text", ExactSpelling = true)]
    private static extern int BindText(IntPtr statement, int index, ref byte text, int length, IntPtr destructor);
}
