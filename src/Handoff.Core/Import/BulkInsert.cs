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

    /// <summary>
    /// Inserts rows of <typeparamref name="T"/> given as their column values (<see cref="BulkValues.Of{T}"/>), which
    /// another thread may have read from the entities ahead of time.
    /// </summary>
    Task InsertValuesAsync<T>(IReadOnlyCollection<object?[]> rows, CancellationToken ct)
        where T : class;
}

/// <summary>
/// Reads the column values of entities as the bulk insert writes them (provider values, in the table's column
/// order): the part of an insert that needs no connection, so it can run beside the writer. Thread-safe.
/// </summary>
public sealed class BulkValues(IModel model)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, BulkTable> _tables = [];

    public object?[] Of<T>(T entity)
        where T : class
    {
        var columns = _tables.GetOrAdd(typeof(T), type => BulkTable.Of(model, type)).Columns;
        var values = new object?[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            values[i] = columns[i].Value(entity);
        }

        return values;
    }

    /// <summary>
    /// Reads again the columns of <paramref name="properties"/> into <paramref name="values"/> (read by <see cref="Of{T}"/>
    /// before those properties changed) and returns it. Debug builds check that no other column changed.
    /// </summary>
    public object?[] Refresh<T>(object?[] values, T entity, IReadOnlyList<string> properties)
        where T : class
    {
        var table = _tables.GetOrAdd(typeof(T), type => BulkTable.Of(model, type));
        foreach (var column in table.ColumnsOf(properties))
        {
            values[column.Index] = column.Value(entity);
        }
#if DEBUG
        var fresh = Of(entity);
        for (var i = 0; i < fresh.Length; i++)
        {
            if (!Equals(fresh[i], values[i]))
            {
                throw new InvalidOperationException($"{typeof(T).Name}.{table.Columns[i].Property} changed, but only {string.Join(", ", properties)} were read again.");
            }
        }
#endif
        return values;
    }
}

/// <summary>Picks the bulk insert of the context's provider.</summary>
public static class BulkInsert
{
    public static IBulkInsert For(HandoffDb db) =>
        !db.IsSqlite ? new PostgresBinaryCopy(db) : new SqlitePreparedInsert(db);
}

/// <summary>
/// An entity type as the EF Core model maps it: its columns in model order (the order of <see cref="BulkValues.Of{T}"/>),
/// and the tables they go to (one, or more for a type split over tables, like the lead and its scores), main table first.
/// </summary>
internal sealed class BulkTable
{
    private BulkTable(BulkColumn[] columns, BulkPart[] parts)
    {
        Columns = columns;
        Parts = parts;
    }

    public BulkColumn[] Columns { get; }

    /// <summary>The tables in insert order: the main one first, as the others' rows refer to its row.</summary>
    public BulkPart[] Parts { get; }

    /// <summary>The columns of these properties (cached per list).</summary>
    public BulkColumn[] ColumnsOf(IReadOnlyList<string> properties) =>
        _subsets.GetOrAdd(properties, list => [.. list.Select(p => Columns.Single(c => c.Property == p))]);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<IReadOnlyList<string>, BulkColumn[]> _subsets = new(ReferenceEqualityComparer.Instance);

    public static BulkTable Of(IModel model, Type type)
    {
        var entity = model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not an entity type of the model.");
        var columns = entity.GetProperties().Select((property, index) =>
        {
            if (property.IsShadowProperty() || property.PropertyInfo is null && property.FieldInfo is null)
            {
                throw new InvalidOperationException($"{type.Name}.{property.Name} is a shadow property; bulk insert reads values from the entity.");
            }

            var mapping = property.GetRelationalTypeMapping();
            var getter = property.GetGetter();
            var converter = mapping.Converter;
            return new BulkColumn(
                index,
                property.Name,
                property.GetColumnName(),
                mapping,
                converter is null
                    ? getter.GetClrValueUsingContainingEntity
                    : entity => converter.ConvertToProvider(getter.GetClrValueUsingContainingEntity(entity)));
        }).ToArray();
        var parts = entity.GetTableMappings()
            .OrderByDescending(m => m.IsSplitEntityTypePrincipal ?? true)
            .Select(m => new BulkPart(m.Table.Name, [.. m.ColumnMappings.Select(c => columns.Single(x => x.Property == c.Property.Name) with { Name = c.Column.Name })]))
            .ToArray();
        return new BulkTable(columns, parts);
    }
}

/// <summary>A column: its name, its EF type mapping, and how to read its provider value from an entity (<see cref="Index"/>: its place in the row's values).</summary>
internal sealed record BulkColumn(int Index, string Property, string Name, RelationalTypeMapping Mapping, Func<object, object?> Value);

/// <summary>One table of an entity type and the columns it takes.</summary>
internal sealed record BulkPart(string Name, BulkColumn[] Columns);

/// <summary>PostgreSQL: binary COPY, the fastest way in.</summary>
internal sealed class PostgresBinaryCopy(HandoffDb db) : IBulkInsert
{
    private readonly Dictionary<Type, (BulkPart Part, string Copy, Action<NpgsqlBinaryImporter, object>[] Writers)[]> _tables = [];

    public Task InsertAsync<T>(IReadOnlyCollection<T> rows, CancellationToken ct)
        where T : class =>
        CopyAsync(typeof(T), rows, static (column, row) => column.Value(row), ct);

    public Task InsertValuesAsync<T>(IReadOnlyCollection<object?[]> rows, CancellationToken ct)
        where T : class =>
        CopyAsync(typeof(T), rows, static (column, row) => row[column.Index], ct);

    private async Task CopyAsync<TRow>(Type type, IReadOnlyCollection<TRow> rows, Func<BulkColumn, TRow, object?> valueOf, CancellationToken ct)
        where TRow : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        if (!_tables.TryGetValue(type, out var parts))
        {
            parts = [.. BulkTable.Of(db.Model, type).Parts.Select(part =>
                (part, $"COPY {Quote(part.Name)} ({string.Join(", ", part.Columns.Select(c => Quote(c.Name)))}) FROM STDIN (FORMAT BINARY)", part.Columns.Select(Writer).ToArray()))];
            _tables[type] = parts;
        }

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Bulk insert runs inside the caller's transaction; begin one first.");
        }

        foreach (var (part, copy, writers) in parts)
        {
            var columns = part.Columns;
            await using var import = await connection.BeginBinaryImportAsync(copy, ct);
            // Values are written synchronously: the importer buffers them and only goes to the socket when its buffer is
            // full, and an await per value (sixty columns a lead) cost more than the rest of the copy on the client.
            foreach (var row in rows)
            {
                ct.ThrowIfCancellationRequested();
                import.StartRow();
                for (var i = 0; i < columns.Length; i++)
                {
                    var value = valueOf(columns[i], row);
                    if (value is null)
                    {
                        import.WriteNull();
                    }
                    else
                    {
                        writers[i](import, value);
                    }
                }
            }

            await import.CompleteAsync(ct);
        }
    }

    /// <summary>
    /// A typed write of the column's provider type to its store type (e.g. <c>uuid</c>, <c>character varying</c>):
    /// writing values as <see cref="object"/> makes Npgsql look up the converter for every value.
    /// </summary>
    private static Action<NpgsqlBinaryImporter, object> Writer(BulkColumn column)
    {
        var type = column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType;
        var typed = typeof(PostgresBinaryCopy).GetMethod(nameof(TypedWriter), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(Nullable.GetUnderlyingType(type) ?? type);
        return (Action<NpgsqlBinaryImporter, object>)typed.Invoke(null, [column.Mapping.StoreTypeNameBase])!;
    }

    private static Action<NpgsqlBinaryImporter, object> TypedWriter<T>(string dataType) =>
        (import, value) => import.Write((T)value, dataType);

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
    private readonly Dictionary<Type, (BulkPart Part, string Sql, Action<sqlite3_stmt, int, object>[] Binders)[]> _tables = [];

    public Task InsertAsync<T>(IReadOnlyCollection<T> rows, CancellationToken ct)
        where T : class =>
        Insert(typeof(T), rows, static (column, row) => column.Value(row), ct);

    public Task InsertValuesAsync<T>(IReadOnlyCollection<object?[]> rows, CancellationToken ct)
        where T : class =>
        Insert(typeof(T), rows, static (column, row) => row[column.Index], ct);

    private Task Insert<TRow>(Type type, IReadOnlyCollection<TRow> rows, Func<BulkColumn, TRow, object?> valueOf, CancellationToken ct)
        where TRow : class
    {
        if (rows.Count == 0)
        {
            return Task.CompletedTask;
        }

        if (!_tables.TryGetValue(type, out var parts))
        {
            parts = [.. BulkTable.Of(db.Model, type).Parts.Select(part =>
                (part, $"INSERT INTO \"{part.Name}\" ({string.Join(", ", part.Columns.Select(c => $"\"{c.Name}\""))}) VALUES ({string.Join(", ", part.Columns.Select(_ => "?"))})",
                    part.Columns.Select(c => SqliteBinding.Of(c.Mapping) ?? throw Unsupported(part.Name, c)).ToArray()))];
            _tables[type] = parts;
        }

        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Bulk insert runs inside the caller's transaction; begin one first.");
        }

        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle!;
        foreach (var (part, sql, binders) in parts)
        {
            SqliteBinding.Check(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
            using (statement)
            {
                var columns = part.Columns;
                foreach (var row in rows)
                {
                    ct.ThrowIfCancellationRequested();
                    for (var i = 0; i < columns.Length; i++)
                    {
                        var value = valueOf(columns[i], row);
                        if (value is null)
                        {
                            raw.sqlite3_bind_null(statement, i + 1);
                        }
                        else
                        {
                            binders[i](statement, i + 1, value);
                        }
                    }

                    var done = raw.sqlite3_step(statement);
                    if (done != raw.SQLITE_DONE)
                    {
                        var error = SqliteBinding.Error(handle, done);
                        raw.sqlite3_reset(statement);
                        throw error;
                    }

                    raw.sqlite3_reset(statement);
                }
            }
        }

        return Task.CompletedTask;
    }

    private static NotSupportedException Unsupported(string table, BulkColumn column) =>
        new($"Bulk insert into {table}.{column.Name} cannot bind {column.Mapping.Converter?.ProviderClrType.Name ?? column.Mapping.ClrType.Name} values yet; add the binding to SqliteBinding (as Microsoft.Data.Sqlite binds it) and its test.");
}
