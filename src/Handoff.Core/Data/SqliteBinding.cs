using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace Handoff.Data;

/// <summary>
/// Binds EF Core provider values to SQLite statements through SQLitePCL directly, exactly as Microsoft.Data.Sqlite binds
/// EF Core's parameters (Guid as upper-case text, DateTime as "yyyy-MM-dd HH:mm:ss.FFFFFFF", bool as 0/1): the imports'
/// bulk insert and the capture writer's prepared inserts share it. Microsoft.Data.Sqlite's command costs several times
/// SQLite's own work per row (a reader per execution, a binder object and a lookup by name per value, Guid and text
/// converted through new strings); the tests compare rows written both ways, column by column.
/// </summary>
internal static class SqliteBinding
{
    /// <summary>How a provider value of a column with this mapping is bound (never null values); null for a type not bound here.</summary>
    public static Action<sqlite3_stmt, int, object>? Of(RelationalTypeMapping mapping)
    {
        var provider = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
        return Of(Nullable.GetUnderlyingType(provider) ?? provider);
    }

    /// <summary>Binds a value of one of the types <see cref="Of(Type)"/> knows (or null) by its runtime type.</summary>
    public static void Bind(sqlite3_stmt statement, int index, object? value)
    {
        if (value is null)
        {
            raw.sqlite3_bind_null(statement, index);
            return;
        }

        var bind = Of(value.GetType()) ?? throw new NotSupportedException($"SqliteBinding cannot bind {value.GetType().Name} values.");
        bind(statement, index, value);
    }

    private static Action<sqlite3_stmt, int, object>? Of(Type type) => type switch
    {
        _ when type == typeof(string) => BindString,
        _ when type == typeof(Guid) => BindGuid,
        _ when type == typeof(DateTime) => BindDateTime,
        _ when type == typeof(bool) => static (s, i, v) => raw.sqlite3_bind_int64(s, i, (bool)v ? 1 : 0),
        _ when type == typeof(int) => static (s, i, v) => raw.sqlite3_bind_int64(s, i, (int)v),
        _ when type == typeof(long) => static (s, i, v) => raw.sqlite3_bind_int64(s, i, (long)v),
        _ when type == typeof(double) => static (s, i, v) => raw.sqlite3_bind_double(s, i, (double)v),
        _ when type == typeof(byte[]) => static (s, i, v) => raw.sqlite3_bind_blob(s, i, (byte[])v),
        _ => null,
    };

    // Text is bound as UTF-8 encoded into a buffer on the stack (pooled for long values): the string overload
    // allocates a new UTF-8 array per value, and UTF-16 makes SQLite convert every value to the database's UTF-8 itself
    // (slower than .NET's encoder, with an allocation per value inside SQLite).
    private static void BindString(sqlite3_stmt statement, int index, object value)
    {
        var text = (string)value;
        if (text.Length == 0)
        {
            // An empty span has no address, and SQLite binds a null pointer as NULL: bind '' as a string.
            raw.sqlite3_bind_text(statement, index, text);
            return;
        }

        var most = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (most <= 1024)
        {
            Span<byte> utf8 = stackalloc byte[most];
            raw.sqlite3_bind_text(statement, index, utf8[..Encoding.UTF8.GetBytes(text, utf8)]);
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(most);
        try
        {
            raw.sqlite3_bind_text(statement, index, rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void BindGuid(sqlite3_stmt statement, int index, object value)
    {
        Span<byte> utf8 = stackalloc byte[36];
        ((Guid)value).TryFormat(utf8, out _);
        Ascii.ToUpperInPlace(utf8, out _);
        raw.sqlite3_bind_text(statement, index, utf8);
    }

    private static void BindDateTime(sqlite3_stmt statement, int index, object value)
    {
        Span<byte> utf8 = stackalloc byte[32];
        raw.sqlite3_bind_text(statement, index, utf8[..FormatDateTime((DateTime)value, utf8)]);
    }

    /// <summary>
    /// Writes <paramref name="value"/> as <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c> (Microsoft.Data.Sqlite's format: the
    /// fraction without trailing zeros, and without the point when it is zero) in ASCII; returns the length. By hand:
    /// a custom format string is parsed again for every value.
    /// </summary>
    internal static int FormatDateTime(DateTime value, Span<byte> utf8)
    {
        Digits(utf8[..4], value.Year);
        utf8[4] = (byte)'-';
        Digits(utf8[5..7], value.Month);
        utf8[7] = (byte)'-';
        Digits(utf8[8..10], value.Day);
        utf8[10] = (byte)' ';
        Digits(utf8[11..13], value.Hour);
        utf8[13] = (byte)':';
        Digits(utf8[14..16], value.Minute);
        utf8[16] = (byte)':';
        Digits(utf8[17..19], value.Second);
        var fraction = (int)(value.Ticks % TimeSpan.TicksPerSecond);
        if (fraction == 0)
        {
            return 19;
        }

        utf8[19] = (byte)'.';
        Digits(utf8[20..27], fraction);
        var end = 27;
        while (utf8[end - 1] == (byte)'0')
        {
            end--;
        }

        return end;
    }

    private static void Digits(Span<byte> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    public static void Check(sqlite3 handle, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw Error(handle, result);
        }
    }

    public static SqliteException Error(sqlite3 handle, int result) =>
        new(raw.sqlite3_errmsg(handle).utf8_to_string(), result, raw.sqlite3_extended_errcode(handle));
}
