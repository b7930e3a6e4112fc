using Handoff.Import;

namespace Handoff.Web.Hosting;

/// <summary>
/// Runs import jobs in the background, one at a time: pending ones, and running ones whose runner vanished (a killed
/// process; its lease expires <see cref="RunImport.Lease"/> after its last commit). Woken at once by a new upload,
/// and it looks for work every few seconds besides, so jobs queued on other nodes are not left waiting.
/// On shutdown the running job goes back to Pending and resumes from its checkpoint at the next start.
/// </summary>
internal sealed class ImportWorker(IServiceScopeFactory scopes, ILogger<ImportWorker> log) : PollingWorker(log)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    /// <summary>Runs the next waiting import job, if any; true when one ran (there may be another).</summary>
    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var run = scope.ServiceProvider.GetRequiredService<RunImport>();
        if (await run.NextAsync(ct) is not { } id)
        {
            return false;
        }

        log.LogInformation("Import {JobId}: starting (or resuming from its checkpoint)", id);
        var job = await run.RunAsync(id, RunnerId, progress: null, ct);
        if (job is null)
        {
            return false;
        }

        log.LogInformation(
            "Import {JobId}: {Status}; {Rows} rows: {Imported} imported, {Merged} merged, {Duplicates} duplicates, {Rejected} rejected, {Junk} junk",
            id, job.Status, job.TotalRows, job.Imported, job.Merged, job.Duplicates, job.Rejected, job.Junk);
        return true;
    }
}
