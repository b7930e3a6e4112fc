using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
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
    private readonly Dictionary<IEntityType, Insert> _inserts = [];
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

    /// <summary>Inserts the entities <paramref name="db"/> tracks as added (principals before their dependents), then lets EF save the rest.</summary>
    public async Task SaveChangesAsync(HandoffDb db, CancellationToken ct)
    {
        // Entries() detects the changes first (once; see below).
        var added = new List<EntityEntry>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Added && Plan.Of(entry.Metadata) is { } plan && !plan.HasTemporaryValue(entry))
            {
                added.Add(entry);
            }
        }

        if (added.Count > 0)
        {
            // The statements run on the connection's transaction (the caller's); SQLite has one per connection.
            foreach (var entry in added.OrderBy(e => Plan.Of(e.Metadata)!.Rank))
            {
                InsertFor(entry.Metadata).Run(entry);
            }

            foreach (var entry in added)
            {
                entry.State = EntityState.Unchanged;
            }
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

    private Insert InsertFor(IEntityType type)
    {
        if (!_inserts.TryGetValue(type, out var insert))
        {
            insert = new Insert(Plan.Of(type)!, connection);
            _inserts[type] = insert;
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

    /// <summary>How one entity type is inserted: its SQL, its columns, and its place in the foreign-key order.</summary>
    private sealed class Plan
    {
        private static readonly ConcurrentDictionary<IEntityType, Plan?> Plans = new();

        private readonly IProperty[] _generated;

        private Plan(string sql, (IProperty Property, ValueConverter? Converter, Action<sqlite3_stmt, int, object> Bind)[] columns, int rank)
        {
            Sql = sql;
            Columns = columns;
            Rank = rank;
            _generated = columns.Select(c => c.Property).Where(p => p.ValueGenerated != ValueGenerated.Never).ToArray();
        }

        public string Sql { get; }

        public (IProperty Property, ValueConverter? Converter, Action<sqlite3_stmt, int, object> Bind)[] Columns { get; }

        /// <summary>Principals rank lower than their dependents, so foreign keys hold row by row.</summary>
        public int Rank { get; }

        /// <summary>The plan of a plain table-mapped type; null for anything EF must insert itself (owned, split or inherited types).</summary>
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

        private static Plan? Build(IEntityType type)
        {
            if (type.GetTableName() is not { } table || type.IsOwned() || type.BaseType is not null || type.GetDirectlyDerivedTypes().Any()
                || type.GetNavigations().Any(n => n.TargetEntityType.IsOwned()))
            {
                return null;
            }

            var store = StoreObjectIdentifier.Table(table, type.GetSchema());
            var columns = type.GetProperties()
                .Select(p => (Property: p, Column: p.GetColumnName(store), Mapping: (RelationalTypeMapping)p.GetRelationalTypeMapping()))
                .Select(c => (c.Property, c.Column, c.Mapping.Converter, Bind: SqliteBinding.Of(c.Mapping)))
                .ToList();
            if (columns.Any(c => c.Column is null || c.Bind is null || c.Property.GetComputedColumnSql(store) is not null))
            {
                return null;
            }

            var sql = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c.Column}\""))}) VALUES ({string.Join(", ", columns.Select(_ => "?"))})";
            return new Plan(sql, columns.Select(c => (c.Property, c.Converter, c.Bind!)).ToArray(), RankOf(type, []));
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

    /// <summary>A plan prepared on one connection: the statement is prepared once and stepped row after row, its values bound through SQLitePCL.</summary>
    private sealed class Insert : IDisposable
    {
        private readonly Plan _plan;
        private readonly sqlite3 _handle;
        private readonly sqlite3_stmt _statement;

        public Insert(Plan plan, SqliteConnection connection)
        {
            _plan = plan;
            _handle = connection.Handle!;
            SqliteBinding.Check(_handle, raw.sqlite3_prepare_v2(_handle, plan.Sql, out _statement));
        }

        public void Run(EntityEntry entry)
        {
            var values = entry.CurrentValues;
            var columns = _plan.Columns;
            for (var i = 0; i < columns.Length; i++)
            {
                var (property, converter, bind) = columns[i];
                var value = values[property];
                if (converter is not null && value is not null)
                {
                    value = converter.ConvertToProvider(value);
                }

                if (value is null)
                {
                    raw.sqlite3_bind_null(_statement, i + 1);
                }
                else
                {
                    bind(_statement, i + 1, value);
                }
            }

            var done = raw.sqlite3_step(_statement);
            raw.sqlite3_reset(_statement);
            if (done != raw.SQLITE_DONE)
            {
                // As EF reports it, so callers tell a unique conflict (a concurrent capture of the same person) from a fault.
                var error = SqliteBinding.Error(_handle, done);
                throw new DbUpdateException($"Inserting into {entry.Metadata.GetTableName()} failed: {error.Message}", error, [entry]);
            }
        }

        public void Dispose() => _statement.Dispose();
    }
}
