using System.Runtime.InteropServices;
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

    /// <summary>One <c>sqlite3_step</c>: <see cref="raw.SQLITE_ROW"/>, <see cref="raw.SQLITE_DONE"/> or an error code.</summary>
    public int Step() => NativeMethods.Step(_statement);

    public bool IsNull(int column) => NativeMethods.ColumnType(_statement, column) == raw.SQLITE_NULL;

    public long Int64(int column) => NativeMethods.ColumnInt64(_statement, column);

    public double Double(int column) => NativeMethods.ColumnDouble(_statement, column);

    /// <summary>The column's bytes (text as UTF-8), valid until the next read but one.</summary>
    public ReadOnlySpan<byte> Bytes(int column)
    {
        var pointer = NativeMethods.ColumnBlob(_statement, column);
        var length = NativeMethods.ColumnBytes(_statement, column);
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

    private static class NativeMethods
    {
        [DllImport("e_sqlite3", EntryPoint = "sqlite3_step", ExactSpelling = true)]
        public static extern int Step(IntPtr statement);

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
    }
}
