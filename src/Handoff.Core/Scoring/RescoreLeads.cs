using System.Buffers.Text;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Handoff.Data;
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
    /// <summary>Leads per batch: scored in parallel and written back in one transaction (capture writes between batches).</summary>
    public int BatchSize { get; set; } = 20_000;

    /// <summary>
    /// From this share of stale leads on, the rescore reads the whole activity table in one pass (storage order);
    /// below it, each stale lead's activities by the lead index.
    /// </summary>
    public double ScanShare { get; set; } = 0.1;

    /// <summary>SQLite connections that read the activity table at once in a pass (at most one per core).</summary>
    public int ReadConnections { get; set; } = 2;

    /// <summary>How often the worker looks for queued jobs and for leads not scored by the active model (imports).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Where a rescore spent its time (for the bench and the logs).</summary>
public sealed class RescorePhases
{
    public TimeSpan ReadLeads { get; set; }
    public TimeSpan ReadActivities { get; set; }
    public TimeSpan Group { get; set; }
    public TimeSpan Score { get; set; }
    public TimeSpan Write { get; set; }
    public long Activities { get; set; }

    /// <summary>Reading leads and activities overlap, and so do scoring and writing: the phases add up to more than the wall time.</summary>
    public override string ToString() =>
        $"read leads {ReadLeads.TotalSeconds:F2} s, read activities {ReadActivities.TotalSeconds:F2} s (in parallel), group {Activities:N0} matching activities by lead {Group.TotalSeconds:F2} s, " +
        $"score {Score.TotalSeconds:F2} s, write {Write.TotalSeconds:F2} s (in parallel)";
}

/// <summary>One lead's new scores, to be written back in bulk.</summary>
/// <remarks><paramref name="State"/> is <see cref="ScoreState.ToText"/>'s form as ASCII bytes, bound to SQLite without a conversion.</remarks>
internal readonly record struct ScoredLead(Guid Id, long RowId, int Fit, string Grade, int Engagement, int Intent, byte[] State);

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
        if (!await IsActiveAsync(rules.Version, ct))
        {
            return 0;
        }

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // Many stale leads (after an activation): one pass over the whole activity table in storage order,
            // at the same time as the leads are read. Few (a sweep after an import): the lead index, lead by lead.
            var stale = await CountStaleAsync(rules.Version, ct);
            if (stale == 0)
            {
                return 0;
            }

            var scan = stale >= options.Value.ScanShare * await db.Leads.CountAsync(ct);
            var leadReader = new StaleLeadReader(db, rules);
            var connectionString = db.Database.GetConnectionString()!;
            var activitiesTask = scan ? Task.Run(() => TimedAsync(() => ReadAllActivitiesAsync(rules, connectionString, ct)), ct) : null;
            var phase = Stopwatch.StartNew();
            var leads = sqlite
                ? await leadReader.ReadSqliteAsync(db, connectionString, rules.Version, scan, ct)
                : await leadReader.ReadAsync(db, db.Database.GetDbConnection(), rules.Version, scan, ct);
            Phases.ReadLeads += phase.Elapsed;
            ActivityColumns activities;
            if (activitiesTask is not null)
            {
                (activities, var took) = await activitiesTask;
                Phases.ReadActivities += took;
            }
            else
            {
                phase.Restart();
                activities = sqlite
                    ? ActivityScan.ReadSqliteByLead(((SqliteConnection)db.Database.GetDbConnection()).Handle!, rules, leads.Ids, ct)
                    : await ActivityScan.ReadPostgresAsync((NpgsqlConnection)db.Database.GetDbConnection(), rules, leads.Ids.ToArray(), ct);
                Phases.ReadActivities += phase.Elapsed;
            }

            phase.Restart();
            var grouped = ActivitiesByLead.Group(activities, leads);
            Phases.Activities += grouped.Order.Length;
            Phases.Group += phase.Elapsed;

            if (sqlite)
            {
                // As the import does: no checkpoint inside every batch's commit; one after the last batch.
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint = 100000;", ct);
            }

            // Score batch N+1 on the pool while batch N is written on the single writer.
            var now = clock.GetUtcNow().UtcDateTime;
            var done = 0;
            var next = ScoreAsync(rules, leads, activities, grouped, 0, Math.Min(batchSize, leads.Count), now, ct);
            for (var from = 0; from < leads.Count; from += batchSize)
            {
                var scored = await next;
                var after = from + batchSize;
                if (after < leads.Count)
                {
                    next = ScoreAsync(rules, leads, activities, grouped, after, Math.Min(after + batchSize, leads.Count), now, ct);
                }

                phase.Restart();
                var written = sqlite
                    ? await WriteSqliteAsync(scored, rules.Version, now, started, ct)
                    : await WritePostgresAsync(scored, rules.Version, now, started, ct);
                Phases.Write += phase.Elapsed;
                if (!written)
                {
                    // Another activation superseded this run: stop (its own job rescores), and never write old scores over new ones.
                    return done;
                }

                done += scored.Length;
                if (progress is not null)
                {
                    await progress(done);
                }
            }

            return done;
        }
        finally
        {
            if (sqlite)
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint = 1000; PRAGMA wal_checkpoint(PASSIVE);", CancellationToken.None);
            }

            await db.Database.CloseConnectionAsync();
        }
    }

    private Task<bool> IsActiveAsync(int version, CancellationToken ct) =>
        db.ScoringModels.AnyAsync(m => m.Status == ScoringModelStatus.Active && m.Version == version, ct);

    private static async Task<(T Value, TimeSpan Took)> TimedAsync<T>(Func<Task<T>> read)
    {
        var timer = Stopwatch.StartNew();
        var value = await read();
        return (value, timer.Elapsed);
    }

    private async Task<ActivityColumns> ReadAllActivitiesAsync(ScoringRules rules, string connectionString, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
        {
            return ActivityScan.ScanSqlite(connectionString, rules, Math.Max(1, Math.Min(options.Value.ReadConnections, Environment.ProcessorCount)), ct);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        return await ActivityScan.ReadPostgresAsync(connection, rules, leads: null, ct);
    }

    private Task<ScoredLead[]> ScoreAsync(ScoringRules rules, StaleLeads leads, ActivityColumns activities, ActivitiesByLead grouped, int from, int to, DateTime now, CancellationToken ct) =>
        Task.Run(() =>
        {
            var timer = Stopwatch.StartNew();
            var ids = leads.Ids[from..to].ToArray();
            var rowIds = leads.RowIds[from..to].ToArray();
            var fits = leads.Fit[from..to].ToArray();
            var scored = new ScoredLead[to - from];
            Parallel.For(0, scored.Length, new ParallelOptions { CancellationToken = ct }, i =>
            {
                var state = grouped.Build(rules, activities, from + i);
                var (engagement, intent) = ScoreEngine.EngagementOf(rules, state, now);
                scored[i] = new ScoredLead(ids[i], rowIds[i], fits[i], rules.GradeOf(fits[i]), ScoreEngine.Whole(engagement), ScoreEngine.Whole(intent), ScoreStateText.WriteUtf8(state));
            });
            lock (Phases)
            {
                Phases.Score += timer.Elapsed;
            }

            return scored;
        }, ct);

    private async Task<bool> WriteSqliteAsync(ScoredLead[] rows, int version, DateTime at, DateTime started, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync(db, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // The transaction holds SQLite's write lock: checked once here, the active version cannot change before the commit.
        if (!await IsActiveAsync(version, ct))
        {
            return false;
        }

        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle!;
        const string sql = "UPDATE leads SET fit_score = ?1, fit_grade = ?2, engagement_score = ?3, intent_score = ?4, " +
            "score_model_version = ?5, scored_at = ?6, score_state = ?7 " +
            "WHERE rowid = ?8 AND id = ?10 AND NOT (score_model_version IS ?5 AND scored_at > ?9)";
        Check(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
        using (statement)
        {
            var atText = at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            var startedText = started.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            Span<byte> id = stackalloc byte[36];
            foreach (var row in rows)
            {
                raw.sqlite3_bind_int64(statement, 1, row.Fit);
                raw.sqlite3_bind_text(statement, 2, row.Grade);
                raw.sqlite3_bind_int64(statement, 3, row.Engagement);
                raw.sqlite3_bind_int64(statement, 4, row.Intent);
                raw.sqlite3_bind_int64(statement, 5, version);
                raw.sqlite3_bind_text(statement, 6, atText);
                raw.sqlite3_bind_text(statement, 7, row.State);
                raw.sqlite3_bind_int64(statement, 8, row.RowId);
                raw.sqlite3_bind_text(statement, 9, startedText);
                Utf8Formatter.TryFormat(row.Id, id, out _);
                Ascii.ToUpperInPlace(id, out _);
                raw.sqlite3_bind_text(statement, 10, id);
                var result = raw.sqlite3_step(statement);
                raw.sqlite3_reset(statement);
                if (result != raw.SQLITE_DONE)
                {
                    throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), result);
                }
            }
        }

        await transaction.CommitAsync(ct);
        return true;
    }

    private async Task<bool> WritePostgresAsync(ScoredLead[] rows, int version, DateTime at, DateTime started, CancellationToken ct)
    {
        if (!await IsActiveAsync(version, ct))
        {
            return false;
        }

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
                await import.WriteAsync(Encoding.ASCII.GetString(row.State), NpgsqlDbType.Text, ct);
            }

            await import.CompleteAsync(ct);
        }

        await using (var analyze = new NpgsqlCommand("ANALYZE rescored", connection))
        {
            await analyze.ExecuteNonQueryAsync(ct);
        }

        await using (var update = new NpgsqlCommand(
            "UPDATE leads l SET fit_score = r.fit, fit_grade = r.grade, engagement_score = r.engagement, intent_score = r.intent, " +
            "score_model_version = @version, scored_at = @at, score_state = r.state FROM rescored r " +
            "WHERE l.id = r.id AND l.id BETWEEN @first AND @last " +
            "AND NOT (l.score_model_version IS NOT DISTINCT FROM @version AND l.scored_at > @started) " +
            "AND EXISTS (SELECT 1 FROM scoring_models WHERE status = 'Active' AND version = @version)",
            connection))
        {
            update.CommandTimeout = (int)BulkTimeout.TotalSeconds;
            update.Parameters.AddWithValue("version", version);
            update.Parameters.AddWithValue("at", at);
            update.Parameters.AddWithValue("started", started);

            // The batch is a range of ids (leads are read ORDER BY id, so in PostgreSQL's own uuid order): the range
            // lets PostgreSQL read only that part of the primary key instead of joining against the whole table.
            update.Parameters.AddWithValue("first", rows[0].Id);
            update.Parameters.AddWithValue("last", rows[^1].Id);
            await update.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return true;
    }

    private static void Check(sqlite3 handle, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), result);
        }
    }
}
