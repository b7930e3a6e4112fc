using System.Buffers.Text;
using System.Text.Json;
using Handoff.Activities;
using Handoff.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SQLitePCL;

namespace Handoff.Scoring;

/// <summary>
/// Reads the activities of a range of leads (in id order, for the backtest) with only the columns the rules need: the type as a number, the time,
/// the URL only if a rule tests it, the properties only if a rule tests them, and only types some rule matches.
/// </summary>
internal sealed class ActivityReader
{
    private readonly bool _sqlite;
    private readonly bool _url;
    private readonly bool _properties;
    private readonly string _sql;

    /// <param name="rules">The model whose rules say which activities and columns to read.</param>
    /// <param name="sqlite">Whether the database is SQLite.</param>
    /// <param name="alsoTypes">Types to read besides those the rules match (an MQL bar's activity rules).</param>
    public ActivityReader(ScoringRules rules, bool sqlite, IEnumerable<ActivityType>? alsoTypes = null)
    {
        _sqlite = sqlite;
        _url = rules.Engagement.Any(r => r.UsesUrl);
        _properties = rules.Engagement.Any(r => r.UsesProperties);
        var typeNumber = "CASE type " + string.Join(" ", Enum.GetValues<ActivityType>().Select(t => $"WHEN '{t}' THEN {(int)t}")) + " ELSE -1 END";
        var types = rules.Engagement.Any(r => r.MatchedTypes is null)
            ? null
            : rules.Engagement.SelectMany(r => r.MatchedTypes!).Concat(alsoTypes ?? []).Distinct().Select(t => $"'{t}'").ToList();
        var filter = types is null ? "" : types.Count == 0 ? " AND 1 = 0" : $" AND type IN ({string.Join(", ", types)})";
        var range = sqlite ? "lead_id >= ?1 AND lead_id <= ?2" : "lead_id >= @first AND lead_id <= @last";
        _sql = $"SELECT lead_id, id, {typeNumber}, occurred_at, {(_url ? "url" : "NULL")}, {(_properties ? "properties" : "NULL")} " +
            $"FROM activities WHERE {range}{filter}";
    }

    /// <summary>Per lead of <paramref name="index"/>, its activities (activities of other leads in the range are skipped).</summary>
    public async Task<List<ActivityFact>[]> ReadAsync(HandoffDb db, Guid first, Guid last, Dictionary<Guid, int> index, CancellationToken ct)
    {
        var byLead = new List<ActivityFact>[index.Count];
        for (var i = 0; i < byLead.Length; i++)
        {
            byLead[i] = [];
        }

        if (_sqlite)
        {
            ReadSqlite((SqliteConnection)db.Database.GetDbConnection(), first, last, index, byLead);
        }
        else
        {
            await ReadPostgresAsync((NpgsqlConnection)db.Database.GetDbConnection(), first, last, index, byLead, ct);
        }

        return byLead;
    }

    private void ReadSqlite(SqliteConnection connection, Guid first, Guid last, Dictionary<Guid, int> index, List<ActivityFact>[] byLead)
    {
        var handle = connection.Handle!;
        if (raw.sqlite3_prepare_v2(handle, _sql, out var statement) != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), raw.sqlite3_errcode(handle));
        }

        using (statement)
        {
            raw.sqlite3_bind_text(statement, 1, first.ToString().ToUpperInvariant());
            raw.sqlite3_bind_text(statement, 2, last.ToString().ToUpperInvariant());
            int result;
            while ((result = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if (!Utf8Parser.TryParse(raw.sqlite3_column_blob(statement, 0), out Guid leadId, out _) || !index.TryGetValue(leadId, out var i))
                {
                    continue;
                }

                var type = raw.sqlite3_column_int(statement, 2);
                if (type < 0)
                {
                    continue;
                }

                if (!Utf8Parser.TryParse(raw.sqlite3_column_blob(statement, 1), out Guid id, out _))
                {
                    continue;
                }

                var at = ActivityScan.SqliteTime(raw.sqlite3_column_blob(statement, 3));
                var url = _url && raw.sqlite3_column_type(statement, 4) != raw.SQLITE_NULL ? raw.sqlite3_column_text(statement, 4).utf8_to_string() : null;
                var properties = _properties && raw.sqlite3_column_type(statement, 5) != raw.SQLITE_NULL
                    ? JsonSerializer.Deserialize<Dictionary<string, string>>(raw.sqlite3_column_blob(statement, 5))
                    : null;
                byLead[i].Add(new ActivityFact(id, (ActivityType)type, at, url, properties));
            }

            if (result != raw.SQLITE_DONE)
            {
                throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), result);
            }
        }
    }

    private async Task ReadPostgresAsync(NpgsqlConnection connection, Guid first, Guid last, Dictionary<Guid, int> index, List<ActivityFact>[] byLead, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(_sql, connection) { CommandTimeout = (int)RescoreLeads.BulkTimeout.TotalSeconds };
        command.Parameters.AddWithValue("first", first);
        command.Parameters.AddWithValue("last", last);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!index.TryGetValue(reader.GetGuid(0), out var i))
            {
                continue;
            }

            var type = reader.GetInt32(2);
            if (type < 0)
            {
                continue;
            }

            var url = _url && !reader.IsDBNull(4) ? reader.GetString(4) : null;
            var properties = _properties && !reader.IsDBNull(5) ? JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) : null;
            byLead[i].Add(new ActivityFact(reader.GetGuid(1), (ActivityType)type, DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc), url, properties));
        }
    }
}
