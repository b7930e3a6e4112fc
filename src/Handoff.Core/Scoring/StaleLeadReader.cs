using System.Buffers.Text;
using System.Data.Common;
using System.Linq.Expressions;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using Handoff.Accounts;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using SQLitePCL;

namespace Handoff.Scoring;

/// <summary>One chunk of the leads a rescore scores, with their fit already computed (fit needs no activities).</summary>
internal sealed class StaleLeads
{
    private Guid[] _ids = new Guid[64];
    private long[] _rowIds = new long[64];
    private int[] _fit = new int[64];
    private int[] _positions = new int[64];

    public int Count { get; private set; }
    public ReadOnlySpan<Guid> Ids => _ids.AsSpan(0, Count);

    /// <summary>SQLite's rowid of each lead's scores row (the write finds the row by it); 0 on PostgreSQL.</summary>
    public ReadOnlySpan<long> RowIds => _rowIds.AsSpan(0, Count);
    public ReadOnlySpan<int> Fit => _fit.AsSpan(0, Count);

    /// <summary>Each lead's place among all the stale leads (<see cref="StaleLeadKeys"/>).</summary>
    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, Count);

    public void Add(Guid id, long rowId, int fit, int position)
    {
        if (Count == _ids.Length)
        {
            Array.Resize(ref _ids, Count * 2);
            Array.Resize(ref _rowIds, Count * 2);
            Array.Resize(ref _fit, Count * 2);
            Array.Resize(ref _positions, Count * 2);
        }

        _ids[Count] = id;
        _rowIds[Count] = rowId;
        _positions[Count] = position;
        _fit[Count++] = fit;
    }
}

/// <summary>
/// Every lead a rescore scores, by id and place only (about 40 bytes a lead): in the rowid order of the scores table
/// on SQLite (so a chunk's writes touch neighbouring pages), in id order on PostgreSQL (a chunk is a range of the
/// primary key). Chunks are runs of these places; the lead rows themselves are read chunk by chunk.
/// </summary>
internal sealed class StaleLeadKeys
{
    internal StaleLeadKeys(Guid[] ids, long[] rowIds)
    {
        Ids = ids;
        RowIds = rowIds;
        Positions = new LeadPlaces(ids);
    }

    public int Count => Ids.Length;

    /// <summary>Lead id by place (<see cref="Guid.Empty"/> for a lead gone between the two index reads on SQLite).</summary>
    public Guid[] Ids { get; }

    /// <summary>SQLite: the scores row's rowid by place, ascending; empty on PostgreSQL.</summary>
    public long[] RowIds { get; }

    public LeadPlaces Positions { get; }

    private const string Scores = LeadScoreConfiguration.Table;

    /// <summary>The condition of a stale scores row, its version given as <paramref name="parameter"/> (ranges, so that SQLite uses the version index).</summary>
    internal static string Stale(string parameter) => $"(score_model_version IS NULL OR score_model_version < {parameter} OR score_model_version > {parameter})";

    /// <summary>
    /// SQLite. <paramref name="all"/> (many stale leads): two index-only passes over the scores table (the version index
    /// for the stale rowids, the primary key for their ids) instead of a pass over its rows; else the version index and the rows.
    /// <paramref name="leads"/>: about how many leads there are (the lists are made that large once).
    /// </summary>
    public static StaleLeadKeys ReadSqlite(string connectionString, int version, bool all, int leads, CancellationToken ct)
    {
        if (!all)
        {
            using var handle = ActivityScan.OpenReader(connectionString, 0);
            var rowIds = new List<long>();
            var ids = new List<Guid>();
            SqliteRow.Each(handle, $"SELECT rowid, id FROM {Scores} WHERE {Stale("?1")} ORDER BY rowid", s => raw.sqlite3_bind_int64(s, 1, version), row =>
            {
                rowIds.Add(row.Int64(0));
                ids.Add(Utf8Parser.TryParse(row.Bytes(1), out Guid id, out _) ? id : Guid.Empty);
            }, ct);
            return new StaleLeadKeys([.. ids], [.. rowIds]);
        }

        // The two passes run at once, each on a connection of its own; the ids are matched to the stale rowids after.
        var stale = Task.Run(() =>
        {
            using var handle = ActivityScan.OpenReader(connectionString, 0);
            var rowIds = new List<long>(leads + 1024);
            SqliteRow.Each(handle, $"SELECT rowid FROM {Scores} WHERE {Stale("?1")}", s => raw.sqlite3_bind_int64(s, 1, version), row => rowIds.Add(row.Int64(0)), ct);
            var sorted = rowIds.ToArray();
            Array.Sort(sorted);
            return sorted;
        }, ct);
        var everyRowId = new List<long>(leads + 1024);
        var everyId = new List<Guid>(leads + 1024);
        using (var handle = ActivityScan.OpenReader(connectionString, 0))
        {
            SqliteRow.Each(handle, $"SELECT id, rowid FROM {Scores}", bind: null, row =>
            {
                if (Utf8Parser.TryParse(row.Bytes(0), out Guid id, out _))
                {
                    everyId.Add(id);
                    everyRowId.Add(row.Int64(1));
                }
            }, ct);
        }

        var staleRowIds = stale.GetAwaiter().GetResult();
        var byPlace = new Guid[staleRowIds.Length];
        var placeOf = PlaceByRowId(staleRowIds);
        for (var i = 0; i < everyId.Count; i++)
        {
            if (placeOf(everyRowId[i]) is var place and >= 0)
            {
                byPlace[place] = everyId[i];
            }
        }

        return new StaleLeadKeys(byPlace, staleRowIds);
    }

    /// <summary>
    /// The place of a rowid among <paramref name="sorted"/> (-1 when absent): by a table indexed by rowid when the
    /// rowids are dense (as a table's are unless most rows were deleted), else by binary search.
    /// </summary>
    private static Func<long, int> PlaceByRowId(long[] sorted)
    {
        if (sorted.Length == 0 || sorted[^1] > 4L * sorted.Length + 1024)
        {
            return rowId => Array.BinarySearch(sorted, rowId) is var place and >= 0 ? place : -1;
        }

        var places = new int[sorted[^1] + 1];
        Array.Fill(places, -1);
        for (var place = 0; place < sorted.Length; place++)
        {
            places[sorted[place]] = place;
        }

        return rowId => rowId >= 0 && rowId < places.Length ? places[rowId] : -1;
    }

    /// <summary>PostgreSQL: the stale leads' ids in the primary key's order.</summary>
    public static async Task<StaleLeadKeys> ReadPostgresAsync(NpgsqlConnection connection, int version, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT id FROM {Scores} WHERE {Stale("@version")} ORDER BY id", connection)
        {
            CommandTimeout = (int)RescoreLeads.BulkTimeout.TotalSeconds,
        };
        command.Parameters.AddWithValue("version", version);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetGuid(0));
        }

        return new StaleLeadKeys([.. ids], []);
    }
}

/// <summary>
/// Lead id → place among the stale leads, for the millions of lookups of a pass over the activity table: an
/// open-addressing table of (id, place) slots, so a lookup is usually one cache miss (a <see cref="Dictionary{TKey, TValue}"/>
/// of a million leads takes two or three: bucket, entry, chain). Read-only once built, so threads share it.
/// </summary>
internal sealed class LeadPlaces
{
    private readonly Slot[] _slots;
    private readonly int _shift;

    public LeadPlaces(ReadOnlySpan<Guid> ids)
    {
        var size = BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, ids.Length + (ids.Length / 2)));
        _slots = new Slot[size];
        _shift = 32 - BitOperations.Log2(size);
        for (var place = 0; place < ids.Length; place++)
        {
            if (ids[place] == Guid.Empty)
            {
                continue;
            }

            var i = Home(ids[place]);
            while (_slots[i].Place != 0 && _slots[i].Id != ids[place])
            {
                i = (i + 1) & (_slots.Length - 1);
            }

            if (_slots[i].Place == 0)
            {
                _slots[i] = new Slot(ids[place], place + 1);
            }
        }
    }

    public bool TryGetValue(Guid id, out int place)
    {
        var slots = _slots;
        var i = Home(id);
        while (true)
        {
            ref readonly var slot = ref slots[i];
            if (slot.Place == 0)
            {
                place = -1;
                return false;
            }

            if (slot.Id == id)
            {
                place = slot.Place - 1;
                return true;
            }

            i = (i + 1) & (slots.Length - 1);
        }
    }

    /// <summary>Fibonacci hashing of the id's own hash: the top bits of the product pick the slot.</summary>
    private int Home(Guid id) => (int)(((uint)id.GetHashCode() * 2654435769u) >> _shift);

    /// <summary>Place is stored plus one: 0 marks an empty slot.</summary>
    private readonly record struct Slot(Guid Id, int Place);
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
    private readonly bool _leadColumnsOnly;

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
        var leads = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        _select = string.Join("", _columns.Select(c => c.Property.GetColumnName(leads) is { } column ? ", l." + Quote(column) : ", s." + Quote(c.Property.GetColumnName())));
        _leadColumnsOnly = _columns.All(c => c.Property.GetColumnName(leads) is not null);
    }

    private Dictionary<Guid, Account> _accountsById = [];

    /// <summary>Whether the columns can all be read through SQLitePCL (<see cref="ReadSqlite"/>); else <see cref="ReadAsync"/>.</summary>
    public bool ReadsRaw => _columns.All(c => c.ReadsRaw);

    /// <summary>Whether <see cref="FitAllSqlite"/> can compute the fit: every column read through SQLitePCL, none of them a score's.</summary>
    public bool FitsInOnePass => ReadsRaw && _leadColumnsOnly;

    /// <summary>
    /// SQLite, many stale leads: the fit of every lead of <paramref name="keys"/> into <paramref name="fits"/>, in one
    /// pass over the lead table in storage order, on a connection of its own. Fit needs no activities, so this runs
    /// while the chunks are written, each chunk scored as soon as all its leads have their fit: a chunk's join of
    /// scores rows to their leads looked up every lead by its key, which cost more than reading the table in order.
    /// </summary>
    public void FitAllSqlite(string connectionString, StaleLeadKeys keys, StaleFits fits, CancellationToken ct)
    {
        using var handle = ActivityScan.OpenReader(connectionString, 0);
        var lead = (Lead)RuntimeHelpers.GetUninitializedObject(typeof(Lead));
        SqliteRow.Each(handle, $"SELECT l.id{_select} FROM leads AS l", bind: null, row =>
        {
            // A lead not among the keys is not stale, or came after the rescore started.
            if (Utf8Parser.TryParse(row.Bytes(0), out Guid id, out _) && keys.Positions.TryGetValue(id, out var place))
            {
                fits.Set(place, FitOf(row, firstColumn: 1, lead));
            }
        }, ct);
    }

    /// <summary>The fit of the lead in <paramref name="row"/>, whose columns from <paramref name="firstColumn"/> on are <see cref="_columns"/>, read into <paramref name="lead"/> (reused).</summary>
    private int FitOf(SqliteRow row, int firstColumn, Lead lead)
    {
        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i].Set(lead, _columns[i].ReadRaw(row, firstColumn + i));
        }

        var account = _accounts && lead.AccountId is { } a ? _accountsById.GetValueOrDefault(a) : null;
        return ScoreEngine.FitOf(_rules, new LeadFacts(lead, account));
    }

    /// <summary>Loads the accounts once when a fit rule tests account fields.</summary>
    public async Task LoadAccountsAsync(HandoffDb db, CancellationToken ct)
    {
        if (_accounts)
        {
            _accountsById = await db.Accounts.AsNoTracking().ToDictionaryAsync(a => a.Id, ct);
        }
    }

    private static string Stale(int version) =>
        "(s.score_model_version IS NULL OR s.score_model_version <> " + version.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";

    /// <summary>
    /// SQLite: a range of the scores table's rowids, each row's lead found by its key. The CROSS JOIN keeps that order
    /// (SQLite never reorders it), and NOT INDEXED the range scan (not the version index).
    /// </summary>
    private string SqliteChunk(int version, string first, string last) =>
        $"SELECT s.rowid, s.id{_select} FROM {LeadScoreConfiguration.Table} AS s NOT INDEXED CROSS JOIN leads AS l ON l.id = s.id " +
        $"WHERE s.rowid >= {first} AND s.rowid <= {last} AND {Stale(version)}";

    /// <summary>
    /// Chunk [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="keys"/>, still stale, with a plain
    /// data reader on <paramref name="connection"/> (a connection of the caller's, not the context's).
    /// </summary>
    public async Task<StaleLeads> ReadAsync(DbConnection connection, bool sqlite, int version, StaleLeadKeys keys, int from, int to, CancellationToken ct)
    {
        var lead = (Lead)RuntimeHelpers.GetUninitializedObject(typeof(Lead));
        var result = new StaleLeads();
        await using var command = connection.CreateCommand();
        command.CommandTimeout = (int)RescoreLeads.BulkTimeout.TotalSeconds;
        command.CommandText = sqlite
            ? SqliteChunk(version, "@first", "@last")
            : $"SELECT 0::bigint, l.id{_select} FROM leads AS l JOIN {LeadScoreConfiguration.Table} AS s ON s.id = l.id " +
                $"WHERE l.id >= @first AND l.id <= @last AND s.id >= @first AND s.id <= @last AND {Stale(version)} ORDER BY l.id";
        AddParameter(command, "first", sqlite ? keys.RowIds[from] : keys.Ids[from]);
        AddParameter(command, "last", sqlite ? keys.RowIds[to - 1] : keys.Ids[to - 1]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var accountId = Array.FindIndex(_columns, c => c.Property.Name == nameof(Lead.AccountId));
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(1);
            var rowId = reader.GetInt64(0);
            if (!keys.Positions.TryGetValue(id, out var place) || place < from || place >= to || (sqlite && keys.RowIds[place] != rowId))
            {
                continue; // came after the rescore started (not in its keys): the next one scores it
            }

            for (var i = 0; i < _columns.Length; i++)
            {
                _columns[i].Set(lead, _columns[i].Read(reader, i + 2));
            }

            var account = accountId >= 0 && lead.AccountId is { } a ? _accountsById.GetValueOrDefault(a) : null;
            result.Add(id, rowId, ScoreEngine.FitOf(_rules, new LeadFacts(lead, account)), place);
        }

        return result;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// SQLite: the same read through SQLitePCL on <paramref name="handle"/> (a reader of the caller's; a million rows
    /// through the ADO.NET reader cost several times SQLite's own work). Only when <see cref="ReadsRaw"/>.
    /// </summary>
    public StaleLeads ReadSqlite(sqlite3 handle, int version, StaleLeadKeys keys, int from, int to, CancellationToken ct)
    {
        var lead = (Lead)RuntimeHelpers.GetUninitializedObject(typeof(Lead));
        var result = new StaleLeads();
        SqliteRow.Each(handle, SqliteChunk(version, "?1", "?2"), s =>
        {
            raw.sqlite3_bind_int64(s, 1, keys.RowIds[from]);
            raw.sqlite3_bind_int64(s, 2, keys.RowIds[to - 1]);
        }, row =>
        {
            // A lead not among this chunk's keys came after the rescore started: the next one scores it.
            var rowId = row.Int64(0);
            if (Utf8Parser.TryParse(row.Bytes(1), out Guid id, out _)
                && keys.Positions.TryGetValue(id, out var place) && place >= from && place < to && keys.RowIds[place] == rowId)
            {
                result.Add(id, rowId, FitOf(row, firstColumn: 2, lead), place);
            }
        }, ct);
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
            "isfreemail" => ([nameof(Lead.IsFreeMail), nameof(Lead.Email)], false), // a lead without an email is neither
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
        private readonly Func<SqliteRow, int, object>? _raw;
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
                _ when provider == typeof(string) => (s, i) => Encoding.UTF8.GetString(s.Bytes(i)),
                _ when provider == typeof(bool) => (s, i) => s.Int64(i) != 0,
                _ when provider == typeof(int) => (s, i) => (int)s.Int64(i),
                _ when provider == typeof(long) => (s, i) => s.Int64(i),
                _ when provider == typeof(double) => (s, i) => s.Double(i),
                _ when provider == typeof(Guid) => (s, i) => s.Bytes(i) is var bytes && Utf8Parser.TryParse(bytes, out Guid g, out _) ? g : Guid.Parse(Encoding.UTF8.GetString(bytes)),
                _ when provider == typeof(DateTime) => (s, i) => DateTime.SpecifyKind(ActivityScan.SqliteTime(s.Bytes(i)), DateTimeKind.Unspecified),
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
        public object? ReadRaw(SqliteRow row, int ordinal)
        {
            if (row.IsNull(ordinal))
            {
                return null;
            }

            var value = _raw!(row, ordinal);
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

/// <summary>
/// The fits <see cref="StaleLeadReader.FitAllSqlite"/> computes, by place among the stale leads, and for each chunk a
/// signal that all its leads have theirs. The pass reads the lead table in its own order, which is about the order of
/// the scores table the chunks follow (a lead's two rows are inserted together), so the first chunks are ready soon.
/// </summary>
internal sealed class StaleFits
{
    private const int NotFound = int.MinValue;
    private readonly int[] _fits;
    private readonly int[] _remaining;
    private readonly TaskCompletionSource[] _ready;
    private readonly int _chunkSize;

    public StaleFits(StaleLeadKeys keys, int chunkSize)
    {
        _chunkSize = chunkSize;
        _fits = new int[keys.Count];
        Array.Fill(_fits, NotFound);
        var chunks = (keys.Count + chunkSize - 1) / chunkSize;
        _remaining = new int[chunks];
        _ready = [.. Enumerable.Range(0, chunks).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
        for (var place = 0; place < keys.Count; place++)
        {
            if (keys.Ids[place] != Guid.Empty)
            {
                _remaining[place / chunkSize]++;
            }
        }

        for (var chunk = 0; chunk < chunks; chunk++)
        {
            if (_remaining[chunk] == 0)
            {
                _ready[chunk].TrySetResult();
            }
        }
    }

    public void Set(int place, int fit)
    {
        _fits[place] = fit;
        var chunk = place / _chunkSize;
        if (Interlocked.Decrement(ref _remaining[chunk]) == 0)
        {
            _ready[chunk].TrySetResult();
        }
    }

    /// <summary>The pass is over: every chunk is ready (a lead it did not find, deleted since the keys were read, is left out), or the pass failed.</summary>
    public void Complete(Exception? error)
    {
        foreach (var ready in _ready)
        {
            _ = error is null ? ready.TrySetResult() : ready.TrySetException(error);
        }
    }

    /// <summary>Chunk <paramref name="chunk"/> of <paramref name="keys"/>, once all its leads have their fit.</summary>
    public async Task<StaleLeads> ChunkAsync(StaleLeadKeys keys, int chunk, CancellationToken ct)
    {
        await _ready[chunk].Task.WaitAsync(ct);
        var result = new StaleLeads();
        for (var place = chunk * _chunkSize; place < Math.Min(keys.Count, (chunk + 1) * _chunkSize); place++)
        {
            if (keys.Ids[place] != Guid.Empty && _fits[place] != NotFound)
            {
                result.Add(keys.Ids[place], keys.RowIds[place], _fits[place], place);
            }
        }

        return result;
    }
}
