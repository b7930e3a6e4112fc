using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Handoff.Activities;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace Handoff.Scoring;

/// <summary>The <c>Handoff:Scoring:Rescore</c> configuration section.</summary>
public sealed class RescoreOptions
{
    /// <summary>Leads per batch: read, scored in parallel, written back in one transaction.</summary>
    public int BatchSize { get; set; } = 20_000;

    /// <summary>How often the worker looks for queued jobs and for leads not scored by the active model (imports).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Where a rescore spent its time (for the bench and the logs).</summary>
public sealed class RescorePhases
{
    public TimeSpan ReadLeads { get; set; }
    public TimeSpan ReadActivities { get; set; }
    public TimeSpan Score { get; set; }
    public TimeSpan Write { get; set; }
    public long Activities { get; set; }

    public override string ToString() =>
        $"read leads {ReadLeads.TotalSeconds:F2} s, read {Activities:N0} activities {ReadActivities.TotalSeconds:F2} s, score {Score.TotalSeconds:F2} s, write {Write.TotalSeconds:F2} s";
}

/// <summary>One lead's new scores, to be written back in bulk.</summary>
internal readonly record struct ScoredLead(Guid Id, int Fit, string Grade, int Engagement, int Intent, string State);

/// <summary>
/// Rescoring in bulk: every lead whose scores are not from the active model (after an activation, or never scored,
/// like imported leads). Leads are read in id order in batches; the batch's activities are read with plain ADO.NET
/// (only the columns the rules need, by a range of the (lead_id, occurred_at) index), scored in memory in parallel,
/// and written back in bulk: on SQLite one prepared UPDATE in one transaction per batch, on PostgreSQL a binary COPY
/// into a temporary table and one UPDATE … FROM. Capture keeps running: a lead scored live by the new model after
/// the job started is not overwritten.
/// </summary>
public sealed class RescoreLeads(HandoffDb db, ScoringModelCache cache, TimeProvider clock, SqliteWriteGate gate, IOptions<RescoreOptions> options)
{
    /// <summary>Time spent per phase by this instance so far.</summary>
    public RescorePhases Phases { get; } = new();

    /// <summary>A batch's COPY, UPDATE or activity read may take longer than a request on a busy server.</summary>
    internal static readonly TimeSpan BulkTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A running job with no progress for this long is taken over by another runner.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Claims the oldest queued job (or one whose runner went silent); null when there is none.</summary>
    public async Task<Guid?> ClaimAsync(string runner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var silentSince = now - Lease;
        var candidates = await db.RescoreJobs.AsNoTracking()
            .Where(j => j.Status == RescoreStatus.Pending || (j.Status == RescoreStatus.Running && j.HeartbeatAt < silentSince))
            .OrderBy(j => j.CreatedAt).Select(j => new { j.Id, j.Status, j.HeartbeatAt }).Take(5).ToListAsync(ct);
        foreach (var c in candidates)
        {
            var claimed = await db.RescoreJobs
                .Where(j => j.Id == c.Id && j.Status == c.Status && j.HeartbeatAt == c.HeartbeatAt)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, RescoreStatus.Running).SetProperty(j => j.Runner, runner).SetProperty(j => j.HeartbeatAt, now), ct);
            if (claimed == 1)
            {
                return c.Id;
            }
        }

        return null;
    }

    /// <summary>Runs a claimed job to the end with the active model, recording progress as it goes.</summary>
    public async Task<RescoreJob> RunJobAsync(Guid id, string runner, CancellationToken ct)
    {
        var job = await db.RescoreJobs.SingleAsync(j => j.Id == id, ct);
        var model = await db.ScoringModels.AsNoTracking().Where(m => m.Status == ScoringModelStatus.Active).FirstOrDefaultAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (model is null || model.Version != job.ModelVersion)
        {
            job.Fail(model is null ? "No scoring model is active." : $"Superseded: version {model.Version} was activated since; its own job rescores.", now);
            await db.SaveChangesAsync(ct);
            return job;
        }

        var rules = cache.Compile(model);
        job.Start(runner, await CountStaleAsync(rules.Version, ct), now);
        await db.SaveChangesAsync(ct);
        try
        {
            await RescoreStaleAsync(rules, async done =>
            {
                job.Progress(done, clock.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(ct);
            }, ct);
            if (await db.ScoringModels.AnyAsync(m => m.Status == ScoringModelStatus.Active && m.Version == rules.Version, ct))
            {
                job.Complete(clock.GetUtcNow().UtcDateTime);
            }
            else
            {
                job.Fail("Superseded: another model was activated while this job ran; its own job rescores.", clock.GetUtcNow().UtcDateTime);
            }
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or JsonException)
        {
            job.Fail(e.Message, clock.GetUtcNow().UtcDateTime);
        }

        await db.SaveChangesAsync(ct);
        return job;
    }

    /// <summary>A job is queued or running somewhere: the sweep leaves the leads to it.</summary>
    public async Task<bool> AnyJobOpenAsync(CancellationToken ct)
    {
        var silentSince = clock.GetUtcNow().UtcDateTime - Lease;
        return await db.RescoreJobs.AnyAsync(j => j.Status == RescoreStatus.Pending || (j.Status == RescoreStatus.Running && j.HeartbeatAt >= silentSince), ct);
    }

    /// <summary>Whether any lead's scores are not from <paramref name="version"/> (cheaper than counting them).</summary>
    public Task<bool> AnyStaleAsync(int version, CancellationToken ct) =>
        db.Leads.AnyAsync(l => l.ScoreModelVersion == null || l.ScoreModelVersion != version, ct);

    /// <summary>Leads whose scores are not from <paramref name="version"/>.</summary>
    public Task<int> CountStaleAsync(int version, CancellationToken ct) =>
        db.Leads.CountAsync(l => l.ScoreModelVersion == null || l.ScoreModelVersion != version, ct);

    /// <summary>Scores every lead whose scores are not from <paramref name="rules"/>; returns how many.</summary>
    public async Task<int> RescoreStaleAsync(ScoringRules rules, Func<int, Task>? progress, CancellationToken ct)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var batchSize = Math.Max(100, options.Value.BatchSize);
        var sqlite = db.Database.IsSqlite();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var reader = new ActivityReader(rules, sqlite);
            Guid? after = null;
            var done = 0;
            while (true)
            {
                // Another activation supersedes this run: stop (its own job rescores), and never write old scores
                // over new ones (the UPDATEs check the active version too, for an activation in mid-batch).
                if (!await db.ScoringModels.AnyAsync(m => m.Status == ScoringModelStatus.Active && m.Version == rules.Version, ct))
                {
                    return done;
                }

                var phase = System.Diagnostics.Stopwatch.StartNew();
                var leads = await StaleBatchAsync(rules.Version, after, batchSize, ct);
                Phases.ReadLeads += phase.Elapsed;
                if (leads.Count == 0)
                {
                    break;
                }

                after = leads[^1].Id;
                var index = new Dictionary<Guid, int>(leads.Count);
                for (var i = 0; i < leads.Count; i++)
                {
                    index[leads[i].Id] = i;
                }

                phase.Restart();
                var activities = await reader.ReadAsync(db, leads[0].Id, leads[^1].Id, index, ct);
                Phases.Activities += activities.Sum(a => (long)a.Count);
                var accountIds = leads.Where(l => l.AccountId is not null).Select(l => l.AccountId!.Value).Distinct().ToList();
                var accounts = accountIds.Count == 0
                    ? []
                    : await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);

                Phases.ReadActivities += phase.Elapsed;
                phase.Restart();
                var now = clock.GetUtcNow().UtcDateTime;
                var scored = new ScoredLead[leads.Count];
                Parallel.For(0, leads.Count, new ParallelOptions { CancellationToken = ct }, i =>
                {
                    var lead = leads[i];
                    var state = ScoreEngine.BuildInPlace(rules, activities[i]);
                    var account = lead.AccountId is { } a ? accounts.GetValueOrDefault(a) : null;
                    var fit = ScoreEngine.FitOf(rules, new LeadFacts(lead, account));
                    var (engagement, intent) = ScoreEngine.EngagementOf(rules, state, now);
                    scored[i] = new ScoredLead(lead.Id, fit, rules.GradeOf(fit), ScoreEngine.Whole(engagement), ScoreEngine.Whole(intent), state.ToJson());
                });

                Phases.Score += phase.Elapsed;
                phase.Restart();
                if (sqlite)
                {
                    await WriteSqliteAsync(scored, rules.Version, now, started, ct);
                }
                else
                {
                    await WritePostgresAsync(scored, rules.Version, now, started, ct);
                }

                Phases.Write += phase.Elapsed;
                done += leads.Count;
                if (progress is not null)
                {
                    await progress(done);
                }
            }

            return done;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private Task<List<Lead>> StaleBatchAsync(int version, Guid? after, int size, CancellationToken ct)
    {
        // Keyset by id in the database's own order of ids, so that the activity range below matches it exactly.
        object? key = after is { } id ? db.Database.IsSqlite() ? id.ToString().ToUpperInvariant() : id : null;
        var query = key is { } last
            ? db.Leads.FromSqlRaw(
                "SELECT * FROM leads WHERE (score_model_version IS NULL OR score_model_version <> {0}) AND id > {1} ORDER BY id LIMIT {2}",
                version, last, size)
            : db.Leads.FromSqlRaw(
                "SELECT * FROM leads WHERE (score_model_version IS NULL OR score_model_version <> {0}) ORDER BY id LIMIT {1}",
                version, size);
        return query.AsNoTracking().ToListAsync(ct);
    }

    private async Task WriteSqliteAsync(ScoredLead[] rows, int version, DateTime at, DateTime started, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync(db, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle!;
        const string sql = "UPDATE leads SET fit_score = ?1, fit_grade = ?2, engagement_score = ?3, intent_score = ?4, " +
            "score_model_version = ?5, scored_at = ?6, score_state = ?7 " +
            "WHERE id = ?8 AND NOT (score_model_version IS ?5 AND scored_at > ?9) " +
            "AND EXISTS (SELECT 1 FROM scoring_models WHERE status = 'Active' AND version = ?5)";
        Check(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
        using (statement)
        {
            var atText = at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            var startedText = started.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            foreach (var row in rows)
            {
                raw.sqlite3_bind_int64(statement, 1, row.Fit);
                raw.sqlite3_bind_text(statement, 2, row.Grade);
                raw.sqlite3_bind_int64(statement, 3, row.Engagement);
                raw.sqlite3_bind_int64(statement, 4, row.Intent);
                raw.sqlite3_bind_int64(statement, 5, version);
                raw.sqlite3_bind_text(statement, 6, atText);
                raw.sqlite3_bind_text(statement, 7, row.State);
                raw.sqlite3_bind_text(statement, 8, row.Id.ToString().ToUpperInvariant());
                raw.sqlite3_bind_text(statement, 9, startedText);
                var result = raw.sqlite3_step(statement);
                raw.sqlite3_reset(statement);
                if (result != raw.SQLITE_DONE)
                {
                    throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), result);
                }
            }
        }

        await transaction.CommitAsync(ct);
    }

    private async Task WritePostgresAsync(ScoredLead[] rows, int version, DateTime at, DateTime started, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE IF NOT EXISTS rescored (id uuid, fit integer, grade text, engagement integer, intent integer, state text) ON COMMIT DELETE ROWS",
            connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var import = await connection.BeginBinaryImportAsync("COPY rescored (id, fit, grade, engagement, intent, state) FROM STDIN (FORMAT BINARY)", ct))
        {
            import.Timeout = BulkTimeout;
            foreach (var row in rows)
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(row.Id, NpgsqlDbType.Uuid, ct);
                await import.WriteAsync(row.Fit, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(row.Grade, NpgsqlDbType.Text, ct);
                await import.WriteAsync(row.Engagement, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(row.Intent, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(row.State, NpgsqlDbType.Text, ct);
            }

            await import.CompleteAsync(ct);
        }

        await using (var update = new NpgsqlCommand(
            "UPDATE leads l SET fit_score = r.fit, fit_grade = r.grade, engagement_score = r.engagement, intent_score = r.intent, " +
            "score_model_version = @version, scored_at = @at, score_state = r.state FROM rescored r " +
            "WHERE l.id = r.id AND NOT (l.score_model_version IS NOT DISTINCT FROM @version AND l.scored_at > @started) " +
            "AND EXISTS (SELECT 1 FROM scoring_models WHERE status = 'Active' AND version = @version)",
            connection))
        {
            update.CommandTimeout = (int)BulkTimeout.TotalSeconds;
            update.Parameters.AddWithValue("version", version);
            update.Parameters.AddWithValue("at", at);
            update.Parameters.AddWithValue("started", started);
            await update.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    private static void Check(sqlite3 handle, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), result);
        }
    }
}

/// <summary>
/// Reads the activities of a range of leads with only the columns the rules need: the type as a number, the time,
/// the URL only if a rule tests it, the properties only if a rule tests them, and only types some rule matches.
/// </summary>
internal sealed class ActivityReader
{
    private readonly bool _sqlite;
    private readonly bool _url;
    private readonly bool _properties;
    private readonly string _sql;

    public ActivityReader(ScoringRules rules, bool sqlite)
    {
        _sqlite = sqlite;
        _url = rules.Engagement.Any(r => r.UsesUrl);
        _properties = rules.Engagement.Any(r => r.UsesProperties);
        var typeNumber = "CASE type " + string.Join(" ", Enum.GetValues<ActivityType>().Select(t => $"WHEN '{t}' THEN {(int)t}")) + " ELSE -1 END";
        var types = rules.Engagement.Any(r => r.MatchedTypes is null)
            ? null
            : rules.Engagement.SelectMany(r => r.MatchedTypes!).Distinct().Select(t => $"'{t}'").ToList();
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

                var at = SqliteTime(raw.sqlite3_column_blob(statement, 3));
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

        return DateTime.Parse(System.Text.Encoding.UTF8.GetString(s), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
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
