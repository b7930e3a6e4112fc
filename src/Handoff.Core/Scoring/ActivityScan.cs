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
/// The activities a rescore folds, in compact columns (lead, id, time, which rules they can match): only the
/// activities some rule matches. Which rules an activity matches depends on its type and URL only (and properties,
/// checked per activity), so it is decided once per distinct (type, URL) pair, not once per activity and rule.
/// </summary>
internal sealed class ActivityColumns
{
    private readonly ScoringRules _rules;
    private readonly bool[] _typeCanMatch;
    private readonly Dictionary<string, int> _urls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _urlLookup;
    private readonly List<string> _urlList = [];
    private readonly Dictionary<long, int> _sets = [];
    private Guid[] _lead;
    private Guid[] _id;
    private long[] _ticks;
    private int[] _match;
    private IReadOnlyDictionary<string, string>?[]? _properties;

    public ActivityColumns(ScoringRules rules, int capacity)
    {
        _rules = rules;
        UsesUrl = rules.Engagement.Any(r => r.UsesUrl);
        UsesProperties = rules.Engagement.Any(r => r.UsesProperties);
        _typeCanMatch = new bool[Enum.GetValues<ActivityType>().Length];
        foreach (var type in Enum.GetValues<ActivityType>())
        {
            _typeCanMatch[(int)type] = rules.Engagement.Any(r => r.Types is null || r.Types[(int)type]);
        }

        _urlLookup = _urls.GetAlternateLookup<ReadOnlySpan<char>>();
        capacity = Math.Max(16, capacity);
        // Uninitialized: only the first Count are ever read, and zeroing hundreds of MB costs a pass over memory.
        _lead = GC.AllocateUninitializedArray<Guid>(capacity);
        _id = GC.AllocateUninitializedArray<Guid>(capacity);
        _ticks = GC.AllocateUninitializedArray<long>(capacity);
        _match = GC.AllocateUninitializedArray<int>(capacity);
        _properties = UsesProperties ? new IReadOnlyDictionary<string, string>?[capacity] : null;
    }

    public bool UsesUrl { get; }
    public bool UsesProperties { get; }
    public int Count { get; private set; }

    /// <summary>The rules each match set holds, in the model's order (what <see cref="ScoreEngine.Apply"/> would run).</summary>
    public List<CompiledEngagementRule[]> Sets { get; } = [];

    public ReadOnlySpan<Guid> Lead => _lead.AsSpan(0, Count);
    public ReadOnlySpan<Guid> Id => _id.AsSpan(0, Count);
    public ReadOnlySpan<long> Ticks => _ticks.AsSpan(0, Count);
    public ReadOnlySpan<int> Match => _match.AsSpan(0, Count);

    /// <summary>The same columns as arrays (valid below <see cref="Count"/>), for parallel loops, which cannot hold spans.</summary>
    public (Guid[] Lead, Guid[] Id, long[] Ticks, int[] Match) Arrays => (_lead, _id, _ticks, _match);
    public IReadOnlyDictionary<string, string>? PropertiesAt(int i) => _properties?[i];

    /// <summary>Types no rule matches are not worth reading further.</summary>
    public bool TypeCanMatch(int type) => type >= 0 && type < _typeCanMatch.Length && _typeCanMatch[type];

    /// <summary>The match set of a type and URL (decided once per pair), or -1 when no rule matches them.</summary>
    public int MatchSet(int type, ReadOnlySpan<char> url, bool hasUrl)
    {
        var urlId = -1;
        if (hasUrl && UsesUrl)
        {
            if (!_urlLookup.TryGetValue(url, out urlId))
            {
                urlId = _urlList.Count;
                var text = url.ToString();
                _urls[text] = urlId;
                _urlList.Add(text);
            }
        }

        var key = ((long)type << 32) | (uint)(urlId + 1);
        if (!_sets.TryGetValue(key, out var set))
        {
            var urlText = urlId >= 0 ? _urlList[urlId] : null;
            var rules = _rules.Engagement.Where(r => (r.Types is null || r.Types[type]) && (r.Url is null || (urlText is not null && r.Url.IsMatch(urlText)))).ToArray();
            set = rules.Length == 0 ? -1 : Sets.Count;
            if (set >= 0)
            {
                Sets.Add(rules);
            }

            _sets[key] = set;
        }

        return set;
    }

    private T[] Resized<T>(T[] array, int size)
    {
        var resized = GC.AllocateUninitializedArray<T>(size);
        Array.Copy(array, resized, Count);
        return resized;
    }

    public void Add(Guid lead, Guid id, long ticks, int set, IReadOnlyDictionary<string, string>? properties)
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
            _properties[Count] = properties;
        }

        Count++;
    }

    /// <summary>Appends another reader's activities (its match sets follow this one's).</summary>
    public void Append(ActivityColumns other)
    {
        if (Count + other.Count > _lead.Length)
        {
            Grow(Count + other.Count);
        }

        other.Lead.CopyTo(_lead.AsSpan(Count));
        other.Id.CopyTo(_id.AsSpan(Count));
        other.Ticks.CopyTo(_ticks.AsSpan(Count));
        var offset = Sets.Count;
        var match = _match.AsSpan(Count, other.Count);
        other.Match.CopyTo(match);
        for (var i = 0; i < match.Length; i++)
        {
            match[i] += offset;
        }

        if (_properties is not null)
        {
            Array.Copy(other._properties!, 0, _properties, Count, other.Count);
        }

        Sets.AddRange(other.Sets);
        Count += other.Count;
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
}

/// <summary>
/// Reads the activities for a rescore with plain ADO.NET (SQLitePCL directly on SQLite): either one pass over the
/// whole table in storage order (when most leads are stale; on SQLite split by rowid over several connections), or
/// the lead index for each stale lead (when few are). Only the columns the rules need; only the types they match.
/// </summary>
internal static class ActivityScan
{
    private static readonly byte[][] TypeNames = [.. Enum.GetValues<ActivityType>().Select(t => Encoding.UTF8.GetBytes(t.ToString()))];

    private static string Sql(ActivityColumns columns, ScoringRules rules, string where)
    {
        var types = rules.Engagement.Any(r => r.MatchedTypes is null)
            ? null
            : rules.Engagement.SelectMany(r => r.MatchedTypes!).Distinct().Select(t => $"'{t}'").ToList();
        var filter = types is null ? "" : types.Count == 0 ? " AND 1 = 0" : $" AND type IN ({string.Join(", ", types)})";
        return $"SELECT lead_id, id, type, occurred_at, {(columns.UsesUrl ? "url" : "NULL")}, {(columns.UsesProperties ? "properties" : "NULL")} " +
            $"FROM activities WHERE {where}{filter}";
    }

    /// <summary>SQLite, every activity with a lead, read by <paramref name="parts"/> connections over rowid ranges at once.</summary>
    public static ActivityColumns ScanSqlite(string connectionString, ScoringRules rules, int parts, CancellationToken ct)
    {
        long maxRowId;
        using (var connection = OpenReader(connectionString))
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

        parts = (int)Math.Clamp(maxRowId / 100_000, 1, parts);
        var results = new ActivityColumns[parts];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts, CancellationToken = ct }, part =>
        {
            var from = maxRowId * part / parts;
            var to = maxRowId * (part + 1) / parts;
            var columns = new ActivityColumns(rules, (int)Math.Min(int.MaxValue / 2, (to - from) * 9 / 10));
            using var connection = OpenReader(connectionString);
            ReadSqlite(connection, columns, Sql(columns, rules, "rowid > ?1 AND rowid <= ?2 AND lead_id IS NOT NULL"), s =>
            {
                raw.sqlite3_bind_int64(s, 1, from);
                raw.sqlite3_bind_int64(s, 2, to);
            }, ct);
            results[part] = columns;
        });

        for (var i = 1; i < parts; i++)
        {
            results[0].Append(results[i]);
        }

        return results[0];
    }

    /// <summary>SQLite, the activities of each of <paramref name="leads"/>, by the (lead_id, occurred_at) index.</summary>
    public static ActivityColumns ReadSqliteByLead(sqlite3 connection, ScoringRules rules, ReadOnlySpan<Guid> leads, CancellationToken ct)
    {
        var columns = new ActivityColumns(rules, leads.Length * 4);
        var sql = Sql(columns, rules, "lead_id = ?1");
        foreach (var lead in leads)
        {
            var text = lead.ToString().ToUpperInvariant();
            ReadSqlite(connection, columns, sql, s => raw.sqlite3_bind_text(s, 1, text), ct);
        }

        return columns;
    }

    /// <summary>PostgreSQL: every activity with a lead (<paramref name="leads"/> null), or those of the given leads.</summary>
    public static async Task<ActivityColumns> ReadPostgresAsync(NpgsqlConnection connection, ScoringRules rules, Guid[]? leads, CancellationToken ct)
    {
        var columns = new ActivityColumns(rules, leads is null ? 1024 : leads.Length * 4);
        await using var command = new NpgsqlCommand(Sql(columns, rules, leads is null ? "lead_id IS NOT NULL" : "lead_id = ANY(@leads)"), connection)
        {
            CommandTimeout = (int)RescoreLeads.BulkTimeout.TotalSeconds,
        };
        if (leads is not null)
        {
            command.Parameters.AddWithValue("leads", leads);
        }

        var types = Enum.GetValues<ActivityType>().ToDictionary(t => t.ToString(), t => (int)t, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!types.TryGetValue(reader.GetString(2), out var type) || !columns.TypeCanMatch(type))
            {
                continue;
            }

            var hasUrl = columns.UsesUrl && !reader.IsDBNull(4);
            var set = columns.MatchSet(type, hasUrl ? reader.GetString(4) : default, hasUrl);
            if (set < 0)
            {
                continue;
            }

            var properties = columns.UsesProperties && !reader.IsDBNull(5) ? JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) : null;
            columns.Add(reader.GetGuid(0), reader.GetGuid(1), DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc).Ticks, set, properties);
        }

        return columns;
    }

    /// <summary>
    /// A read-only connection of its own for a pass over a large table, opened without SQLite's per-call mutex (one
    /// thread uses it; in serialized mode every column read takes and releases a lock) and with the file mapped.
    /// </summary>
    internal static sqlite3 OpenReader(string connectionString)
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
        raw.sqlite3_exec(connection, "PRAGMA mmap_size = 17179869184; PRAGMA cache_size = -65536;");
        return connection;
    }

    private static void ReadSqlite(sqlite3 handle, ActivityColumns columns, string sql, Action<sqlite3_stmt> bind, CancellationToken ct)
    {
        if (raw.sqlite3_prepare_v2(handle, sql, out var statement) != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), raw.sqlite3_errcode(handle));
        }

        var url = new char[4096];
        using (statement)
        {
            bind(statement);
            int result;
            var rows = 0;
            while ((result = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if ((++rows & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                var type = TypeOf(raw.sqlite3_column_blob(statement, 2));
                if (!columns.TypeCanMatch(type))
                {
                    continue;
                }

                var hasUrl = columns.UsesUrl && raw.sqlite3_column_type(statement, 4) != raw.SQLITE_NULL;
                ReadOnlySpan<char> text = default;
                if (hasUrl)
                {
                    var bytes = raw.sqlite3_column_blob(statement, 4);
                    text = bytes.Length <= url.Length ? url.AsSpan(0, Encoding.UTF8.GetChars(bytes, url)) : Encoding.UTF8.GetString(bytes);
                }

                var set = columns.MatchSet(type, text, hasUrl);
                if (set < 0
                    || !Utf8Parser.TryParse(raw.sqlite3_column_blob(statement, 0), out Guid lead, out _)
                    || !Utf8Parser.TryParse(raw.sqlite3_column_blob(statement, 1), out Guid id, out _))
                {
                    continue;
                }

                var properties = columns.UsesProperties && raw.sqlite3_column_type(statement, 5) != raw.SQLITE_NULL
                    ? JsonSerializer.Deserialize<Dictionary<string, string>>(raw.sqlite3_column_blob(statement, 5))
                    : null;
                columns.Add(lead, id, SqliteTime(raw.sqlite3_column_blob(statement, 3)).Ticks, set, properties);
            }

            if (result != raw.SQLITE_DONE)
            {
                throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), result);
            }
        }
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

/// <summary>The read activities grouped by stale lead (a counting sort), each lead's in (time, id) order as <see cref="ScoreEngine.Build"/> folds them.</summary>
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

    public static ActivitiesByLead Group(ActivityColumns activities, StaleLeads leads)
    {
        var index = new Dictionary<Guid, int>(leads.Count);
        var ids = leads.Ids;
        for (var i = 0; i < ids.Length; i++)
        {
            index[ids[i]] = i;
        }

        var (lead, id, ticks, _) = activities.Arrays;
        var count = activities.Count;
        var leadOf = new int[count];
        Parallel.For(0, (count + 65_535) / 65_536, part =>
        {
            for (int i = part * 65_536, end = Math.Min(count, i + 65_536); i < end; i++)
            {
                leadOf[i] = index.TryGetValue(lead[i], out var j) ? j : -1;
            }
        });

        var start = new int[leads.Count + 1];
        foreach (var j in leadOf)
        {
            if (j >= 0)
            {
                start[j + 1]++;
            }
        }

        for (var j = 0; j < leads.Count; j++)
        {
            start[j + 1] += start[j];
        }

        var order = new int[start[^1]];
        var next = start.AsSpan(0, leads.Count).ToArray();
        for (var i = 0; i < count; i++)
        {
            if (leadOf[i] is var j and >= 0)
            {
                order[next[j]++] = i;
            }
        }

        // Rows come in storage order, which is mostly time order: an insertion sort per lead is about linear.
        Parallel.For(0, (leads.Count + 8191) / 8192, part =>
        {
            for (int j = part * 8192, end = Math.Min(leads.Count, j + 8192); j < end; j++)
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
        });

        return new ActivitiesByLead(start, order);
    }

    /// <summary>Builds lead <paramref name="lead"/>'s running state, as <see cref="ScoreEngine.Build"/> would from its activities.</summary>
    public ScoreState Build(ScoringRules rules, ActivityColumns activities, int lead)
    {
        var (_, id, ticks, match) = activities.Arrays;
        var sets = activities.Sets;
        var state = new ScoreState { ModelVersion = rules.Version };
        for (var k = Start[lead]; k < Start[lead + 1]; k++)
        {
            var p = Order[k];
            foreach (var rule in sets[match[p]])
            {
                if (!rule.UsesProperties || rule.MatchesProperties(activities.PropertiesAt(p)))
                {
                    ScoreEngine.ApplyMatch(rules, rule, state, ticks[p], id[p]);
                }
            }
        }

        return state;
    }

    private static bool Before(int a, int b, long[] ticks, Guid[] id) =>
        ticks[a] != ticks[b] ? ticks[a] < ticks[b] : id[a].CompareTo(id[b]) < 0;
}
