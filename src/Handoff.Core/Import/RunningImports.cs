using System.Collections.Concurrent;

namespace Handoff.Import;

/// <summary>
/// The progress of the imports running in this process, batch by batch. The job's row moves only when a transaction
/// commits, and one holds 25 batches (25,000 rows) on SQLite, five on PostgreSQL; writing progress to the database between commits
/// would take the write lock the import holds, or a write per batch. The API shows these figures for a job this
/// process runs; other processes (another web node on PostgreSQL, which commits every 5,000 rows) show the committed ones.
/// </summary>
public sealed class RunningImports
{
    private readonly ConcurrentDictionary<Guid, ImportProgress> _progress = new();

    /// <summary>The job as the API shows it: with the progress of the batches written so far when this process runs it.</summary>
    public ImportJobView Show(ImportJobView job) =>
        job.Status == ImportStatus.Running && _progress.TryGetValue(job.Id, out var now) && now.RowsProcessed >= job.RowsProcessed
            ? job with { Progress = Math.Round(now.Fraction, 4), RowsProcessed = now.RowsProcessed }
            : job;

    internal void Report(Guid jobId, ImportProgress progress) => _progress[jobId] = progress;

    internal void Finish(Guid jobId) => _progress.TryRemove(jobId, out _);
}
