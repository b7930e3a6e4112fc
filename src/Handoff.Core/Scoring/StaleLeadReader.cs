using System.Buffers.Text;
using System.Data.Common;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Metadata;
using SQLitePCL;

namespace Handoff.Scoring;

/// <summary>The leads a rescore scores, with their fit already computed (fit needs no activities).</summary>
internal sealed class StaleLeads
{
    private Guid[] _ids = new Guid[1024];
    private long[] _rowIds = new long[1024];
    private int[] _fit = new int[1024];

    public int Count { get; private set; }
    public ReadOnlySpan<Guid> Ids => _ids.AsSpan(0, Count);

    /// <summary>SQLite's rowid of each lead (the write finds the row by it); 0 on PostgreSQL.</summary>
    public ReadOnlySpan<long> RowIds => _rowIds.AsSpan(0, Count);
    public ReadOnlySpan<int> Fit => _fit.AsSpan(0, Count);

    public void Add(Guid id, long rowId, int fit)
    {
        if (Count == _ids.Length)
        {
            Array.Resize(ref _ids, Count * 2);
            Array.Resize(ref _rowIds, Count * 2);
            Array.Resize(ref _fit, Count * 2);
        }

        _ids[Count] = id;
        _rowIds[Count] = rowId;
        _fit[Count++] = fit;
    }
}

/// <summary>
/// Reads the leads whose scores are not from a model version with a plain data reader and only the columns the fit
/// rules test, into one reused <see cref="Lead"/> (no entity, no change tracking per row), and computes their fit.
/// Values go through EF Core's own converters of the mapped properties, so they read exactly as EF reads them.
/// </summary>
internal sealed class StaleLeadReader
{
    private readonly ScoringRules _rules;
    private readonly Column[] _columns;
    private readonly bool _accounts;
    private readonly string _select;

    public StaleLeadReader(HandoffDb db, ScoringRules rules)
    {
        _rules = rules;
        var entity = db.Model.FindEntityType(typeof(Lead))!;
        var properties = new HashSet<IProperty>();
        foreach (var field in rules.FitFields)
        {
            var (names, account) = PropertiesOf(field);
            _accounts |= account;
            var found = names.Select(n => entity.FindProperty(n)).ToList();
            if (found.Any(p => p is null))
            {
                // A field this reader does not know: read every column (slower, never wrong).
                properties.UnionWith(entity.GetProperties());
                _accounts = true;
                break;
            }

            properties.UnionWith(found!);
        }

        if (_accounts)
        {
            properties.Add(entity.FindProperty(nameof(Lead.AccountId))!);
        }

        properties.RemoveWhere(p => p.Name == nameof(Lead.Id));
        _columns = [.. properties.Select(p => new Column(p))];
        _select = string.Join("", _columns.Select(c => ", " + Quote(c.Property.GetColumnName())));
    }

    /// <summary>Reads the stale leads on <paramref name="connection"/>: every one in table order (<paramref name="scan"/>), else by the version index.</summary>
    public async Task<StaleLeads> ReadAsync(HandoffDb db, DbConnection connection, int version, bool scan, CancellationToken ct)
    {
        var accounts = _accounts
            ? await db.Accounts.AsNoTracking().ToDictionaryAsync(a => a.Id, ct)
            : [];
        var sqlite = db.Database.IsSqlite();
        var lead = (Lead)RuntimeHelpers.GetUninitializedObject(typeof(Lead));
        var result = new StaleLeads();
        await using var command = connection.CreateCommand();
        command.CommandTimeout = (int)RescoreLeads.BulkTimeout.TotalSeconds;
        var stale = "(score_model_version IS NULL OR score_model_version <> " + version.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        command.CommandText = sqlite
            ? scan
                ? $"SELECT rowid, id{_select} FROM leads NOT INDEXED WHERE {stale}"
                : $"SELECT rowid, id{_select} FROM leads WHERE {stale} ORDER BY rowid"
            : $"SELECT 0::bigint, id{_select} FROM leads WHERE {stale} ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var accountId = Array.FindIndex(_columns, c => c.Property.Name == nameof(Lead.AccountId));
        while (await reader.ReadAsync(ct))
        {
            for (var i = 0; i < _columns.Length; i++)
            {
                _columns[i].Set(lead, _columns[i].Read(reader, i + 2));
            }

            var account = accountId >= 0 && lead.AccountId is { } a ? accounts.GetValueOrDefault(a) : null;
            result.Add(reader.GetGuid(1), reader.GetInt64(0), ScoreEngine.FitOf(_rules, new LeadFacts(lead, account)));
        }

        return result;
    }

    /// <summary>
    /// SQLite: the same read through SQLitePCL on a connection of its own (a million rows through the ADO.NET reader
    /// cost several times SQLite's own work); columns of a type it cannot read fall back to <see cref="ReadAsync"/>.
    /// </summary>
    public async Task<StaleLeads> ReadSqliteAsync(HandoffDb db, string connectionString, int version, bool scan, CancellationToken ct)
    {
        if (_columns.Any(c => !c.ReadsRaw))
        {
            return await ReadAsync(db, db.Database.GetDbConnection(), version, scan, ct);
        }

        var accounts = _accounts
            ? await db.Accounts.AsNoTracking().ToDictionaryAsync(a => a.Id, ct)
            : [];
        var lead = (Lead)RuntimeHelpers.GetUninitializedObject(typeof(Lead));
        var result = new StaleLeads();
        var accountId = Array.FindIndex(_columns, c => c.Property.Name == nameof(Lead.AccountId));
        var stale = "(score_model_version IS NULL OR score_model_version <> " + version.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        var sql = scan
            ? $"SELECT rowid, id{_select} FROM leads NOT INDEXED WHERE {stale}"
            : $"SELECT rowid, id{_select} FROM leads WHERE {stale} ORDER BY rowid";
        using var handle = ActivityScan.OpenReader(connectionString);
        if (raw.sqlite3_prepare_v2(handle, sql, out var statement) != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), raw.sqlite3_errcode(handle));
        }

        using (statement)
        {
            int step;
            while ((step = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if ((result.Count & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                for (var i = 0; i < _columns.Length; i++)
                {
                    _columns[i].Set(lead, _columns[i].ReadRaw(statement, i + 2));
                }

                if (!Utf8Parser.TryParse(raw.sqlite3_column_blob(statement, 1), out Guid id, out _))
                {
                    continue;
                }

                var account = accountId >= 0 && lead.AccountId is { } a ? accounts.GetValueOrDefault(a) : null;
                result.Add(id, raw.sqlite3_column_int64(statement, 0), ScoreEngine.FitOf(_rules, new LeadFacts(lead, account)));
            }

            if (step != raw.SQLITE_DONE)
            {
                throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), step);
            }
        }

        return result;
    }

    /// <summary>The lead properties a condition field reads, and whether it reads the account.</summary>
    private static (string[] Properties, bool Account) PropertiesOf(string field)
    {
        if (field.StartsWith("custom.", StringComparison.OrdinalIgnoreCase))
        {
            return ([nameof(Lead.CustomFields)], false);
        }

        return field.ToLowerInvariant() switch
        {
            "productline" => ([nameof(Lead.CustomFields)], false),
            "form" => ([nameof(Lead.FormKey)], false),
            "hasaccount" => ([nameof(Lead.AccountId)], false),
            "industry" => ([nameof(Lead.Industry)], true),
            "employeecount" => ([nameof(Lead.EmployeeCount)], true),
            _ when field.StartsWith("account.", StringComparison.OrdinalIgnoreCase) => ([], true),
            _ => ([char.ToUpperInvariant(field[0]) + field[1..]], false),
        };
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>One mapped column: how its provider value is read and converted, and how it is set on the lead.</summary>
    private sealed class Column
    {
        private static readonly System.Reflection.MethodInfo GetFieldValue = typeof(DbDataReader).GetMethod(nameof(DbDataReader.GetFieldValue))!;
        private readonly Func<DbDataReader, int, object> _read;
        private readonly Func<sqlite3_stmt, int, object>? _raw;
        private readonly Func<object?, object?>? _convert;
        private readonly Action<Lead, object?> _set;

        public Column(IProperty property)
        {
            Property = property;
            var converter = property.GetTypeMapping().Converter;
            _convert = converter?.ConvertFromProvider;
            var provider = converter?.ProviderClrType ?? property.ClrType;
            provider = Nullable.GetUnderlyingType(provider) ?? provider;
            _raw = provider switch
            {
                _ when provider == typeof(string) => (s, i) => raw.sqlite3_column_text(s, i).utf8_to_string(),
                _ when provider == typeof(bool) => (s, i) => raw.sqlite3_column_int64(s, i) != 0,
                _ when provider == typeof(int) => (s, i) => (int)raw.sqlite3_column_int64(s, i),
                _ when provider == typeof(long) => (s, i) => raw.sqlite3_column_int64(s, i),
                _ when provider == typeof(double) => (s, i) => raw.sqlite3_column_double(s, i),
                _ when provider == typeof(Guid) => (s, i) => Utf8Parser.TryParse(raw.sqlite3_column_blob(s, i), out Guid g, out _) ? g : Guid.Parse(raw.sqlite3_column_text(s, i).utf8_to_string()),
                _ when provider == typeof(DateTime) => (s, i) => DateTime.SpecifyKind(ActivityScan.SqliteTime(raw.sqlite3_column_blob(s, i)), DateTimeKind.Unspecified),
                _ => null,
            };
            var reader = Expression.Parameter(typeof(DbDataReader));
            var ordinal = Expression.Parameter(typeof(int));
            _read = Expression.Lambda<Func<DbDataReader, int, object>>(
                Expression.Convert(Expression.Call(reader, GetFieldValue.MakeGenericMethod(provider), ordinal), typeof(object)), reader, ordinal).Compile();
            var lead = Expression.Parameter(typeof(Lead));
            var value = Expression.Parameter(typeof(object));
            Expression target = property.FieldInfo is { } field ? Expression.Field(lead, field) : Expression.Property(lead, property.PropertyInfo!);
            _set = Expression.Lambda<Action<Lead, object?>>(Expression.Assign(target, Expression.Convert(value, target.Type)), lead, value).Compile();
        }

        public IProperty Property { get; }

        /// <summary>Whether <see cref="ReadRaw"/> can read the column's provider type.</summary>
        public bool ReadsRaw => _raw is not null;

        /// <summary>Reads the column from a SQLite row as Microsoft.Data.Sqlite would, then converts it as EF Core does.</summary>
        public object? ReadRaw(sqlite3_stmt statement, int ordinal)
        {
            if (raw.sqlite3_column_type(statement, ordinal) == raw.SQLITE_NULL)
            {
                return null;
            }

            var value = _raw!(statement, ordinal);
            return _convert is null ? value : _convert(value);
        }

        public object? Read(DbDataReader reader, int ordinal)
        {
            if (reader.IsDBNull(ordinal))
            {
                return null;
            }

            var value = _read(reader, ordinal);
            return _convert is null ? value : _convert(value);
        }

        public void Set(Lead lead, object? value) => _set(lead, value);
    }
}
