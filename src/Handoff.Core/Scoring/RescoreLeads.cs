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
    /// <summary>
    /// Leads per chunk: read, scored in parallel and written back in one transaction (capture writes between
    /// chunks). A rescore holds about two chunks in memory, whatever the number of leads.
    /// </summary>
    public int BatchSize { get; set; } = 20_000;

    /// <summary>
    /// From this share of stale leads on, the rescore reads the whole activity table in one pass (storage order) and
    /// files the matching activities by chunk in a temporary file; below it, each chunk's activities by the lead index.
    /// </summary>
    public double ScanShare { get; set; } = 0.1;

    /// <summary>SQLite connections that read the activity table at once in a pass (at most one per core).</summary>
    public int ReadConnections { get; set; } = 2;

    /// <summary>
    /// SQLite: bytes of the database file the rescore's readers memory-map (<c>PRAGMA mmap_size</c>); 0, the default,
    /// reads through SQLite's page cache instead. Mapped pages count in the process's resident memory.
    /// </summary>
    public long MmapSize { get; set; }

    /// <summary>Where the one-pass read files activities by chunk (a temporary file, deleted when the rescore ends); the system's temporary directory when empty.</summary>
    public string? SpillDirectory { get; set; }

    /// <summary>How often the worker looks for queued jobs and for leads not scored by the active model (imports).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Where a rescore spent its time (for the bench and the logs).</summary>
public sealed class RescorePhases
{
    /// <summary>Reading which leads are stale (ids and places only).</summary>
    public TimeSpan Keys { get; set; }

    /// <summary>The one pass over the activity table, filing matching activities by chunk.</summary>
    public TimeSpan ScanActivities { get; set; }

    /// <summary>The pass over the lead table that computes every stale lead's fit (beside the chunks' writes), when it runs.</summary>
    public TimeSpan Fit { get; set; }

    /// <summary>Each chunk's leads: read with their fit, or, after the fit pass, waiting for its fits.</summary>
    public TimeSpan ReadLeads { get; set; }

    /// <summary>Reading each chunk's activities back (from the spill file, or by the lead index).</summary>
    public TimeSpan ReadActivities { get; set; }
    public TimeSpan Group { get; set; }
    public TimeSpan Score { get; set; }
    public TimeSpan Write { get; set; }
    public long Activities { get; set; }
    public long SpillBytes { get; set; }
    public int Chunks { get; set; }

    /// <summary>A chunk is read and scored while the one before it is written: those phases add up to more than the wall time.</summary>
    public override string ToString() =>
        $"stale keys {Keys.TotalSeconds:F2} s, scan activities {ScanActivities.TotalSeconds:F2} s ({SpillBytes / (1024.0 * 1024):N0} MiB filed), then {Chunks:N0} chunks: " +
        $"fit pass {Fit.TotalSeconds:F2} s, read leads {ReadLeads.TotalSeconds:F2} s, read {Activities:N0} matching activities {ReadActivities.TotalSeconds:F2} s, group {Group.TotalSeconds:F2} s, " +
        $"score {Score.TotalSeconds:F2} s; write {Write.TotalSeconds:F2} s (in parallel)";
}

/// <summary>One lead's new scores, to be written back in bulk.</summary>
/// <remarks>
/// <paramref name="State"/> is <see cref="ScoreState.ToText"/>'s form as ASCII bytes, bound to SQLite without a
/// conversion; it lies in a buffer of the chunk's (<see cref="StateArena"/>), reused two chunks later.
/// </remarks>
internal readonly record struct ScoredLead(Guid Id, long RowId, int Fit, string Grade, int Engagement, int Intent, ReadOnlyMemory<byte> State);

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
            .OrderBy(j => j.CreatedAt).Select(j => new { j.Id, j.Status, j.HeartbeatAt, j.ModelVersion }).Take(5).ToListAsync(ct);
        foreach (var c in candidates)
        {
            // Counted before the claim, so that a job is never seen Running without its total (the count of a million
            // leads takes a moment); RunJobAsync starts from this count instead of counting again.
            var total = await CountStaleAsync(c.ModelVersion, ct);
            var claimed = await db.RescoreJobs
                .Where(j => j.Id == c.Id && j.Status == c.Status && j.HeartbeatAt == c.HeartbeatAt)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, RescoreStatus.Running).SetProperty(j => j.Runner, runner).SetProperty(j => j.HeartbeatAt, now)
                    .SetProperty(j => j.Total, total).SetProperty(j => j.Done, 0), ct);
            if (claimed == 1)
            {
                return c.Id;
            }
        }

        return null;
    }

    /// <summary>
    /// Runs a claimed job to the end with the active model, recording progress as it goes. <paramref name="afterScored"/>
    /// (the MQL sweep) runs once every lead is scored and before the job is Completed, given a heartbeat that keeps the
    /// claim: if it fails, or the process stops during it, the job stays Running and is taken over after the lease, when
    /// the rescore finds nothing stale and <paramref name="afterScored"/> runs again.
    /// </summary>
    public async Task<RescoreJob> RunJobAsync(Guid id, string runner, Func<Func<Task>, Task>? afterScored, CancellationToken ct)
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
        job.Start(runner, job.Total, now);
        await db.SaveChangesAsync(ct);
        try
        {
            await RescoreStaleAsync(rules, async done =>
            {
                job.Progress(done, clock.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(ct);
            }, ct);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or JsonException)
        {
            job.Fail(e.Message, clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(ct);
            return job;
        }

        if (!await IsActiveAsync(rules.Version, ct))
        {
            job.Fail("Superseded: another model was activated while this job ran; its own job rescores.", clock.GetUtcNow().UtcDateTime);
        }
        else
        {
            if (afterScored is not null)
            {
                await afterScored(async () =>
                {
                    job.Progress(job.Done, clock.GetUtcNow().UtcDateTime);
                    await db.SaveChangesAsync(ct);
                });
            }

            job.Complete(clock.GetUtcNow().UtcDateTime);
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
    public Task<bool> AnyStaleAsync(int version, CancellationToken ct) => Stale(version).AnyAsync(ct);

    /// <summary>Leads whose scores are not from <paramref name="version"/>.</summary>
    public Task<int> CountStaleAsync(int version, CancellationToken ct) => Stale(version).CountAsync(ct);

    /// <summary>The stale leads' ids, from the scores table alone (through LINQ, EF would join the lead rows too).</summary>
    private IQueryable<Guid> Stale(int version) => db.Database.SqlQueryRaw<Guid>(StaleIds, version);

    private static readonly string StaleIds = $"SELECT id AS \"Value\" FROM {LeadScoreConfiguration.Table} WHERE {StaleLeadKeys.Stale("{0}")}";

    /// <summary>
    /// Scores every lead whose scores are not from <paramref name="rules"/>, chunk by chunk; returns how many. Memory
    /// is bounded by the chunk (<see cref="RescoreOptions.BatchSize"/>), not by the number of leads or activities:
    /// only the stale leads' ids, places and fits (about 45 bytes each) are held for the whole run (finding them holds
    /// every lead's id and rowid, 24 bytes a lead, for a moment).
    /// </summary>
    public async Task<int> RescoreStaleAsync(ScoringRules rules, Func<int, Task>? progress, CancellationToken ct)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var sqlite = db.IsSqlite;
        if (!await IsActiveAsync(rules.Version, ct))
        {
            return 0;
        }

        await db.Database.OpenConnectionAsync(ct);
        var connectionString = db.Database.GetConnectionString()!;
        var reader = new ChunkReader(sqlite, connectionString, options.Value.MmapSize);
        ActivitySpill? spill = null;
        Task<ScoredLead[]>? next = null;
        StaleFits? fits = null;
        var fitting = Task.CompletedTask;
        var checkpoints = Task.CompletedTask;
        using var stopHelpers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            // Many stale leads (after an activation): one pass over the whole activity table in storage order, filed by
            // chunk in a temporary file. Few (a sweep after an import): each chunk's activities by the lead index.
            var stale = await CountStaleAsync(rules.Version, ct);
            if (stale == 0)
            {
                return 0;
            }

            var leads = await db.Leads.CountAsync(ct);
            var scan = stale >= options.Value.ScanShare * leads;
            var phase = Stopwatch.StartNew();
            var keys = sqlite
                ? await Task.Run(() => StaleLeadKeys.ReadSqlite(connectionString, rules.Version, all: scan, leads, ct), ct)
                : await StaleLeadKeys.ReadPostgresAsync(await reader.PostgresAsync(ct), rules.Version, ct);
            Phases.Keys += phase.Elapsed;
            if (keys.Count == 0)
            {
                return 0;
            }

            var chunkSize = ChunkSize(options.Value.BatchSize, keys.Count);

            var sets = new MatchSets(rules);
            var leadReader = new StaleLeadReader(db, rules);
            await leadReader.LoadAccountsAsync(db, ct);
            if (scan)
            {
                phase.Restart();
                spill = await SpillAsync(rules, sets, keys, chunkSize, reader, connectionString, ct);
                Phases.ScanActivities += phase.Elapsed;
                Phases.SpillBytes += spill.Bytes;

                // SQLite: the fit of every stale lead in one pass over the lead table, beside the chunks' writes.
                if (sqlite && leadReader.FitsInOnePass)
                {
                    var all = new StaleFits(keys, chunkSize);
                    fits = all;
                    fitting = Task.Run(() =>
                    {
                        var timer = Stopwatch.StartNew();
                        try
                        {
                            leadReader.FitAllSqlite(connectionString, keys, all, stopHelpers.Token);
                            all.Complete(null);
                        }
                        catch (Exception e)
                        {
                            all.Complete(e); // the chunks waiting for their fits fail with it
                        }

                        lock (Phases)
                        {
                            Phases.Fit += timer.Elapsed;
                        }
                    }, CancellationToken.None);
                }
            }

            if (sqlite)
            {
                // No checkpoint inside the chunks' commits (one of 100,000 pages held a commit for 1.3 s at 1M leads):
                // they run beside the writer, on a connection of their own, and once more after the last chunk.
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint = 0;", ct);
                checkpoints = Task.Run(() => CheckpointWhileWritingAsync(connectionString, stopHelpers.Token), CancellationToken.None);
            }

            // Read and score chunk N+1 on the pool while chunk N is written on the single writer. The scores are
            // computed at the moment stored as scored_at, so at PostgreSQL's precision (microseconds).
            var now = clock.GetUtcNow().UtcDateTime;
            now = now.AddTicks(-(now.Ticks % 10));
            var chunks = (keys.Count + chunkSize - 1) / chunkSize;
            Phases.Chunks += chunks;
            var done = 0;
            var buffers = new ChunkBuffers(rules, sets.UsesProperties, Math.Min(chunkSize, keys.Count));
            next = PrepareAsync(rules, sets, leadReader, keys, fits, spill, reader, buffers, 0, chunkSize, now, stopHelpers.Token);
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                var scored = await next!;
                next = chunk + 1 < chunks ? PrepareAsync(rules, sets, leadReader, keys, fits, spill, reader, buffers, chunk + 1, chunkSize, now, stopHelpers.Token) : null;
                if (scored.Length == 0)
                {
                    continue;
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
            // The helpers stop with the run (the fit pass, when a run stops early: superseded, failed), and with them a
            // chunk still waiting for its fits; the chunk being read uses the reader's connections: it ends before they close.
            await stopHelpers.CancelAsync();
            await Task.WhenAll(Task.WhenAny(fitting), Task.WhenAny(checkpoints), Task.WhenAny(next ?? Task.CompletedTask));
            _ = checkpoints.Exception; // observed: a failed checkpoint loop leaves the work to the final checkpoint below
            _ = next?.Exception; // a chunk cancelled or failed after the run ended (its failure, if any, is not this run's)

            spill?.Dispose();
            await reader.DisposeAsync();
            try
            {
                if (sqlite)
                {
                    await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint = 1000; PRAGMA wal_checkpoint(PASSIVE);", CancellationToken.None);
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>The least leads a chunk holds when the stale leads are split for progress (a transaction per chunk has its cost).</summary>
    internal const int MinChunk = 1_000;

    /// <summary>
    /// Leads per chunk: <paramref name="batchSize"/>, but at most a tenth of the stale leads (and at least
    /// <see cref="MinChunk"/>), so that a rescore of a small workspace reports its progress in about ten steps
    /// instead of jumping from 0 to 100 %. From ten chunks of the batch size on (200,000 leads by default) nothing changes.
    /// </summary>
    internal static int ChunkSize(int batchSize, int stale)
    {
        var batch = Math.Max(1, batchSize);
        return Math.Min(batch, Math.Max(MinChunk, (stale + 9) / 10));
    }

    /// <summary>SQLite: a PASSIVE checkpoint every 100 ms on a connection of its own (it never waits for the writer), until stopped.</summary>
    private static async Task CheckpointWhileWritingAsync(string connectionString, CancellationToken stop)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        while (!stop.IsCancellationRequested)
        {
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            await Task.WhenAny(Task.Delay(100, stop));
        }
    }

    private Task<bool> IsActiveAsync(int version, CancellationToken ct) =>
        db.ScoringModels.AnyAsync(m => m.Status == ScoringModelStatus.Active && m.Version == version, ct);

    /// <summary>The one pass over the activity table: every matching activity of a stale lead, filed by chunk.</summary>
    private async Task<ActivitySpill> SpillAsync(ScoringRules rules, MatchSets sets, StaleLeadKeys keys, int chunkSize, ChunkReader reader, string connectionString, CancellationToken ct)
    {
        var parts = db.IsSqlite ? Math.Max(1, Math.Min(options.Value.ReadConnections, Environment.ProcessorCount)) : 1;
        var directory = string.IsNullOrEmpty(options.Value.SpillDirectory) ? Path.GetTempPath() : options.Value.SpillDirectory;
        var spill = new ActivitySpill(keys, chunkSize, parts, sets.UsesProperties, directory);
        try
        {
            var writers = Enumerable.Range(0, parts).Select(_ => spill.NewWriter()).ToArray();
            if (db.IsSqlite)
            {
                await Task.Run(() => ActivityScan.ScanSqlite(connectionString, options.Value.MmapSize, rules, sets, writers, ct), ct);
            }
            else
            {
                await ActivityScan.ReadPostgresAsync(await reader.PostgresAsync(ct), rules, sets, leads: null, writers[0], ct);
            }

            foreach (var writer in writers)
            {
                writer.Complete();
            }

            return spill;
        }
        catch
        {
            spill.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads chunk <paramref name="chunk"/>'s leads (with their fit, or takes the fit from <paramref name="fits"/> when the
    /// pass over the lead table computes it) and activities and scores them, on the pool.
    /// </summary>
    private Task<ScoredLead[]> PrepareAsync(ScoringRules rules, MatchSets sets, StaleLeadReader leadReader, StaleLeadKeys keys, StaleFits? fits, ActivitySpill? spill,
        ChunkReader reader, ChunkBuffers buffers, int chunk, int chunkSize, DateTime now, CancellationToken ct) =>
        Task.Run(async () =>
        {
            var from = chunk * chunkSize;
            var to = Math.Min(keys.Count, from + chunkSize);
            var timer = Stopwatch.StartNew();
            var sqlite = reader.Sqlite;
            var leads = fits is not null ? await fits.ChunkAsync(keys, chunk, ct)
                : sqlite && leadReader.ReadsRaw ? leadReader.ReadSqlite(reader.Sqlite3(), rules.Version, keys, from, to, ct)
                : await leadReader.ReadAsync(sqlite ? await reader.SqliteAsync(ct) : await reader.PostgresAsync(ct), sqlite, rules.Version, keys, from, to, ct);
            var readLeads = timer.Elapsed;

            timer.Restart();
            var activities = buffers.Activities;
            activities.Clear();
            if (spill is not null)
            {
                var indexOf = new int[to - from];
                Array.Fill(indexOf, -1);
                for (var i = 0; i < leads.Count; i++)
                {
                    indexOf[leads.Positions[i] - from] = i;
                }

                spill.Read(chunk, indexOf, activities);
            }
            else if (sqlite)
            {
                ActivityScan.ReadSqliteByLead(reader.Sqlite3(), rules, sets, leads.Ids, activities, ct);
            }
            else
            {
                var index = new Dictionary<Guid, int>(leads.Count);
                for (var i = 0; i < leads.Count; i++)
                {
                    index[leads.Ids[i]] = i;
                }

                await ActivityScan.ReadPostgresAsync(await reader.PostgresAsync(ct), rules, sets, leads.Ids.ToArray(), new ChunkSink(activities, index), ct);
            }

            var readActivities = timer.Elapsed;
            timer.Restart();
            var grouped = ActivitiesByLead.Group(activities, leads.Count);
            var group = timer.Elapsed;

            timer.Restart();
            var ruleSets = sets.Snapshot();
            var indexes = ruleSets.Select(set => set.Select(buffers.Builders[0].IndexOf).ToArray()).ToArray();
            var ids = leads.Ids.ToArray();
            var rowIds = leads.RowIds.ToArray();
            var fitOf = leads.Fit.ToArray();
            var scored = new ScoredLead[leads.Count];

            // One part per core, each with its own builder and buffer: no allocation per lead but the result row.
            var parts = buffers.Builders.Length;
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts, CancellationToken = ct }, part =>
            {
                var builder = buffers.Builders[part];
                var arena = buffers.Arenas[chunk & 1][part];
                arena.Clear();
                for (var i = (int)((long)scored.Length * part / parts); i < (int)((long)scored.Length * (part + 1) / parts); i++)
                {
                    grouped.Fold(builder, activities, ruleSets, indexes, i);
                    var (engagement, intent) = builder.EngagementOf(now.Ticks);
                    var offset = arena.Written;
                    var length = builder.WriteText(arena);
                    scored[i] = new ScoredLead(ids[i], rowIds[i], fitOf[i], rules.GradeOf(fitOf[i]), ScoreEngine.Whole(engagement), ScoreEngine.Whole(intent),
                        new ReadOnlyMemory<byte>(arena.Buffer, offset, length));
                }
            });
            lock (Phases)
            {
                Phases.ReadLeads += readLeads;
                Phases.ReadActivities += readActivities;
                Phases.Group += group;
                Phases.Score += timer.Elapsed;
                Phases.Activities += activities.Count;
            }

            return scored;
        }, ct);

    /// <summary>
    /// What one rescore reuses from chunk to chunk instead of allocating it again: the activity columns (one chunk is
    /// prepared at a time), a state builder per core, and per core two state buffers (chunk N's scores are written
    /// while chunk N + 1 is scored, so N + 2 may reuse N's).
    /// </summary>
    /// <remarks>Sized for <paramref name="leads"/> a chunk (the chunk size, or fewer when fewer leads are stale); they grow when needed.</remarks>
    private sealed class ChunkBuffers(ScoringRules rules, bool properties, int leads)
    {
        public ActivityColumns Activities { get; } = new(properties, leads * 8);

        public ScoreStateBuilder[] Builders { get; } = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new ScoreStateBuilder(rules))];

        /// <summary>About 512 bytes of state text a lead (a lead that matched most rules of the default model writes about 400).</summary>
        public StateArena[][] Arenas { get; } =
            [.. Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new StateArena(leads * 512 / Environment.ProcessorCount)).ToArray())];
    }

    /// <summary>
    /// The connections a rescore reads chunks on, apart from the context's (which writes while the next chunk is
    /// read): on SQLite a SQLitePCL reader (and an ADO.NET one for columns it cannot read), on PostgreSQL one more
    /// connection. Used by one chunk at a time.
    /// </summary>
    private sealed class ChunkReader(bool sqlite, string connectionString, long mmapSize) : IAsyncDisposable
    {
        private sqlite3? _sqlite3;
        private SqliteConnection? _sqlite;
        private NpgsqlConnection? _postgres;

        public bool Sqlite => sqlite;

        public sqlite3 Sqlite3() => _sqlite3 ??= ActivityScan.OpenReader(connectionString, mmapSize);

        public async Task<SqliteConnection> SqliteAsync(CancellationToken ct)
        {
            if (_sqlite is null)
            {
                _sqlite = new SqliteConnection(connectionString);
                await _sqlite.OpenAsync(ct);
            }

            return _sqlite;
        }

        public async Task<NpgsqlConnection> PostgresAsync(CancellationToken ct)
        {
            if (_postgres is null)
            {
                _postgres = new NpgsqlConnection(connectionString);
                await _postgres.OpenAsync(ct);
            }

            return _postgres;
        }

        public async ValueTask DisposeAsync()
        {
            _sqlite3?.Dispose();
            if (_sqlite is not null)
            {
                await _sqlite.DisposeAsync();
            }

            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }
        }
    }

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
        const string sql = $"UPDATE {LeadScoreConfiguration.Table} SET fit_score = ?1, fit_grade = ?2, engagement_score = ?3, intent_score = ?4, " +
            "score_model_version = ?5, scored_at = ?6, score_state = ?7 " +
            "WHERE rowid = ?8 AND id = ?10 AND NOT (score_model_version IS ?5 AND scored_at > ?9)";
        Check(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
        using (statement)
        {
            // Text bound as UTF-8 bytes made once, not converted from a string on every row.
            var atText = Encoding.UTF8.GetBytes(at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            var startedText = Encoding.UTF8.GetBytes(started.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));

            // The same for every row: bound once (sqlite3_reset keeps the bindings).
            raw.sqlite3_bind_int64(statement, 5, version);
            raw.sqlite3_bind_text(statement, 6, atText);
            raw.sqlite3_bind_text(statement, 9, startedText);
            StepRows(handle, statement.DangerousGetHandle(), rows);
        }

        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Binds and steps each row through e_sqlite3 straight (<see cref="SqliteNative"/>): a million rows, ten calls a row.</summary>
    private static void StepRows(sqlite3 handle, IntPtr statement, ScoredLead[] rows)
    {
        var grades = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Span<byte> id = stackalloc byte[36];
        foreach (var row in rows)
        {
            if (!grades.TryGetValue(row.Grade, out var grade))
            {
                grades[row.Grade] = grade = Encoding.UTF8.GetBytes(row.Grade);
            }

            Utf8Formatter.TryFormat(row.Id, id, out _);
            Ascii.ToUpperInPlace(id, out _);
            var bound = SqliteNative.BindInt64(statement, 1, row.Fit) | SqliteNative.BindText(statement, 2, grade)
                | SqliteNative.BindInt64(statement, 3, row.Engagement) | SqliteNative.BindInt64(statement, 4, row.Intent)
                | SqliteNative.BindText(statement, 7, row.State.Span) | SqliteNative.BindInt64(statement, 8, row.RowId) | SqliteNative.BindText(statement, 10, id);
            if (bound != raw.SQLITE_OK)
            {
                throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), raw.sqlite3_errcode(handle));
            }

            var result = SqliteNative.Step(statement);
            _ = SqliteNative.Reset(statement); // returns the step's error again, checked below
            if (result != raw.SQLITE_DONE)
            {
                throw new SqliteException(raw.sqlite3_errmsg(handle).utf8_to_string(), result);
            }
        }
    }

    /// <summary>
    /// PostgreSQL: the chunk's scores COPYed into a temporary table, then one UPDATE … FROM. The temporary table is not
    /// ANALYZEd: that took 60–100 ms of the server's time a chunk, and the planner reads its size from the file and
    /// joins by hash all the same.
    /// </summary>
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
                await import.WriteAsync(Encoding.ASCII.GetString(row.State.Span), NpgsqlDbType.Text, ct);
            }

            await import.CompleteAsync(ct);
        }

        await using (var update = new NpgsqlCommand(
            $"UPDATE {LeadScoreConfiguration.Table} l SET fit_score = r.fit, fit_grade = r.grade, engagement_score = r.engagement, intent_score = r.intent, " +
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
