using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using SQLitePCL;

namespace Handoff.Data;

/// <summary>
/// The SQLite capture writer's statements, prepared once on its own connection and kept for the connection's life.
/// <list type="bullet">
/// <item>SaveChanges: the entities the context tracks as added are inserted with one prepared <c>INSERT</c> per table,
/// built once from the EF model (table, columns and value converters as EF maps them) with the values bound through
/// SQLitePCL (<see cref="SqliteBinding"/>); whatever else changed (updates, deletes) is then saved by EF as usual. EF's
/// SaveChanges rebuilds the SQL text, its parameters and its command graph on every call; a capture inserts eight to
/// ten rows into as many tables, and that rebuilding was a third of the writer's time.</item>
/// <item><see cref="Statement"/>: any other statement (the capture's look-ups), prepared on first use.</item>
/// </list>
/// Each runs inside the connection's current transaction. SQLite only (DESIGN.md section 3: hot paths may use
/// provider-specific SQL).
/// </summary>
internal sealed class PreparedStatements(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<Plan, Insert> _inserts = [];
    private readonly Dictionary<string, SqliteStatement> _statements = [];

    /// <summary>
    /// <paramref name="sql"/> prepared on the connection once and kept: EF prepares each query's statement again on every
    /// run (a new command each time), which for the capture's lookups cost more than running them.
    /// </summary>
    public SqliteStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(connection, sql);
            _statements[sql] = statement;
        }

        return statement;
    }

    /// <summary>
    /// Whether <paramref name="entity"/> can be inserted without EF tracking it (<see cref="HandoffDb.Insert"/>): its type
    /// has a plan, every column is a CLR property, and no key or value waits for EF or the database to generate it.
    /// </summary>
    public static bool CanInsertUntracked(IModel model, object entity) =>
        model.FindEntityType(entity.GetType()) is { } type && Plan.Of(type) is { Untracked: true } plan && !plan.WaitsForGeneratedValue(entity);

    /// <summary>
    /// Inserts the rows <paramref name="db"/> holds untracked (<see cref="HandoffDb.Untracked"/>) and the entities it
    /// tracks as added, principals before their dependents, then lets EF save the rest.
    /// </summary>
    public async Task SaveChangesAsync(HandoffDb db, CancellationToken ct)
    {
        // Entries() detects the changes first (once; see below).
        var rows = new List<(object Entity, EntityEntry? Entry, Plan Plan)>();
        if (db.Untracked is { Count: > 0 } untracked)
        {
            foreach (var entity in untracked)
            {
                rows.Add((entity, null, Plan.Of(db.Model.FindEntityType(entity.GetType())!)!));
            }

            untracked.Clear();
        }

        var added = new List<EntityEntry>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Added && Plan.Of(entry.Metadata) is { } plan && !plan.HasTemporaryValue(entry))
            {
                rows.Add((entry.Entity, entry, plan));
                added.Add(entry);
            }
        }

        // The statements run on the connection's transaction (the caller's); SQLite has one per connection. The sort is
        // stable: rows of one rank go in the order they were added.
        foreach (var (entity, entry, plan) in rows.OrderBy(r => r.Plan.Rank))
        {
            InsertFor(plan).Run(entity, entry);
        }

        foreach (var entry in added)
        {
            entry.State = EntityState.Unchanged;
        }

        // Changes were detected once above; EF would otherwise scan every tracked entity again, twice.
        var tracker = db.ChangeTracker;
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            if (tracker.HasChanges())
            {
                await db.SaveChangesAsync(acceptAllChangesOnSuccess: true, ct);
            }
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
    }

    private Insert InsertFor(Plan plan)
    {
        if (!_inserts.TryGetValue(plan, out var insert))
        {
            insert = new Insert(plan, connection);
            _inserts[plan] = insert;
        }

        return insert;
    }

    public void Dispose()
    {
        foreach (var insert in _inserts.Values)
        {
            insert.Dispose();
        }

        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
    }

    /// <summary>
    /// How one entity type is inserted: per table it maps to (one, or more for a type split over tables, like the lead and
    /// its scores), the SQL and its columns; and its place in the foreign-key order.
    /// </summary>
    private sealed class Plan
    {
        private static readonly ConcurrentDictionary<IEntityType, Plan?> Plans = new();

        private readonly IProperty[] _generated;

        private Plan(TableInsert[] tables, int rank)
        {
            Tables = tables;
            Rank = rank;
            _generated = tables.SelectMany(t => t.Columns).Select(c => c.Property).Where(p => p.ValueGenerated != ValueGenerated.Never).Distinct().ToArray();
            Untracked = tables.All(t => t.Columns.All(c => c.Getter is not null));
        }

        /// <summary>Every column is read from a CLR property, so a row can be inserted without EF's entry.</summary>
        public bool Untracked { get; }

        /// <summary>The tables in insert order: the main one first, as the others' rows refer to its row.</summary>
        public TableInsert[] Tables { get; }

        /// <summary>Principals rank lower than their dependents, so foreign keys hold row by row.</summary>
        public int Rank { get; }

        /// <summary>The plan of a table-mapped type without hierarchy or owned types; null for anything EF must insert itself.</summary>
        public static Plan? Of(IEntityType type) => Plans.GetOrAdd(type, Build);

        /// <summary>A value the database would generate (an identity key, say) is EF's to insert and read back.</summary>
        public bool HasTemporaryValue(EntityEntry entry)
        {
            foreach (var property in _generated)
            {
                if (entry.Property(property).IsTemporary)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A generated value (a key, say) still at its CLR default: EF would generate it on <c>Add</c>.</summary>
        public bool WaitsForGeneratedValue(object entity)
        {
            foreach (var property in _generated)
            {
                if (property.GetGetter().HasSentinelValueUsingContainingEntity(entity))
                {
                    return true;
                }
            }

            return false;
        }

        private static Plan? Build(IEntityType type)
        {
            if (type.GetTableName() is null || type.IsOwned() || type.BaseType is not null || type.GetDirectlyDerivedTypes().Any()
                || type.GetNavigations().Any(n => n.TargetEntityType.IsOwned()))
            {
                return null;
            }

            var tables = new List<TableInsert>();
            foreach (var mapping in type.GetTableMappings().OrderByDescending(m => m.IsSplitEntityTypePrincipal ?? true))
            {
                var columns = mapping.ColumnMappings
                    .Select(c => (c.Property, c.Column.Name, Mapping: c.TypeMapping, Bind: SqliteBinding.Of(c.TypeMapping)))
                    .ToList();
                if (columns.Any(c => c.Bind is null || c.Property.GetComputedColumnSql() is not null))
                {
                    return null;
                }

                var table = mapping.Table.Name;
                var sql = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) VALUES ({string.Join(", ", columns.Select(_ => "?"))})";
                tables.Add(new TableInsert(table, sql, [.. columns.Select(c => new Column(c.Property, c.Property.IsShadowProperty() ? null : c.Property.GetGetter(), c.Mapping.Converter, c.Bind!))]));
            }

            return tables.Count == 0 ? null : new Plan([.. tables], RankOf(type, []));
        }

        private static int RankOf(IEntityType type, HashSet<IEntityType> visiting)
        {
            if (!visiting.Add(type))
            {
                return 0;
            }

            var rank = type.GetForeignKeys()
                .Select(fk => fk.PrincipalEntityType)
                .Where(principal => principal != type)
                .Select(principal => RankOf(principal, visiting) + 1)
                .DefaultIfEmpty(0)
                .Max();
            visiting.Remove(type);
            return rank;
        }
    }

    /// <summary>One table's <c>INSERT</c> of an entity type, and the properties bound to its columns.</summary>
    private sealed record TableInsert(string Table, string Sql, Column[] Columns);

    /// <summary>A column's property, how its value is read (from the CLR object; null for a shadow property, which only EF's entry holds), converted and bound.</summary>
    private sealed record Column(IProperty Property, IClrPropertyGetter? Getter, ValueConverter? Converter, Action<sqlite3_stmt, int, object> Bind);

    /// <summary>A plan prepared on one connection: its statements are prepared once and stepped row after row, their values bound through SQLitePCL.</summary>
    private sealed class Insert : IDisposable
    {
        private readonly sqlite3 _handle;
        private readonly (TableInsert Table, sqlite3_stmt Statement)[] _statements;

        public Insert(Plan plan, SqliteConnection connection)
        {
            _handle = connection.Handle!;
            _statements = new (TableInsert, sqlite3_stmt)[plan.Tables.Length];
            for (var i = 0; i < plan.Tables.Length; i++)
            {
                SqliteBinding.Check(_handle, raw.sqlite3_prepare_v2(_handle, plan.Tables[i].Sql, out var statement));
                _statements[i] = (plan.Tables[i], statement);
            }
        }

        /// <summary>Inserts <paramref name="entity"/>; its <paramref name="entry"/> when EF tracks it (a shadow property's value is there only).</summary>
        public void Run(object entity, EntityEntry? entry)
        {
            foreach (var (table, statement) in _statements)
            {
                var columns = table.Columns;
                for (var i = 0; i < columns.Length; i++)
                {
                    var column = columns[i];
                    var value = column.Getter is { } getter ? getter.GetClrValueUsingContainingEntity(entity) : entry!.CurrentValues[column.Property];
                    if (column.Converter is { } converter && value is not null)
                    {
                        value = converter.ConvertToProvider(value);
                    }

                    if (value is null)
                    {
                        raw.sqlite3_bind_null(statement, i + 1);
                    }
                    else
                    {
                        column.Bind(statement, i + 1, value);
                    }
                }

                var done = raw.sqlite3_step(statement);
                raw.sqlite3_reset(statement);
                if (done != raw.SQLITE_DONE)
                {
                    // As EF reports it, so callers tell a unique conflict (a concurrent capture of the same person) from a fault.
                    var error = SqliteBinding.Error(_handle, done);
                    throw entry is null
                        ? new DbUpdateException($"Inserting into {table.Table} failed: {error.Message}", error)
                        : new DbUpdateException($"Inserting into {table.Table} failed: {error.Message}", error, [entry]);
                }
            }
        }

        public void Dispose()
        {
            foreach (var (_, statement) in _statements)
            {
                statement.Dispose();
            }
        }
    }
}
