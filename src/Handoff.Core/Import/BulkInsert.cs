using System.Globalization;
using System.Reflection;
using Handoff.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using SQLitePCL;

namespace Handoff.Import;

/// <summary>
/// Inserts many new rows of an entity type in the context's current transaction, without change tracking: the hot
/// path of imports. Tables, columns, store types and value conversions are read from the EF Core model, so the rows
/// are exactly what <c>SaveChanges</c> would have written and a model change cannot silently break them.
/// </summary>
public interface IBulkInsert
{
    Task InsertAsync<T>(IReadOnlyCollection<T> rows, CancellationToken ct)
        where T : class;
}

/// <summary>Picks the bulk insert of the context's provider.</summary>
public static class BulkInsert
{
    public static IBulkInsert For(HandoffDb db) =>
        db.Database.IsNpgsql() ? new PostgresBinaryCopy(db) : new SqlitePreparedInsert(db);
}

/// <summary>One table as the EF Core model maps an entity type: its name and its columns, in model order.</summary>
internal sealed class BulkTable
{
    private BulkTable(string name, BulkColumn[] columns)
    {
        Name = name;
        Columns = columns;
    }

    public string Name { get; }

    public BulkColumn[] Columns { get; }

    public static BulkTable Of(IModel model, Type type)
    {
        var entity = model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not an entity type of the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties().Select(property =>
        {
            if (property.IsShadowProperty() || property.PropertyInfo is null && property.FieldInfo is null)
            {
                throw new InvalidOperationException($"{type.Name}.{property.Name} is a shadow property; bulk insert reads values from the entity.");
            }

            var mapping = property.GetRelationalTypeMapping();
            var getter = property.GetGetter();
            var converter = mapping.Converter;
            return new BulkColumn(
                property.GetColumnName(table)!,
                mapping,
                converter is null
                    ? getter.GetClrValueUsingContainingEntity
                    : entity => converter.ConvertToProvider(getter.GetClrValueUsingContainingEntity(entity)));
        });
        return new BulkTable(table.Name, columns.ToArray());
    }
}

/// <summary>A column: its name, its EF type mapping, and how to read its provider value from an entity.</summary>
internal sealed record BulkColumn(string Name, RelationalTypeMapping Mapping, Func<object, object?> Value);

/// <summary>PostgreSQL: binary COPY, the fastest way in.</summary>
internal sealed class PostgresBinaryCopy(HandoffDb db) : IBulkInsert
{
    private readonly Dictionary<Type, (BulkTable Table, string Copy, Func<NpgsqlBinaryImporter, object, CancellationToken, Task>[] Writers)> _tables = [];

    public async Task InsertAsync<T>(IReadOnlyCollection<T> rows, CancellationToken ct)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        if (!_tables.TryGetValue(typeof(T), out var entry))
        {
            var table = BulkTable.Of(db.Model, typeof(T));
            var columns = string.Join(", ", table.Columns.Select(c => Quote(c.Name)));
            entry = (table, $"COPY {Quote(table.Name)} ({columns}) FROM STDIN (FORMAT BINARY)", table.Columns.Select(Writer).ToArray());
            _tables[typeof(T)] = entry;
        }

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Bulk insert runs inside the caller's transaction; begin one first.");
        }

        var columnsOf = entry.Table.Columns;
        await using var import = await connection.BeginBinaryImportAsync(entry.Copy, ct);
        foreach (var row in rows)
        {
            await import.StartRowAsync(ct);
            for (var i = 0; i < columnsOf.Length; i++)
            {
                var value = columnsOf[i].Value(row);
                if (value is null)
                {
                    await import.WriteNullAsync(ct);
                }
                else
                {
                    await entry.Writers[i](import, value, ct);
                }
            }
        }

        await import.CompleteAsync(ct);
    }

    /// <summary>
    /// A typed write of the column's provider type to its store type (e.g. <c>uuid</c>, <c>character varying</c>):
    /// writing values as <see cref="object"/> makes Npgsql look up the converter for every value.
    /// </summary>
    private static Func<NpgsqlBinaryImporter, object, CancellationToken, Task> Writer(BulkColumn column)
    {
        var type = column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType;
        var typed = typeof(PostgresBinaryCopy).GetMethod(nameof(TypedWriter), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(Nullable.GetUnderlyingType(type) ?? type);
        return (Func<NpgsqlBinaryImporter, object, CancellationToken, Task>)typed.Invoke(null, [column.Mapping.StoreTypeNameBase])!;
    }

    private static Func<NpgsqlBinaryImporter, object, CancellationToken, Task> TypedWriter<T>(string dataType) =>
        (import, value, ct) => import.WriteAsync((T)value, dataType, ct);

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// SQLite: one prepared INSERT per table, stepped once per row inside the transaction. SQLite runs in process, so a
/// prepared statement costs no round trip. Values are bound through SQLitePCL directly: Microsoft.Data.Sqlite's
/// command spends several times SQLite's own work per row (a reader per execution, a parameter lookup by name per
/// value). They are bound as Microsoft.Data.Sqlite binds EF Core's parameters (Guid as upper-case text, DateTime as
/// "yyyy-MM-dd HH:mm:ss.FFFFFFF"); the tests compare rows written both ways, column by column.
/// </summary>
internal sealed class SqlitePreparedInsert(HandoffDb db) : IBulkInsert
{
    private readonly Dictionary<Type, (BulkTable Table, string Sql, Action<sqlite3_stmt, int, object>[] Binders)> _tables = [];

    public Task InsertAsync<T>(IReadOnlyCollection<T> rows, CancellationToken ct)
        where T : class
    {
        if (rows.Count == 0)
        {
            return Task.CompletedTask;
        }

        if (!_tables.TryGetValue(typeof(T), out var entry))
        {
            var table = BulkTable.Of(db.Model, typeof(T));
            var sql = $"INSERT INTO \"{table.Name}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""))}) " +
                $"VALUES ({string.Join(", ", table.Columns.Select(_ => "?"))})";
            _tables[typeof(T)] = entry = (table, sql, table.Columns.Select(c => Binder(table.Name, c)).ToArray());
        }

        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Bulk insert runs inside the caller's transaction; begin one first.");
        }

        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle!;
        Check(handle, raw.sqlite3_prepare_v2(handle, entry.Sql, out var statement));
        using (statement)
        {
            var columns = entry.Table.Columns;
            foreach (var row in rows)
            {
                ct.ThrowIfCancellationRequested();
                for (var i = 0; i < columns.Length; i++)
                {
                    var value = columns[i].Value(row);
                    if (value is null)
                    {
                        raw.sqlite3_bind_null(statement, i + 1);
                    }
                    else
                    {
                        entry.Binders[i](statement, i + 1, value);
                    }
                }

                var done = raw.sqlite3_step(statement);
                if (done != raw.SQLITE_DONE)
                {
                    var error = Error(handle, done);
                    raw.sqlite3_reset(statement);
                    throw error;
                }

                raw.sqlite3_reset(statement);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>How a provider value of the column is bound; a type not listed here fails when the table is first used.</summary>
    private static Action<sqlite3_stmt, int, object> Binder(string table, BulkColumn column)
    {
        var type = Nullable.GetUnderlyingType(column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType)
            ?? column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType;
        return type switch
        {
            _ when type == typeof(string) => (s, i, v) => raw.sqlite3_bind_text(s, i, (string)v),
            _ when type == typeof(Guid) => (s, i, v) => raw.sqlite3_bind_text(s, i, ((Guid)v).ToString().ToUpperInvariant()),
            _ when type == typeof(DateTime) => (s, i, v) => raw.sqlite3_bind_text(s, i, ((DateTime)v).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)),
            _ when type == typeof(bool) => (s, i, v) => raw.sqlite3_bind_int64(s, i, (bool)v ? 1 : 0),
            _ when type == typeof(int) => (s, i, v) => raw.sqlite3_bind_int64(s, i, (int)v),
            _ when type == typeof(long) => (s, i, v) => raw.sqlite3_bind_int64(s, i, (long)v),
            _ when type == typeof(double) => (s, i, v) => raw.sqlite3_bind_double(s, i, (double)v),
            _ when type == typeof(byte[]) => (s, i, v) => raw.sqlite3_bind_blob(s, i, (byte[])v),
            _ => throw new NotSupportedException(
                $"Bulk insert into {table}.{column.Name} cannot bind {type.Name} values yet; add the binding (as Microsoft.Data.Sqlite binds it) and its test."),
        };
    }

    private static void Check(sqlite3 handle, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw Error(handle, result);
        }
    }

    private static SqliteException Error(sqlite3 handle, int result) =>
        new(raw.sqlite3_errmsg(handle).utf8_to_string(), result, raw.sqlite3_extended_errcode(handle));
}
