using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Import;

/// <summary>What the user asks of an import besides the file.</summary>
/// <param name="Mapping">JSON object: CSV header → lead field, <c>custom:&lt;name&gt;</c> or <c>ignore</c>.</param>
/// <param name="KeepUnmapped">Columns that map to nothing become custom fields (true) or are ignored.</param>
/// <param name="Automation">Run the lead automations (score, MQL check, routing, SLA clocks) on the imported leads (true) or only insert them.</param>
public sealed record ImportRequest(string? Mapping = null, bool KeepUnmapped = true, bool Automation = true);

/// <summary>What a start did with the file.</summary>
public enum ImportStartOutcome
{
    /// <summary>A new job, queued.</summary>
    Created,

    /// <summary>The file belongs to a job that failed or was abandoned: it is queued again and resumes from its checkpoint.</summary>
    Resumed,

    /// <summary>The file belongs to a job that is queued, running or done: nothing new happens.</summary>
    Existing,
}

public sealed record ImportStart(ImportJobView Job, ImportStartOutcome Outcome);

/// <summary>
/// Import jobs: starting one from a received file (one job per file content, so uploading the same file again is
/// harmless), reading its progress, and its error report.
/// </summary>
public sealed class ImportJobs(HandoffDb db, TimeProvider clock, IOptions<HandoffOptions> options, RunningImports running)
{
    private string DataDirectory => options.Value.DataDirectory;

    /// <summary>Streams an upload to disk, checking it is UTF-8 CSV with a header; see <see cref="ImportFile"/>.</summary>
    public Task<Result<ReceivedFile>> ReceiveAsync(Stream content, string fileName, CancellationToken ct) =>
        ImportFile.ReceiveAsync(content, fileName, DataDirectory, ct);

    /// <summary>
    /// Starts a job for <paramref name="file"/>, or finds the job that already has this content (same SHA-256): that one
    /// is answered as it is, or queued again when it failed or its runner vanished. With <paramref name="runnerId"/>
    /// (an in-process run, the CLI) a new or resumed job is claimed for that runner at once.
    /// </summary>
    public async Task<Result<ImportStart>> StartAsync(ReceivedFile file, ImportRequest request, Actor actor, string? runnerId, CancellationToken ct)
    {
        try
        {
            var existing = await db.ImportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Sha256 == file.Sha256, ct);
            if (existing is not null)
            {
                return await AttachAsync(existing, file, runnerId, ct);
            }

            var explicitMapping = ImportMapping.ParseExplicit(request.Mapping);
            if (explicitMapping.Error is { } mappingError)
            {
                return mappingError;
            }

            var mapping = ImportMapping.Resolve(file.Headers, explicitMapping.Value, request.KeepUnmapped);
            if (mapping.Error is { } error)
            {
                return error;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var job = ImportJob.Create(Ids.NewId(), file.FileName, file.Sha256, file.Size, mapping.Value!.Columns, actor, now, request.Automation);
            if (runnerId is not null)
            {
                job.ClaimFor(runnerId, now + RunImport.Lease);
            }

            var stored = ImportFile.PathOf(DataDirectory, job.Id);
            File.Move(file.Path, stored);
            db.ImportJobs.Add(job);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
            {
                // The same file was started at the same moment by another request: answer with that job.
                File.Delete(stored);
                db.ChangeTracker.Clear();
                var winner = await db.ImportJobs.AsNoTracking().FirstAsync(j => j.Sha256 == file.Sha256, ct);
                return new ImportStart(ImportJobView.From(winner), ImportStartOutcome.Existing);
            }

            return new ImportStart(ImportJobView.From(job), ImportStartOutcome.Created);
        }
        finally
        {
            File.Delete(file.Path);
        }
    }

    /// <summary>
    /// Puts the jobs that <paramref name="runnerId"/> holds back to Pending, at once: an in-process run that was
    /// stopped (Ctrl+C in the CLI) before or while it imported. They resume from their checkpoint at the next run
    /// instead of after their lease. Returns how many there were.
    /// </summary>
    public Task<int> ReleaseAsync(string runnerId) =>
        db.ImportJobs.Where(j => j.RunnerId == runnerId && j.Status == ImportStatus.Running).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, ImportStatus.Pending)
                .SetProperty(j => j.RunnerId, (string?)null)
                .SetProperty(j => j.LeaseUntil, (DateTime?)null),
            CancellationToken.None);

    /// <summary>The job, with the progress of its latest batches when this process runs it (<see cref="RunningImports"/>).</summary>
    public async Task<Result<ImportJobView>> GetAsync(Guid id, CancellationToken ct) =>
        await db.ImportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct) is { } job
            ? running.Show(ImportJobView.From(job))
            : new NotFoundError($"There is no import {id}.");

    /// <summary>The latest jobs, newest first.</summary>
    /// <summary>The most jobs one list answers.</summary>
    public const int MaxLimit = 200;

    public async Task<Result<IReadOnlyList<ImportJobView>>> ListAsync(int limit, CancellationToken ct) =>
        limit is < 1 or > MaxLimit
            ? ValidationError.For("limit", $"must be between 1 and {MaxLimit}")
            : (await db.ImportJobs.AsNoTracking().OrderByDescending(j => j.CreatedAt).Take(limit).ToListAsync(ct))
                .Select(j => running.Show(ImportJobView.From(j))).ToList();

    /// <summary>
    /// Writes the job's row errors as CSV (row, column, reason, value, line), in row order, streamed from the database.
    /// Formula cells are neutralized (<see cref="CsvSafe"/>): the values are whatever the file held.
    /// </summary>
    public async Task<bool> WriteErrorsAsync(Guid id, Stream destination, CancellationToken ct)
    {
        if (!await db.ImportJobs.AnyAsync(j => j.Id == id, ct))
        {
            return false;
        }

        await using var csv = CsvSafe.Create(destination);
        csv.WriteHeader(["row", "column", "reason", "value", "line"]);
        var errors = db.ImportRowErrors.AsNoTracking().Where(e => e.JobId == id).OrderBy(e => e.RowNumber).ThenBy(e => e.Id).AsAsyncEnumerable();
        await foreach (var error in errors.WithCancellation(ct))
        {
            csv.WriteField(error.RowNumber, []);
            csv.WriteField(error.Column);
            csv.WriteField(error.Reason);
            csv.WriteField(error.Value);
            if (error.Line > 0)
            {
                csv.WriteField(error.Line, []);
            }
            else
            {
                csv.WriteField(""); // recorded before lines were
            }

            await csv.EndRecordAsync(ct);
        }

        await csv.FlushAsync(ct);
        return true;
    }

    private async Task<ImportStart> AttachAsync(ImportJob existing, ReceivedFile file, string? runnerId, CancellationToken ct)
    {
        var stored = ImportFile.PathOf(DataDirectory, existing.Id);
        if (existing.Status != ImportStatus.Completed && !File.Exists(stored))
        {
            // Same content, so the new upload can stand in for a stored file that went missing.
            File.Move(file.Path, stored);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (!existing.IsStalled(now))
        {
            return new ImportStart(ImportJobView.From(existing), ImportStartOutcome.Existing);
        }

        // Conditional, so that two uploads (or a runner) racing for the same stalled job cannot both take it.
        var leaseUntil = now + RunImport.Lease;
        var status = runnerId is null ? ImportStatus.Pending : ImportStatus.Running;
        var requeued = await db.ImportJobs
            .Where(j => j.Id == existing.Id
                && (j.Status == ImportStatus.Failed || (j.Status == ImportStatus.Running && j.LeaseUntil < now)))
            .ExecuteUpdateAsync(
                s => s.SetProperty(j => j.Status, status)
                    .SetProperty(j => j.Error, (string?)null)
                    .SetProperty(j => j.FinishedAt, (DateTime?)null)
                    .SetProperty(j => j.RunnerId, runnerId)
                    .SetProperty(j => j.LeaseUntil, runnerId is null ? (DateTime?)null : leaseUntil),
                ct);
        var current = await db.ImportJobs.AsNoTracking().FirstAsync(j => j.Id == existing.Id, ct);
        return new ImportStart(ImportJobView.From(current), requeued == 1 ? ImportStartOutcome.Resumed : ImportStartOutcome.Existing);
    }
}
