using System.Diagnostics;
using System.Numerics;
using System.Threading.Channels;
using CsvHelper;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Hygiene;
using Handoff.Integrations;
using Handoff.Leads;
using Handoff.Scoring;
using Handoff.Teams;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Handoff.Import;

/// <summary>Why a row is junk: a Junk reason code (e.g. <c>spam</c>, <c>test</c>) and a detail for the history.</summary>

/// <summary>
/// How far a running import is. <paramref name="Counts"/> and <paramref name="LastCommittedRow"/> are committed (an
/// interrupted import resumes after them); <paramref name="RowsProcessed"/> and <paramref name="Fraction"/> (the share
/// of the file) also cover the batches written in the transaction that is still open, so they move with every batch
/// (on SQLite a transaction holds five).
/// </summary>
/// <param name="Counts">The committed counts.</param>
/// <param name="LastCommittedRow">The resume checkpoint: the last committed row.</param>
/// <param name="RowsProcessed">The rows written so far, committed or not.</param>
/// <param name="Fraction">The share of the file written so far, committed or not.</param>
public sealed record ImportProgress(ImportCounts Counts, int LastCommittedRow, int RowsProcessed, double Fraction);

/// <summary>
/// Runs an import job: reads the stored file row by row and runs each row through the same pipeline as a capture, in
/// streaming batches. One task reads, maps, normalizes and validates rows; this one dedupes each batch (within the
/// file and against the open leads, with one query per batch), creates and merges leads with the domain methods, and
/// writes the new rows with the provider's bulk insert. Each transaction (one batch; five on SQLite) commits together
/// with the job's counts and checkpoint, under the runner's lease.
/// </summary>
public sealed class RunImport(HandoffDb db, TimeProvider clock, FallbackQueue fallback, IOptions<HandoffOptions> options, ILogger<RunImport> log, JunkClassifier junkClassifier, LeadEnricher enricher, ImportAutomation automation, LeadAutomations chain, SqliteWriteGate gate, RunningImports running)
{
    /// <summary>
    /// Rows a batch holds: the reader prepares batches ahead of the writer (two wait at most), and a writer waiting for
    /// SQLite's turn gets it after the batch being written. Batches of 5,000 rows kept about 20,000 prepared rows alive
    /// at once, long enough for the GC to promote them: a 1M-row import then paused 8–9 s in GCs, 3–5 s with batches of
    /// 1,000 (docs/performance.md).
    /// </summary>
    public const int DefaultBatchSize = 1_000;

    /// <summary>A runner holds a job this long after its last commit; past it, another runner may take the job over.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private const int MaxAttempts = 4;

    /// <summary>
    /// On SQLite a transaction spans many batches: each commit writes every page it changed to the WAL, and the
    /// indexes on random keys (email, name, company domain) take random inserts, so a commit of 5,000 rows rewrites
    /// thousands of index pages; one of 25,000 rewrites them once. A capture that waits for the write turn meanwhile
    /// gets it after the batch being written (<see cref="BatchWriter.CommitIfDueAsync"/>).
    /// </summary>
    private const int SqliteRowsPerTransaction = 25_000;

    /// <summary>PostgreSQL commits every 5,000 rows: no write turn to share, and each commit syncs the server's log.</summary>
    private const int PostgresRowsPerTransaction = 5_000;

    /// <summary>
    /// Up to this many open leads, the run keeps 64-bit hashes of their email keys (about 20 bytes each) so that a
    /// batch asks the database only about keys that may exist; past it, every key is looked up.
    /// </summary>
    private const int MaxKnownKeys = 5_000_000;

    /// <summary>PostgreSQL: the last commit after which the run refreshes the statistics of leads (see RefreshStatisticsAsync).</summary>
    private const int MaxAnalyzedCommit = 64;

    internal int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>How often the writer, waiting for the reader inside a transaction, looks whether someone waits for the write turn.</summary>
    private static readonly TimeSpan ReaderWaitPoll = TimeSpan.FromMilliseconds(20);

    private ImportTimings _timings = new();
    private BulkValues? _values;

    /// <summary>The scoring model and definition of this run when it runs the lead automations; null when it does not.</summary>
    private ImportRules? _rules;

    /// <summary>The accounts this run matches its leads to (by domain, as capture does), read when it starts.</summary>
    private ImportAccounts _accounts = ImportAccounts.None;

    /// <summary>How many rows one transaction holds (several batches); null: the provider's default.</summary>
    internal int? RowsPerTransaction { get; set; }

    /// <summary>Tests only: runs after a batch is written and before it commits, with the batch's number (from 1).</summary>
    internal Func<int, Task>? BeforeCommit { get; set; }

    /// <summary>Tests only: the reader runs it before it hands over each batch but the last, with the batch's number (from 1).</summary>
    internal Func<int, Task>? BeforeBatchRead { get; set; }

    /// <summary>Tests only: runs after the run has read the open leads' keys, before its first batch.</summary>
    internal Func<Task>? AfterKeysLoaded { get; set; }

    /// <summary>The oldest job a runner may take now: a pending one, or a running one whose runner vanished.</summary>
    public async Task<Guid?> NextAsync(CancellationToken ct)
    {
        var now = Now();
        return await db.ImportJobs.AsNoTracking()
            .Where(j => j.Status == ImportStatus.Pending || (j.Status == ImportStatus.Running && j.LeaseUntil < now))
            .OrderBy(j => j.CreatedAt)
            .Select(j => (Guid?)j.Id)
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// Claims the job for <paramref name="runnerId"/> and imports it to the end. Returns null when another runner
    /// holds it or it is finished. Cancelling puts the job back to Pending (it resumes from its checkpoint); an error
    /// marks it Failed with the reason (uploading the same file again resumes it).
    /// </summary>
    public async Task<ImportJobView?> RunAsync(Guid jobId, string runnerId, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        if (!await ClaimAsync(jobId, runnerId, ct))
        {
            return null;
        }

        var job = await db.ImportJobs.AsNoTracking().FirstAsync(j => j.Id == jobId, ct);
        try
        {
            await ImportAsync(job, runnerId, progress, ct);
            var now = Now();
            var completed = await db.ImportJobs.Where(j => j.Id == jobId && j.RunnerId == runnerId).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.Status, ImportStatus.Completed)
                    .SetProperty(j => j.FinishedAt, now)
                    .SetProperty(j => j.BytesCommitted, j => j.FileSize)
                    .SetProperty(j => j.RunnerId, (string?)null)
                    .SetProperty(j => j.LeaseUntil, (DateTime?)null),
                ct);
            if (completed == 0)
            {
                throw new LeaseLostException();
            }

            File.Delete(ImportFile.PathOf(options.Value.DataDirectory, jobId));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            db.ChangeTracker.Clear();
            await db.ImportJobs.Where(j => j.Id == jobId && j.RunnerId == runnerId && j.Status == ImportStatus.Running).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.Status, ImportStatus.Pending)
                    .SetProperty(j => j.RunnerId, (string?)null)
                    .SetProperty(j => j.LeaseUntil, (DateTime?)null),
                CancellationToken.None);
            throw;
        }
        catch (LeaseLostException)
        {
            log.LogWarning("Import {JobId}: another runner took the job over; this one stops", jobId);
        }
        catch (Exception e)
        {
            // Expected failures (a file that cannot be read on, a database that went away) and bugs alike leave the
            // job Failed with the reason, resumable from its checkpoint; the rows before it stay committed.
            log.LogError(e, "Import {JobId} failed", jobId);
            db.ChangeTracker.Clear();
            var message = ImportJob.Clip(e is ImportFailedException or CsvFormatException ? e.Message : $"unexpected error: {e.Message}", 2000);
            await db.ImportJobs.Where(j => j.Id == jobId && j.RunnerId == runnerId).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.Status, ImportStatus.Failed)
                    .SetProperty(j => j.Error, message)
                    .SetProperty(j => j.RunnerId, (string?)null)
                    .SetProperty(j => j.LeaseUntil, (DateTime?)null),
                CancellationToken.None);
        }
        finally
        {
            running.Finish(jobId);
        }

        return ImportJobView.From(await db.ImportJobs.AsNoTracking().FirstAsync(j => j.Id == jobId, CancellationToken.None));
    }

    /// <summary>
    /// ═══ HOOK: hygiene and enrichment ═══ Every valid row passes here after normalization and validation and before
    /// dedupe. Return the details to import (enriched) and a junk verdict when the row is junk: such a row becomes a
    /// lead in Junk (moved there by <c>System "hygiene"</c>), never merges into a real lead, and counts as junk.
    /// Runs on the reading task, not the writing one: it must not use the import's <see cref="HandoffDb"/>. Rows
    /// that an earlier run of the job committed are not screened again when it resumes.
    /// </summary>

    private async Task<bool> ClaimAsync(Guid jobId, string runnerId, CancellationToken ct)
    {
        var now = Now();
        var leaseUntil = now + Lease;
        var claimed = await db.ImportJobs
            .Where(j => j.Id == jobId
                && (j.Status == ImportStatus.Pending
                    || (j.Status == ImportStatus.Running && (j.RunnerId == runnerId || j.LeaseUntil < now))))
            .ExecuteUpdateAsync(
                s => s.SetProperty(j => j.Status, ImportStatus.Running)
                    .SetProperty(j => j.RunnerId, runnerId)
                    .SetProperty(j => j.LeaseUntil, leaseUntil)
                    .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now)
                    .SetProperty(j => j.Error, (string?)null),
                ct);
        return claimed == 1;
    }

    private async Task ImportAsync(ImportJob job, string runnerId, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var path = ImportFile.PathOf(options.Value.DataDirectory, job.Id);
        if (!File.Exists(path))
        {
            throw new ImportFailedException($"the file of this import is gone ({path}); upload the same file again to resume");
        }

        var mapping = ImportMapping.FromColumns(job.Columns());
        var owner = new Owner(OwnerKind.Queue, await fallback.IdAsync(db, ct));

        // One connection for the whole run. On SQLite it gets a bigger page cache while importing: the default 2 MB
        // thrashes on the eight indexes of leads once the table outgrows it.
        await db.Database.OpenConnectionAsync(ct);
        var sqlite = db.IsSqlite;
        using var bulk = sqlite ? gate.BulkWriter() : null;
        if (sqlite)
        {
            // Checkpoints copy the WAL back into the database file and sync it; letting the WAL grow to ~400 MB
            // between them writes each hot index page back once instead of once per batch.
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -131072; PRAGMA wal_autocheckpoint = 100000;", ct);
        }

        try
        {
            await ImportRowsAsync(job, runnerId, mapping, owner, path, progress, ct);
        }
        finally
        {
            try
            {
                if (sqlite)
                {
                    // A cancelled run skips the checkpoint: copying a WAL of up to 400 MB back takes seconds, and the
                    // job must be back to Pending before the process exits (Ctrl+C in the CLI). SQLite checkpoints it
                    // at a later write instead.
                    await db.Database.ExecuteSqlRawAsync(
                        ct.IsCancellationRequested
                            ? "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000;"
                            : "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000; PRAGMA wal_checkpoint(PASSIVE);",
                        CancellationToken.None);
                }

                await db.Database.CloseConnectionAsync();
            }
            catch (System.Data.Common.DbException e)
            {
                // The connection is going anyway; the import's own outcome (or exception) is what matters.
                log.LogWarning(e, "Import {JobId}: could not restore the connection settings", job.Id);
            }
        }
    }

    private async Task ImportRowsAsync(ImportJob job, string runnerId, ImportMapping mapping, Owner owner, string path, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        _timings = new ImportTimings();
        _values = new BulkValues(db.Model);
        _rules = job.Automation ? await automation.RulesAsync(Now(), ct) : null;
        var rowsPerTransaction = RowsPerTransaction ?? (db.IsSqlite ? SqliteRowsPerTransaction : PostgresRowsPerTransaction);
        await using var writer = new BatchWriter(this, db, gate, job, runnerId, owner, BulkInsert.For(db), rowsPerTransaction);
        var started = Stopwatch.GetTimestamp();
        await writer.LoadKnownKeysAsync(ct);
        started = _timings.Add("load open keys", started);
        _accounts = await ImportAccounts.LoadAsync(db, ct);
        _timings.Add("load accounts", started);
        if (AfterKeysLoaded is { } loaded)
        {
            await loaded();
        }

        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(() => ReadAsync(path, mapping, job, owner, batches.Writer, stopReading.Token), stopReading.Token);
        try
        {
            while (await NextBatchAsync())
            {
                var batch = await batches.Reader.ReadAsync(ct);
                if (batch.Replayed)
                {
                    writer.Replay(batch);
                    await RenewLeaseAsync(job.Id, runnerId, ct);
                    continue;
                }

                // Progress moves with every batch written, before its commit; the counts and the checkpoint move only
                // with commits.
                await writer.WriteAsync(batch, ct);
                Report(Fraction());
                if (await writer.CommitIfDueAsync(ct))
                {
                    Report(Fraction());
                }
            }

            if (await writer.CommitAsync(ct))
            {
                Report(1);
            }

            log.LogInformation("Import {JobId} phases: {Timings}", job.Id, _timings);
        }
        finally
        {
            await stopReading.CancelAsync();
            try
            {
                await reading;
            }
            catch (OperationCanceledException)
            {
                // The reader stops when the writer does; the writer's exception (if any) is the one that matters.
            }
        }

        double Fraction() => job.FileSize == 0 ? 1 : Math.Min(1, (double)writer.BytesWritten / job.FileSize);

        // While the writer waits for the reader with a transaction open, it holds SQLite's write turn: a writer that
        // comes to wait for it then gets it at once (the open batches commit), not after the next batch is written.
        async Task<bool> NextBatchAsync()
        {
            var ready = batches.Reader.WaitToReadAsync(ct).AsTask();
            while (!ready.IsCompleted && writer.InTransaction)
            {
                await Task.WhenAny(ready, Task.Delay(ReaderWaitPoll, ct));
                if (!ready.IsCompleted && gate.HasWaiters && await writer.CommitAsync(ct))
                {
                    Report(Fraction());
                }
            }

            return await ready;
        }

        void Report(double fraction)
        {
            var now = new ImportProgress(writer.Counts, writer.LastRow, writer.RowsWritten, fraction);
            running.Report(job.Id, now);
            progress?.Report(now);
        }
    }

    /// <summary>
    /// Reads the file and prepares its rows in batches, with the lead each valid row would create: that work does not
    /// depend on the database, so it runs here, beside the writer. Rows up to the job's checkpoint were committed by
    /// an earlier run: they are prepared again only to learn their email keys (for in-file duplicate counts).
    /// </summary>
    /// <remarks>
    /// A row is numbered as a spreadsheet shows it (the header is row 1, an empty line is a row of its own, a line
    /// break inside a quoted cell is not) and carries the line of the file it starts on (as an editor shows it). The
    /// checkpoint is found by bytes: a row is committed when it starts before <see cref="ImportJob.BytesCommitted"/>,
    /// which does not depend on how rows are numbered (jobs checkpointed while empty lines were not counted resume
    /// right).
    /// </remarks>
    private async Task ReadAsync(string path, ImportMapping mapping, ImportJob job, Owner owner, ChannelWriter<Batch> output, CancellationToken ct)
    {
        try
        {
            var committedBytes = job.BytesCommitted;
            var actor = job.Actor;
            var malformed = new Dictionary<long, CsvMalformedRecord>();
            await using var reader = CsvReader.FromFile(path, ImportFile.ReaderOptions(m => malformed[m.RecordNumber] = m));
            await reader.ReadHeaderAsync(ct);
            var width = reader.Headers.Count;
            var headerEnds = reader.LineNumber + reader.Headers.Sum(h => LineBreaks(h.AsSpan()));
            long breaksInRows = 0;
            var values = new string[width];
            var rows = new List<PreparedRow>(BatchSize);
            var replaying = committedBytes > 0;
            var at = Now();
            long bytes = 0;
            var timings = _timings;
            var mark = Stopwatch.GetTimestamp();
            var sent = 0;
            while (await reader.ReadAsync(ct))
            {
                mark = timings.Add("read: parse", mark);
                var line = checked((int)reader.LineNumber);
                var number = checked((int)(1 + line - headerEnds - breaksInRows));
                breaksInRows += LineBreaks(reader.RawRecord);
                var replay = reader.ByteOffset < committedBytes;
                if (replay != replaying || rows.Count == BatchSize)
                {
                    if (rows.Count > 0)
                    {
                        ScoreAhead(rows, replaying, at);
                        if (BeforeBatchRead is { } hook)
                        {
                            await hook(++sent);
                        }

                        mark = Stopwatch.GetTimestamp();
                        await output.WriteAsync(new Batch(rows, replaying, bytes, at), ct);
                        mark = timings.Add("read: waiting for the writer", mark);
                        rows = new List<PreparedRow>(BatchSize);
                        at = Now();
                    }

                    replaying = replay;
                }

                bytes = reader.ByteOffset + reader.RawRecord.Length + 1;
                if (IsBlank(reader, malformed))
                {
                    continue; // a spreadsheet's empty row (",,,"): skipped as an empty line is, not a rejected row
                }

                var row = Prepare(reader, new RowAt(number, line), width, values, mapping, malformed);
                mark = timings.Add("read: map, validate, screen", mark);
                if (!replay && row.Details is { } details)
                {
                    row.Draft = Draft.Of(details, row.Junk, owner, actor, at, enricher, _accounts, automated: _rules is not null, _values!, timings);
                    row.Account = row.Draft.Lead.AccountId;
                    mark = Stopwatch.GetTimestamp();
                }

                rows.Add(row);
            }

            if (rows.Count > 0)
            {
                ScoreAhead(rows, replaying, at);
                await output.WriteAsync(new Batch(rows, replaying, bytes, at), ct);
            }

            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
        }
    }

    /// <summary>
    /// With the lead automations on, the reading task runs their first steps (touch, score, MQL check) on each new lead
    /// of a complete batch that no later row of the same batch can merge into (its email key is the only one of the
    /// batch, or it has none): they depend on the lead alone, and this thread would otherwise wait for the writer. The
    /// writer runs them itself for the others, after its dedupe, then routes and starts clocks for all.
    /// </summary>
    private void ScoreAhead(List<PreparedRow> rows, bool replayed, DateTime at)
    {
        if (_rules is not { } rules || replayed)
        {
            return;
        }

        var mark = Stopwatch.GetTimestamp();
        var keys = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Key is { } key)
            {
                keys[key] = keys.GetValueOrDefault(key) + 1;
            }
        }

        foreach (var row in rows)
        {
            if (row.Draft is { Junk: false } draft && (row.Key is null || keys[row.Key] == 1))
            {
                draft.Ahead = rules.ScoreAndCheck(draft.Lead, _accounts.Of(draft.Lead.AccountId), row.Details!, at);

                // Scored and checked, the lead changes only if routing gives it an owner: its values are read here, and
                // the writer then rewrites only the owner's columns (BulkValues.Refresh).
                draft.LeadValues = _values!.Of(draft.Lead);
            }
        }

        _timings.Add("read: score and MQL-check ahead", mark);
    }

    /// <summary>The line breaks in <paramref name="text"/>: CR, LF and CR LF each count once, as the reader counts lines.</summary>
    private static int LineBreaks<T>(ReadOnlySpan<T> text)
        where T : unmanaged, IEquatable<T>, INumberBase<T>
    {
        T cr = T.CreateTruncating('\r'), lf = T.CreateTruncating('\n');
        var breaks = 0;
        for (var at = text.IndexOfAny(cr, lf); at >= 0; at = text.IndexOfAny(cr, lf))
        {
            breaks++;
            var crLf = text[at].Equals(cr) && at + 1 < text.Length && text[at + 1].Equals(lf);
            text = text[(at + (crLf ? 2 : 1))..];
        }

        return breaks;
    }

    /// <summary>The bytes a record of empty cells is made of: the separators, quotes, spaces and line breaks.</summary>
    private static readonly System.Buffers.SearchValues<byte> BlankRecordBytes = System.Buffers.SearchValues.Create(",;\t| \"\r\n"u8);

    /// <summary>
    /// A record whose every cell is empty or blank: what Excel writes for the empty rows of a formatted range
    /// (<c>,,,</c>). A spreadsheet shows it as an empty row, so it is skipped as an empty line is, whatever its width.
    /// </summary>
    private static bool IsBlank(CsvReader reader, Dictionary<long, CsvMalformedRecord> malformed)
    {
        if (reader.RawRecord.IndexOfAnyExcept(BlankRecordBytes) >= 0 || malformed.ContainsKey(reader.RowNumber + 1))
        {
            return false;
        }

        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (!string.IsNullOrWhiteSpace(reader.GetString(i)))
            {
                return false;
            }
        }

        return true;
    }

    private PreparedRow Prepare(CsvReader reader, RowAt position, int width, string[] values, ImportMapping mapping, Dictionary<long, CsvMalformedRecord> malformed)
    {
        // The reader reports malformed records by its own count: the header is record 1, empty lines are not counted.
        if (malformed.Remove(reader.RowNumber + 1, out var bad) && bad.Reason != CsvMalformedReason.StrayQuote)
        {
            // A quote inside an unquoted value (O"Brien) is kept as text, as spreadsheets do; other quoting is broken.
            var why = bad.Reason switch
            {
                CsvMalformedReason.TextAfterClosingQuote => "broken quoting: text after the closing quote of a field",
                CsvMalformedReason.UnterminatedQuote => "broken quoting: a quoted field is never closed, so it runs to the end of the file",
                _ => $"broken quoting ({bad.Reason})",
            };
            var lines = $" (starts on line {position.Line})";
            return PreparedRow.Rejected(position, new RowProblem(null, why + lines, System.Text.Encoding.UTF8.GetString(reader.RawRecord)));
        }

        if (reader.FieldCount != width)
        {
            return PreparedRow.Rejected(
                position,
                new RowProblem(null, $"has {reader.FieldCount} columns but the header has {width}", System.Text.Encoding.UTF8.GetString(reader.RawRecord)));
        }

        for (var i = 0; i < width; i++)
        {
            values[i] = reader.GetString(i);
        }

        var (details, problems) = mapping.Map(values);
        if (details is null)
        {
            return new PreparedRow(position, null, null, null, problems);
        }

        // Rows replayed on resume are screened too: a junk row has no email key, and a replayed one that had one marked
        // its person as seen in the file, so a later row of that person counted as a duplicate instead of a merge and
        // its touch was lost. The screen is capture's; the honeypot and person-only checks are for forms.
        var junk = junkClassifier.Screen(details);
        return new PreparedRow(position, details, junk is null ? EmailKeys.Of(details.Email) : null, junk, null);
    }

    private async Task RenewLeaseAsync(Guid jobId, string runnerId, CancellationToken ct)
    {
        var leaseUntil = Now() + Lease;
        var renewed = await db.ImportJobs.Where(j => j.Id == jobId && j.RunnerId == runnerId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, leaseUntil), ct);
        if (renewed == 0)
        {
            throw new LeaseLostException();
        }
    }

    internal LeadEnricher Enricher => enricher;

    internal ImportAutomation Automation => automation;

    internal LeadAutomations Chain => chain;

    internal DateTime Now() => clock.GetUtcNow().UtcDateTime;

    /// <summary>Where a row is: its number as a spreadsheet shows it (the header is row 1) and the line of the file it starts on.</summary>
    private readonly record struct RowAt(int Number, int Line);

    /// <summary>One row, ready for the writer: valid details (and its email key and junk verdict), or its problems.</summary>
    private sealed class PreparedRow(RowAt at, LeadDetails? details, string? key, JunkVerdict? junk, List<RowProblem>? problems)
    {
        public int Number => at.Number;
        public int Line => at.Line;
        public LeadDetails? Details => details;
        public string? Key => key;
        public JunkVerdict? Junk => junk;
        public List<RowProblem>? Problems => problems;

        /// <summary>The lead the row creates if it turns out to be new, made ahead by the reader.</summary>
        public Draft? Draft { get; set; }

        /// <summary>The account the row's company domain matches (a merged row links it to a lead that has none), if any.</summary>
        public Guid? Account { get; set; }

        public static PreparedRow Rejected(RowAt at, RowProblem problem) => new(at, null, null, null, [problem]);

        /// <summary>
        /// The draft made ahead, once: a batch that runs again (after a conflict) makes fresh ones, since the first
        /// attempt may have merged later rows into its drafts.
        /// </summary>
        public Draft TakeDraft(Owner owner, Actor actor, DateTime at, LeadEnricher enricher, ImportAccounts accounts, bool automated, BulkValues values)
        {
            var draft = Draft ?? Draft.Of(Details!, Junk, owner, actor, at, enricher, accounts, automated, values);
            Draft = null;
            return draft;
        }
    }

    /// <summary>
    /// A new lead with its history, exactly as capture makes them (in Junk when screened out, linked to the account of
    /// its domain), and the column values the bulk insert writes for them, read ahead so that the writer only binds
    /// them. The lead's own values are read only once the reader scored and MQL-checked it when the automations run
    /// (null when it could not: the writer reads them).
    /// </summary>
    private sealed record Draft(Lead Lead, StageChange[] Changes, bool Junk, object?[][] ChangeValues)
    {
        public object?[]? LeadValues { get; set; }

        /// <summary>The first automation steps, when the reader ran them (<see cref="ScoreAhead"/>).</summary>
        public ImportedTouch? Ahead { get; set; }

        public static Draft Of(LeadDetails details, JunkVerdict? junk, Owner owner, Actor actor, DateTime at, LeadEnricher enricher, ImportAccounts accounts, bool automated, BulkValues values, ImportTimings? timings = null)
        {
            var mark = Stopwatch.GetTimestamp();
            var enrichment = enricher.Of(details);
            mark = timings?.Add("read: enrich", mark) ?? 0;
            var (lead, created) = Lead.Capture(details, owner, actor, at, enrichment);
            if (accounts.Match(enrichment) is { } account)
            {
                lead.LinkAccount(account.Id); // as capture links it, junk included
            }

            StageChange[] changes = [created];
            if (junk is { } verdict)
            {
                // Junk never merges into a real lead: it is kept apart, in Junk, for review (as capture does).
                changes = [created, lead.MoveTo(LeadStage.Junk, Actor.System("hygiene"), at, verdict.Reason, verdict.Detail, null).Value!];
            }

            mark = timings?.Add("read: draft lead", mark) ?? 0;
            var draft = new Draft(lead, changes, junk is not null, Array.ConvertAll(changes, values.Of))
            {
                LeadValues = automated && junk is null ? null : values.Of(lead),
            };
            timings?.Add("read: column values", mark);
            return draft;
        }
    }

    /// <summary>Consecutive rows, prepared at <see cref="At"/>; <see cref="BytesRead"/> is how far into the file the last one ends.</summary>
    private sealed record Batch(List<PreparedRow> Rows, bool Replayed, long BytesRead, DateTime At);

    /// <summary>The writing side of one run: what it has seen so far, and how each batch becomes rows in the database.</summary>
    private sealed class BatchWriter(RunImport run, HandoffDb db, SqliteWriteGate gate, ImportJob job, string runnerId, Owner owner, IBulkInsert bulk, int rowsPerTransaction)
        : IAsyncDisposable
    {
        /// <summary>64-bit hashes of the email keys of the file so far: 8 bytes a row instead of the key itself.</summary>
        private readonly HashSet<ulong> _seen = [];

        /// <summary>
        /// Hashes of the keys that had an open lead when the run started (null when there are too many): with
        /// <see cref="_seen"/>, every key that may have an open lead now. A lead opened since by someone else is
        /// missed here; inserting its twin then violates the one-open-lead index, and the batch runs again with a
        /// full lookup.
        /// </summary>
        private HashSet<ulong>? _known = [];

        /// <summary>The batches written in the open transaction, kept until it commits in case they must run again.</summary>
        private readonly List<Batch> _open = [];
        private readonly HashSet<ulong> _openKeys = [];
        private IDbContextTransaction? _transaction;

        /// <summary>SQLite's write turn, held from the transaction's start to its end (null on PostgreSQL).</summary>
        private IDisposable? _turn;
        private ImportCounts _openCounts;
        private int _batches;
        private int _commits;

        public ImportCounts Counts { get; private set; } = job.Counts;

        public int LastRow { get; private set; } = job.LastCommittedRow;

        public long BytesCommitted { get; private set; } = job.BytesCommitted;

        /// <summary>The rows written so far, committed or in the open transaction.</summary>
        public int RowsWritten => Counts.TotalRows + _openCounts.TotalRows;

        /// <summary>How far into the file the rows written so far reach, committed or not.</summary>
        public long BytesWritten => _open.Count > 0 ? _open[^1].BytesRead : BytesCommitted;

        public async Task LoadKnownKeysAsync(CancellationToken ct)
        {
            var keys = db.Leads.AsNoTracking()
                .Where(l => l.EmailKey != null && StageRules.OpenStages.Contains(l.Stage))
                .Select(l => l.EmailKey!)
                .AsAsyncEnumerable();
            await foreach (var key in keys.WithCancellation(ct))
            {
                if (_known!.Count == MaxKnownKeys)
                {
                    _known = null;
                    break;
                }

                _known.Add(Hash(key));
            }
        }

        public void Replay(Batch batch)
        {
            foreach (var row in batch.Rows)
            {
                if (row.Key is not null)
                {
                    _seen.Add(Hash(row.Key));
                }
            }
        }

        /// <summary>Writes the batch in the open transaction (beginning one if none is open); see <see cref="CommitIfDueAsync"/>.</summary>
        public async Task WriteAsync(Batch batch, CancellationToken ct)
        {
            _batches++;
            _open.Add(batch);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    if (_transaction is null)
                    {
                        _turn = await gate.EnterAsync(db, ct);
                        _transaction = await db.Database.BeginTransactionAsync(ct);

                        // A failed write rolls the whole transaction back (below), so EF's savepoint around each save
                        // would buy nothing, and SQLite copies every page first changed within a savepoint to its journal.
                        db.Database.AutoSavepointsEnabled = false;
                    }

                    if (attempt == 1)
                    {
                        await WriteOnceAsync(batch, fullLookup: false, ct);
                    }
                    else
                    {
                        foreach (var again in _open)
                        {
                            await WriteOnceAsync(again, fullLookup: true, ct);
                        }
                    }

                    break;
                }
                catch (Exception e) when (attempt < MaxAttempts && IsConflict(e))
                {
                    // A capture created or changed one of these people between a lookup and the write: roll back
                    // and write the open batches again against the current leads.
                    await RollbackAsync();
                }
            }
        }

        /// <summary>A transaction is open (on SQLite: the run holds the write turn).</summary>
        public bool InTransaction => _transaction is not null;

        /// <summary>Commits when the open transaction holds enough rows, or someone waits for SQLite's write turn; true when it did.</summary>
        public async Task<bool> CommitIfDueAsync(CancellationToken ct)
        {
            // A capture (or a rescore's chunk) waiting for the write turn gets it after this batch, not after the whole
            // transaction: captures queued behind an import of 300,000 rows waited up to 28 s (SQLite's busy handler
            // almost never caught the moment between one transaction and the next).
            return (_openCounts.TotalRows >= rowsPerTransaction || gate.HasWaiters) && await CommitAsync(ct);
        }

        /// <summary>Commits the open transaction with the job's counts and checkpoint; false when none is open.</summary>
        public async Task<bool> CommitAsync(CancellationToken ct)
        {
            if (_transaction is null)
            {
                return false;
            }

            if (run.BeforeCommit is { } hook)
            {
                await hook(_batches);
            }

            var started = Stopwatch.GetTimestamp();
            await _transaction.CommitAsync(ct);
            started = run._timings.Add("write: commit", started);
            await _transaction.DisposeAsync();
            _transaction = null;
            PassTurn();
            _commits++;
            Counts += _openCounts;
            LastRow = _open[^1].Rows[^1].Number;
            BytesCommitted = _open[^1].BytesRead;
            _seen.UnionWith(_openKeys);
            ResetOpen();
            await RefreshStatisticsAsync(ct);
            started = run._timings.Add("write: analyze", started);
            if (db.IsSqlite)
            {
                MallocArenas.Trim(); // SQLite's page cache is native memory: hand back what the commit freed
                run._timings.Add("write: trim", started);
            }

            return true;
        }

        public async ValueTask DisposeAsync() => await RollbackAsync();

        private async Task RollbackAsync()
        {
            if (_transaction is not null)
            {
                await _transaction.DisposeAsync(); // rolls back
                _transaction = null;
            }

            PassTurn();
            db.ChangeTracker.Clear();
            _openCounts = default;
            _openKeys.Clear();
        }

        private void PassTurn()
        {
            _turn?.Dispose();
            _turn = null;
        }

        private void ResetOpen()
        {
            _open.Clear();
            _openKeys.Clear();
            _openCounts = default;
        }

        private async Task WriteOnceAsync(Batch batch, bool fullLookup, CancellationToken ct)
        {
            var timings = run._timings;
            var values = run._values!;
            var mark = Stopwatch.GetTimestamp();
            var at = batch.At;
            var actor = job.Actor;
            var keys = batch.Rows.Where(r => r.Key is not null).Select(r => r.Key!)
                .Where(k => fullLookup || _known is null || Seen(k) || _known.Contains(Hash(k)))
                .Distinct().ToList();

            // One query for the whole batch. Open stages are picked here rather than in SQL: with the stage in the
            // WHERE clause SQLite chooses the stage index and scans every open lead.
            var open = keys.Count == 0
                ? []
                : (await db.Leads.Where(l => EF.Parameter(keys).Contains(l.EmailKey!)).ToListAsync(ct))
                    .Where(l => StageRules.IsOpen(l.Stage))
                    .ToDictionary(l => l.EmailKey!, StringComparer.Ordinal);

            mark = timings.Add("write: look up open leads", mark);

            // The lead automations (job.Automation): new leads get them in bulk after the dedupe below; a row merged into
            // a lead that is in the database already runs the chain on that lead as a capture of a known person does.
            var automate = run._rules is not null;
            var automated = new List<(Lead Lead, LeadDetails Details, ImportedTouch? Ahead)>();
            var pending = new Dictionary<string, Lead>(StringComparer.Ordinal);
            var batchKeys = new HashSet<string>(StringComparer.Ordinal);
            var leads = new List<Draft>(batch.Rows.Count);
            var changes = new List<object?[]>(batch.Rows.Count);
            var remade = new HashSet<Lead>(ReferenceEqualityComparer.Instance);
            var routed = new HashSet<Lead>(ReferenceEqualityComparer.Instance);
            var audits = new List<AuditEntry>();
            var outbox = new List<OutboxMessage>();
            var createdIds = new List<Guid>(batch.Rows.Count);
            var junkIds = new List<Guid>();
            var errors = new List<ImportRowError>();
            int imported = 0, merged = 0, duplicates = 0, rejected = 0, junk = 0;

            foreach (var row in batch.Rows)
            {
                if (row.Details is not { } details)
                {
                    rejected++;
                    errors.AddRange(row.Problems!.Select(p => ImportRowError.Create(job.Id, row.Number, row.Line, p.Column, p.Reason, p.Value)));
                    continue;
                }

                if (row.Junk is not null)
                {
                    Create(row);
                    junk++;
                    continue;
                }

                var key = row.Key;
                var duplicate = key is not null && (batchKeys.Contains(key) || Seen(key));
                if (key is not null && (open.TryGetValue(key, out var lead) || pending.TryGetValue(key, out lead)))
                {
                    // The same person again: survivorship as in capture (a newer non-empty value wins), with history.
                    var survived = lead.MergedWith(details);
                    var entry = lead.Update(survived, actor, at, run.Enricher.Of(survived));
                    if (lead.AccountId is null && row.Account is { } account)
                    {
                        lead.LinkAccount(account); // as a capture of a known person links an unlinked lead
                    }

                    if (!open.ContainsKey(key))
                    {
                        remade.Add(lead); // a lead of this batch: its column values were read before this merge
                    }

                    if (entry is not null)
                    {
                        audits.Add(entry);
                        outbox.Add(LeadEvents.AuditedMessage(entry));
                    }

                    if (automate && open.ContainsKey(key))
                    {
                        await RunChainAsync(lead, details, touch: !duplicate, fieldsChanged: entry is not null, ct);
                    }

                    if (duplicate)
                    {
                        duplicates++;
                    }
                    else
                    {
                        merged++;
                    }
                }
                else
                {
                    var created = Create(row);
                    if (key is not null)
                    {
                        pending[key] = created;
                    }

                    imported++;
                }

                if (key is not null)
                {
                    batchKeys.Add(key);
                }
            }

            mark = timings.Add("write: dedupe and merge", mark);

            // Merges into leads that existed before this batch are tracked updates (with their concurrency check), saved
            // before the batch routes its new leads: the turns live routing took for merged leads are then in the rosters
            // it reads. Everything new goes in through the bulk insert.
            await db.SaveChangesAsync(ct);
            mark = timings.Add("write: save merges", mark);
            var automation = run._rules is { } rules ? await run.Automation.PrepareAsync(rules, run._accounts, at, ct) : null;
            if (automation is not null)
            {
                foreach (var (lead, details, ahead) in automated)
                {
                    if (await automation.ApplyAsync(lead, details, actor, at, ahead))
                    {
                        routed.Add(lead); // its owner changed after the reader read its column values
                    }
                }

                changes.AddRange(automation.StageChanges.Select(values.Of));
                outbox.AddRange(automation.Outbox);
                mark = timings.Add("write: automation", mark);
            }

            if (leads.Count > 0)
            {
                outbox.Add(ImportEvents.LeadsImported(job.Id, batch.Rows[0].Number, batch.Rows[^1].Number, createdIds, junkIds, at));
            }

            var leadValues = leads.ConvertAll(d =>
                d.LeadValues is null || remade.Contains(d.Lead) ? values.Of(d.Lead)
                : routed.Contains(d.Lead) ? values.Refresh(d.LeadValues, d.Lead, ImportBatchAutomation.RoutedProperties)
                : d.LeadValues);
            mark = timings.Add("write: column values of changed leads", mark);

            if (automation is not null)
            {
                await run.Automation.SaveRotationAsync(automation, ct);
                mark = timings.Add("write: automation", mark);
            }

            await bulk.InsertValuesAsync<Lead>(leadValues, ct);
            mark = timings.Add("write: insert leads", mark);
            await bulk.InsertValuesAsync<StageChange>(changes, ct);
            mark = timings.Add("write: insert stage changes", mark);
            if (automation is not null)
            {
                await bulk.InsertAsync(automation.Activities, ct);
                await bulk.InsertAsync(automation.Assignments, ct);
                await bulk.InsertAsync(automation.Clocks, ct);
                mark = timings.Add("write: insert touches, assignments, clocks", mark);
            }

            await bulk.InsertAsync(audits, ct);
            outbox.RemoveAll(m => !db.Publishes(m.Type));
            await bulk.InsertAsync(outbox, ct);
            mark = timings.Add("write: insert audit, outbox", mark);
            await bulk.InsertAsync(errors, ct);

            var delta = new ImportCounts(batch.Rows.Count, imported, merged, duplicates, rejected, junk);
            var counts = Counts + _openCounts + delta;
            var lastRow = batch.Rows[^1].Number;
            var leaseUntil = at + Lease;
            var saved = await db.ImportJobs.Where(j => j.Id == job.Id && j.RunnerId == runnerId).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.TotalRows, counts.TotalRows)
                    .SetProperty(j => j.Imported, counts.Imported)
                    .SetProperty(j => j.Merged, counts.Merged)
                    .SetProperty(j => j.Duplicates, counts.Duplicates)
                    .SetProperty(j => j.Rejected, counts.Rejected)
                    .SetProperty(j => j.Junk, counts.Junk)
                    .SetProperty(j => j.LastCommittedRow, lastRow)
                    .SetProperty(j => j.BytesCommitted, batch.BytesRead)
                    .SetProperty(j => j.LeaseUntil, leaseUntil),
                ct);
            if (saved == 0)
            {
                throw new LeaseLostException();
            }

            timings.Add("write: row errors, job counts", mark);
            db.ChangeTracker.Clear();
            foreach (var row in batch.Rows)
            {
                row.Draft = null; // the drafts of merged rows are not needed; a rerun makes fresh ones
            }

            _openCounts += delta;
            foreach (var key in batchKeys)
            {
                _openKeys.Add(Hash(key));
            }

            Lead Create(PreparedRow row)
            {
                var draft = row.TakeDraft(owner, actor, at, run.Enricher, run._accounts, automate, values);
                leads.Add(draft);
                changes.AddRange(draft.ChangeValues);
                (draft.Junk ? junkIds : createdIds).Add(draft.Lead.Id);
                if (automate && !draft.Junk)
                {
                    automated.Add((draft.Lead, row.Details!, draft.Ahead)); // junk gets no score, owner or clock
                }

                return draft.Lead;
            }
        }

        /// <summary>
        /// A row merged into a lead that is in the database already (tracked): the chain runs on it as on a capture of
        /// a known person. A row whose person the file had not named before is a touch (recorded, scored, MQL-checked; the
        /// lead is routed only when a stage move calls for it: an owned lead is never re-routed by an import); a repeat of
        /// an earlier row of the file is no second touch, and runs the chain only when it changed fields (fit score,
        /// MQL bar).
        /// </summary>
        private async Task RunChainAsync(Lead lead, LeadDetails details, bool touch, bool fieldsChanged, CancellationToken ct)
        {
            if (!touch && !fieldsChanged)
            {
                return;
            }

            var at = run.Now();
            var change = new LeadChange(lead, job.Actor, at) { FieldsChanged = fieldsChanged };
            if (touch)
            {
                var activity = ImportRules.Touch(lead, details, at);
                db.Activities.Add(activity);
                lead.Touched(at, details.Source, details.Channel, details.Campaign ?? details.UtmCampaign);
                change.Activities.Add(activity);
            }

            await run.Chain.RunAsync(change, ct);
        }

        /// <summary>
        /// PostgreSQL plans the foreign key checks of stage_changes (and the batch lookup) once per connection; planned
        /// while leads was small, they scan the table, and every batch gets slower than the one before. Fresh
        /// statistics make it plan again with index lookups: after commits 1, 2, 4, ... 64 (seven ANALYZEs in all).
        /// </summary>
        private async Task RefreshStatisticsAsync(CancellationToken ct)
        {
            if (db.IsSqlite || !BitOperations.IsPow2(_commits) || _commits > MaxAnalyzedCommit)
            {
                return;
            }

            var lead = db.Model.FindEntityType(typeof(Lead))!;
            var table = StoreObjectIdentifier.Table(lead.GetTableName()!, lead.GetSchema());
            var columns = string.Join(", ", new[] { nameof(Lead.Id), nameof(Lead.EmailKey) }.Select(p => $"\"{lead.FindProperty(p)!.GetColumnName(table)}\""));
            await using var command = db.Database.GetDbConnection().CreateCommand();

            // Only the columns those plans need: any ANALYZE refreshes the row and page counts, and the statistics of
            // all sixty columns cost the server far more on a large table. The lead's scores table too: the foreign
            // keys of its dependents refer to it (an EF quirk of entity splitting, see docs/architecture.md).
            command.CommandText = $"ANALYZE \"{table.Name}\" ({columns}); ANALYZE \"{LeadScoreConfiguration.Table}\" (\"{lead.FindProperty(nameof(Lead.Id))!.GetColumnName(table)}\")";
            await command.ExecuteNonQueryAsync(ct);
        }

        /// <summary>Whether the key appeared earlier in the file: in a committed batch or in the open transaction.</summary>
        private bool Seen(string key)
        {
            var hash = Hash(key);
            return _seen.Contains(hash) || _openKeys.Contains(hash);
        }

        private static bool IsConflict(Exception e) => e switch
        {
            DbUpdateConcurrencyException => true,
            DbUpdateException update => DbErrors.IsUniqueViolation(update),
            PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
            SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555, // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
            _ => false,
        };

        /// <summary>FNV-1a, 64 bits: stable, and collisions among a few million keys are vanishingly rare.</summary>
        private static ulong Hash(string key)
        {
            var hash = 14695981039346656037UL;
            foreach (var c in key)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return hash;
        }
    }
}

/// <summary>An import cannot go on, for a reason its user can act on; the message says what to do.</summary>
public sealed class ImportFailedException(string message) : Exception(message);

/// <summary>Another runner took the job over (this one's lease expired): this one must stop without writing.</summary>
internal sealed class LeaseLostException() : Exception("The import job's lease was lost to another runner.");
