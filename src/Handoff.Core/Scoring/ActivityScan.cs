using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Handoff.Activities;
using Microsoft.Data.Sqlite;
using Npgsql;
using SQLitePCL;

namespace Handoff.Scoring;

/// <summary>
/// Which rules an activity can match: decided once per distinct (type, URL) pair, not once per activity and rule
/// (properties are checked per activity). Shared by the threads that read activities; each keeps a
/// <see cref="MatchCache"/> in front of it.
/// </summary>
internal sealed class MatchSets
{
    private readonly ScoringRules _rules;
    private readonly bool[] _typeCanMatch;
    private readonly Dictionary<(int Type, string? Url), int> _sets = [];
    private readonly List<CompiledEngagementRule[]> _list = [];

    public MatchSets(ScoringRules rules)
    {
        _rules = rules;
        UsesUrl = rules.Engagement.Any(r => r.UsesUrl);
        UsesProperties = rules.Engagement.Any(r => r.UsesProperties);
        _typeCanMatch = new bool[Enum.GetValues<ActivityType>().Length];
        foreach (var type in Enum.GetValues<ActivityType>())
        {
            _typeCanMatch[(int)type] = rules.Engagement.Any(r => r.Types is null || r.Types[(int)type]);
        }
    }

    public bool UsesUrl { get; }
    public bool UsesProperties { get; }

    /// <summary>Types no rule matches are not worth reading further.</summary>
    public bool TypeCanMatch(int type) => type >= 0 && type < _typeCanMatch.Length && _typeCanMatch[type];

    /// <summary>The match set of a type and URL, or -1 when no rule matches them.</summary>
    public int Resolve(int type, string? url)
    {
        lock (_sets)
        {
            if (!_sets.TryGetValue((type, url), out var set))
            {
                var rules = _rules.Engagement.Where(r => (r.Types is null || r.Types[type]) && (r.Url is null || (url is not null && r.Url.IsMatch(url)))).ToArray();
                set = rules.Length == 0 ? -1 : _list.Count;
                if (set >= 0)
                {
                    _list.Add(rules);
                }

                _sets[(type, url)] = set;
            }

            return set;
        }
    }

    /// <summary>The rules of each match set so far, in the model's order (what <see cref="ScoreEngine.Apply"/> would run).</summary>
    public CompiledEngagementRule[][] Snapshot()
    {
        lock (_sets)
        {
            return [.. _list];
        }
    }
}

/// <summary>One reading thread's cache of <see cref="MatchSets"/>: the URL looked up from the row's bytes, without a string per row.</summary>
internal sealed class MatchCache(MatchSets sets)
{
    private readonly Dictionary<string, int>[] _byUrl = [.. Enum.GetValues<ActivityType>().Select(_ => new Dictionary<string, int>(StringComparer.Ordinal))];
    private readonly int?[] _noUrl = new int?[Enum.GetValues<ActivityType>().Length];
    private char[] _chars = new char[512];

    public MatchSets Sets => sets;

    /// <summary>The match set of a type and a URL given as UTF-8 (<paramref name="hasUrl"/> false: no URL), or -1.</summary>
    public int Of(int type, ReadOnlySpan<byte> url, bool hasUrl)
    {
        if (!hasUrl || !sets.UsesUrl)
        {
            return _noUrl[type] ??= sets.Resolve(type, null);
        }

        if (url.Length > _chars.Length)
        {
            _chars = new char[Math.Max(url.Length, _chars.Length * 2)];
        }

        var text = _chars.AsSpan(0, Encoding.UTF8.GetChars(url, _chars));
        var lookup = _byUrl[type].GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(text, out var set))
        {
            var key = text.ToString();
            set = sets.Resolve(type, key);
            _byUrl[type][key] = set;
        }

        return set;
    }

    /// <summary>The same for a URL already decoded.</summary>
    public int Of(int type, string? url)
    {
        if (url is null || !sets.UsesUrl)
        {
            return _noUrl[type] ??= sets.Resolve(type, null);
        }

        if (!_byUrl[type].TryGetValue(url, out var set))
        {
            _byUrl[type][url] = set = sets.Resolve(type, url);
        }

        return set;
    }
}

/// <summary>Where a reader puts the activities it keeps: in memory for one chunk, or in a spill file for every chunk.</summary>
internal interface IActivitySink
{
    /// <summary>The key the sink files the lead's activities under; false when the lead is not being rescored.</summary>
    bool TryKey(Guid lead, out int key);

    /// <summary>One matching activity; <paramref name="properties"/> is its JSON (UTF-8) when a rule tests properties, else empty.</summary>
    void Add(int key, Guid id, long ticks, int set, ReadOnlySpan<byte> properties);
}

/// <summary>
/// One chunk's activities in compact columns (the index of their lead in the chunk, id, time, which rules they can
/// match): only the activities some rule matches.
/// </summary>
internal sealed class ActivityColumns
{
    private int[] _lead;
    private Guid[] _id;
    private long[] _ticks;
    private int[] _match;
    private IReadOnlyDictionary<string, string>?[]? _properties;

    public ActivityColumns(bool properties, int capacity)
    {
        capacity = Math.Max(16, capacity);
        _lead = GC.AllocateUninitializedArray<int>(capacity);
        _id = GC.AllocateUninitializedArray<Guid>(capacity);
        _ticks = GC.AllocateUninitializedArray<long>(capacity);
        _match = GC.AllocateUninitializedArray<int>(capacity);
        _properties = properties ? new IReadOnlyDictionary<string, string>?[capacity] : null;
    }

    public int Count { get; private set; }

    /// <summary>Empties the columns for the next chunk, keeping their arrays.</summary>
    public void Clear()
    {
        if (_properties is not null)
        {
            Array.Clear(_properties, 0, Count);
        }

        Count = 0;
    }

    /// <summary>The columns as arrays (valid below <see cref="Count"/>).</summary>
    public (int[] Lead, Guid[] Id, long[] Ticks, int[] Match) Arrays => (_lead, _id, _ticks, _match);

    public IReadOnlyDictionary<string, string>? PropertiesAt(int i) => _properties?[i];

    public void Add(int lead, Guid id, long ticks, int set, ReadOnlySpan<byte> properties)
    {
        if (Count == _lead.Length)
        {
            Grow(Count * 2);
        }

        _lead[Count] = lead;
        _id[Count] = id;
        _ticks[Count] = ticks;
        _match[Count] = set;
        if (_properties is not null)
        {
            _properties[Count] = properties.IsEmpty ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(properties);
        }

        Count++;
    }

    private void Grow(int size)
    {
        _lead = Resized(_lead, size);
        _id = Resized(_id, size);
        _ticks = Resized(_ticks, size);
        _match = Resized(_match, size);
        if (_properties is not null)
        {
            Array.Resize(ref _properties, size);
        }
    }

    private T[] Resized<T>(T[] array, int size)
    {
        var resized = GC.AllocateUninitializedArray<T>(size);
        Array.Copy(array, resized, Count);
        return resized;
    }
}

/// <summary>The activities of one chunk's leads, read lead by lead: the key is the lead's index in the chunk.</summary>
internal sealed class ChunkSink(ActivityColumns columns, Dictionary<Guid, int>? index) : IActivitySink
{
    /// <summary>The lead being read (lead-by-lead reads on SQLite, where the row's lead is known).</summary>
    public int Current { get; set; } = -1;

    public bool TryKey(Guid lead, out int key)
    {
        if (index is null)
        {
            key = Current;
            return key >= 0;
        }

        return index.TryGetValue(lead, out key);
    }

    public void Add(int key, Guid id, long ticks, int set, ReadOnlySpan<byte> properties) => columns.Add(key, id, ticks, set, properties);
}

/// <summary>
/// Reads the activities for a rescore with plain ADO.NET (SQLitePCL directly on SQLite): either one pass over the
/// whole table in storage order (when most leads are stale; on SQLite split by rowid over several connections), or
/// the lead index for each lead of a chunk (when few are). Only the columns the rules need; only the types they match.
/// </summary>
internal static class ActivityScan
{
    private static readonly byte[][] TypeNames = [.. Enum.GetValues<ActivityType>().Select(t => Encoding.UTF8.GetBytes(t.ToString()))];

    private static string Sql(MatchSets sets, ScoringRules rules, string where)
    {
        var types = rules.Engagement.Any(r => r.MatchedTypes is null)
            ? null
            : rules.Engagement.SelectMany(r => r.MatchedTypes!).Distinct().Select(t => $"'{t}'").ToList();
        var filter = types is null ? "" : types.Count == 0 ? " AND 1 = 0" : $" AND type IN ({string.Join(", ", types)})";
        return $"SELECT lead_id, id, type, occurred_at, {(sets.UsesUrl ? "url" : "NULL")}, {(sets.UsesProperties ? "properties" : "NULL")} " +
            $"FROM activities WHERE {where}{filter}";
    }

    /// <summary>
    /// SQLite, every activity with a lead, read by <paramref name="sinks"/>.Length connections over rowid ranges at
    /// once, each into its own sink.
    /// </summary>
    public static void ScanSqlite(string connectionString, long mmapSize, ScoringRules rules, MatchSets sets, IActivitySink[] sinks, CancellationToken ct)
    {
        long maxRowId;
        using (var connection = OpenReader(connectionString, mmapSize))
        {
            if (raw.sqlite3_prepare_v2(connection, "SELECT coalesce(max(rowid), 0) FROM activities", out var statement) != raw.SQLITE_OK)
            {
                throw new SqliteException(raw.sqlite3_errmsg(connection).utf8_to_string(), raw.sqlite3_errcode(connection));
            }

            using (statement)
            {
                raw.sqlite3_step(statement);
                maxRowId = raw.sqlite3_column_int64(statement, 0);
            }
        }

        var parts = sinks.Length;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts, CancellationToken = ct }, part =>
        {
            var from = maxRowId * part / parts;
            var to = part == parts - 1 ? long.MaxValue : maxRowId * (part + 1) / parts;
            using var connection = OpenReader(connectionString, mmapSize);
            ReadSqlite(connection, new MatchCache(sets), sinks[part], Sql(sets, rules, "rowid > ?1 AND rowid <= ?2 AND lead_id IS NOT NULL"), s =>
            {
                raw.sqlite3_bind_int64(s, 1, from);
                raw.sqlite3_bind_int64(s, 2, to);
            }, ct);
        });
    }

    /// <summary>SQLite, the activities of each of <paramref name="leads"/> (a chunk), by the (lead_id, occurred_at) index; keyed by the lead's index.</summary>
    public static void ReadSqliteByLead(sqlite3 connection, ScoringRules rules, MatchSets sets, ReadOnlySpan<Guid> leads, ActivityColumns into, CancellationToken ct)
    {
        var sql = Sql(sets, rules, "lead_id = ?1");
        var sink = new ChunkSink(into, index: null);
        var cache = new MatchCache(sets);
        for (var i = 0; i < leads.Length; i++)
        {
            var text = leads[i].ToString().ToUpperInvariant();
            sink.Current = i;
            ReadSqlite(connection, cache, sink, sql, s => raw.sqlite3_bind_text(s, 1, text), ct);
        }
    }

    /// <summary>PostgreSQL: every activity with a lead (<paramref name="leads"/> null), or those of the given leads, into <paramref name="sink"/>.</summary>
    public static async Task ReadPostgresAsync(NpgsqlConnection connection, ScoringRules rules, MatchSets sets, Guid[]? leads, IActivitySink sink, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Sql(sets, rules, leads is null ? "lead_id IS NOT NULL" : "lead_id = ANY(@leads)"), connection)
        {
            CommandTimeout = (int)RescoreLeads.BulkTimeout.TotalSeconds,
        };
        if (leads is not null)
        {
            command.Parameters.AddWithValue("leads", leads);
        }

        var types = Enum.GetValues<ActivityType>().ToDictionary(t => t.ToString(), t => (int)t, StringComparer.Ordinal);
        var cache = new MatchCache(sets);
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if ((++rows & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            if (!types.TryGetValue(reader.GetString(2), out var type) || !sets.TypeCanMatch(type))
            {
                continue;
            }

            var set = cache.Of(type, sets.UsesUrl && !reader.IsDBNull(4) ? reader.GetString(4) : null);
            if (set < 0 || !sink.TryKey(reader.GetGuid(0), out var key))
            {
                continue;
            }

            var properties = sets.UsesProperties && !reader.IsDBNull(5) ? Encoding.UTF8.GetBytes(reader.GetString(5)) : [];
            sink.Add(key, reader.GetGuid(1), DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc).Ticks, set, properties);
        }
    }

    /// <summary>
    /// A read-only connection of its own for a pass over a large table, opened without SQLite's per-call mutex (one
    /// thread uses it at a time; in serialized mode every column read takes and releases a lock). With
    /// <paramref name="mmapSize"/> above 0 the file is memory-mapped: fewer system calls, but every page read counts
    /// in the process's resident memory.
    /// </summary>
    internal static sqlite3 OpenReader(string connectionString, long mmapSize)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var result = raw.sqlite3_open_v2(file, out var connection, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX | raw.SQLITE_OPEN_URI, null);
        if (result != raw.SQLITE_OK)
        {
            var error = new SqliteException($"Cannot open '{file}' to read: {raw.sqlite3_errmsg(connection).utf8_to_string()}", result);
            connection.Dispose();
            throw error;
        }

        raw.sqlite3_busy_timeout(connection, 30_000);
        raw.sqlite3_exec(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA mmap_size = {Math.Max(0, mmapSize)}; PRAGMA cache_size = -16384;"));
        return connection;
    }

    private static void ReadSqlite(sqlite3 handle, MatchCache cache, IActivitySink sink, string sql, Action<sqlite3_stmt> bind, CancellationToken ct)
    {
        var sets = cache.Sets;
        SqliteRow.Each(handle, sql, bind, row =>
        {
            var type = TypeOf(row.Bytes(2));
            if (!sets.TypeCanMatch(type))
            {
                return;
            }

            var hasUrl = sets.UsesUrl && !row.IsNull(4);
            var set = cache.Of(type, hasUrl ? row.Bytes(4) : default, hasUrl);
            if (set < 0
                || !Utf8Parser.TryParse(row.Bytes(0), out Guid lead, out _)
                || !sink.TryKey(lead, out var key)
                || !Utf8Parser.TryParse(row.Bytes(1), out Guid id, out _))
            {
                return;
            }

            var ticks = SqliteTime(row.Bytes(3)).Ticks;
            var properties = sets.UsesProperties && !row.IsNull(5) ? row.Bytes(5) : default;
            sink.Add(key, id, ticks, set, properties);
        }, ct);
    }

    private static int TypeOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < TypeNames.Length; i++)
        {
            if (name.SequenceEqual(TypeNames[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Parses SQLite's "yyyy-MM-dd HH:mm:ss.FFFFFFF" (as EF Core writes it) without a string.</summary>
    internal static DateTime SqliteTime(ReadOnlySpan<byte> s)
    {
        if (s.Length >= 19 && s[4] == '-' && s[10] == ' ')
        {
            var ticks = new DateTime(Digits(s, 0, 4), Digits(s, 5, 2), Digits(s, 8, 2), Digits(s, 11, 2), Digits(s, 14, 2), Digits(s, 17, 2), DateTimeKind.Utc).Ticks;
            if (s.Length > 20 && s[19] == '.')
            {
                var fraction = 0L;
                var digits = 0;
                for (var k = 20; k < s.Length && digits < 7 && s[k] is >= (byte)'0' and <= (byte)'9'; k++, digits++)
                {
                    fraction = (fraction * 10) + (s[k] - '0');
                }

                for (; digits < 7; digits++)
                {
                    fraction *= 10;
                }

                ticks += fraction;
            }

            return new DateTime(ticks, DateTimeKind.Utc);
        }

        return DateTime.Parse(Encoding.UTF8.GetString(s), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    private static int Digits(ReadOnlySpan<byte> s, int start, int length)
    {
        var value = 0;
        for (var k = start; k < start + length; k++)
        {
            value = (value * 10) + (s[k] - '0');
        }

        return value;
    }
}

/// <summary>A chunk's activities grouped by lead (a counting sort), each lead's in (time, id) order as <see cref="ScoreEngine.Build"/> folds them.</summary>
internal sealed class ActivitiesByLead
{
    private ActivitiesByLead(int[] start, int[] order)
    {
        Start = start;
        Order = order;
    }

    /// <summary>Lead i's activities are <c>Order[Start[i]..Start[i + 1]]</c>.</summary>
    public int[] Start { get; }

    /// <summary>Positions in the <see cref="ActivityColumns"/>.</summary>
    public int[] Order { get; }

    public static ActivitiesByLead Group(ActivityColumns activities, int leads)
    {
        var (lead, id, ticks, _) = activities.Arrays;
        var count = activities.Count;
        var start = new int[leads + 1];
        for (var i = 0; i < count; i++)
        {
            start[lead[i] + 1]++;
        }

        for (var j = 0; j < leads; j++)
        {
            start[j + 1] += start[j];
        }

        var order = new int[count];
        var next = start.AsSpan(0, leads).ToArray();
        for (var i = 0; i < count; i++)
        {
            order[next[lead[i]]++] = i;
        }

        // Rows come in storage order, which is mostly time order: an insertion sort per lead is about linear.
        for (var j = 0; j < leads; j++)
        {
            for (var k = start[j] + 1; k < start[j + 1]; k++)
            {
                var p = order[k];
                var m = k - 1;
                while (m >= start[j] && Before(p, order[m], ticks, id))
                {
                    order[m + 1] = order[m];
                    m--;
                }

                order[m + 1] = p;
            }
        }

        return new ActivitiesByLead(start, order);
    }

    /// <summary>
    /// Folds lead <paramref name="lead"/>'s activities into <paramref name="builder"/> (cleared first), as
    /// <see cref="ScoreEngine.Build"/> would; <paramref name="indexes"/> are the rules of each match set by their index in the model.
    /// </summary>
    public void Fold(ScoreStateBuilder builder, ActivityColumns activities, CompiledEngagementRule[][] sets, int[][] indexes, int lead)
    {
        var (_, id, ticks, match) = activities.Arrays;
        builder.Clear();
        for (var k = Start[lead]; k < Start[lead + 1]; k++)
        {
            var p = Order[k];
            var rules = sets[match[p]];
            var index = indexes[match[p]];
            for (var r = 0; r < rules.Length; r++)
            {
                if (!rules[r].UsesProperties || rules[r].MatchesProperties(activities.PropertiesAt(p)))
                {
                    builder.Apply(index[r], ticks[p], id[p]);
                }
            }
        }
    }

    private static bool Before(int a, int b, long[] ticks, Guid[] id) =>
        ticks[a] != ticks[b] ? ticks[a] < ticks[b] : id[a].CompareTo(id[b]) < 0;
}
