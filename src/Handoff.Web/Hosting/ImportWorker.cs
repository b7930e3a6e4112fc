using System.Threading.Channels;
using Handoff.Import;

namespace Handoff.Web.Hosting;

/// <summary>
/// Runs import jobs in the background, one at a time: pending ones, and running ones whose runner vanished (a killed
/// process; its lease expires <see cref="RunImport.Lease"/> after its last commit). Woken at once by a new upload,
/// and it looks for work every few seconds besides, so jobs queued on other nodes are not left waiting.
/// On shutdown the running job goes back to Pending and resumes from its checkpoint at the next start.
/// </summary>
internal sealed class ImportWorker(IServiceScopeFactory scopes, ILogger<ImportWorker> log) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>This process, as the holder of job leases.</summary>
    public string RunnerId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Asks the worker to look for jobs now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var ran = false;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var run = scope.ServiceProvider.GetRequiredService<RunImport>();
                if (await run.NextAsync(stoppingToken) is { } id)
                {
                    log.LogInformation("Import {JobId}: starting (or resuming from its checkpoint)", id);
                    var job = await run.RunAsync(id, RunnerId, progress: null, stoppingToken);
                    ran = job is not null;
                    if (job is not null)
                    {
                        log.LogInformation(
                            "Import {JobId}: {Status}; {Rows} rows: {Imported} imported, {Merged} merged, {Duplicates} duplicates, {Rejected} rejected, {Junk} junk",
                            id, job.Status, job.TotalRows, job.Imported, job.Merged, job.Duplicates, job.Rejected, job.Junk);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database may be away for a moment; the next round tries again.
                log.LogError(e, "Import worker: could not look for or run import jobs");
            }

            if (!ran)
            {
                await WaitAsync(stoppingToken);
            }
        }
    }

    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(PollInterval);
        try
        {
            await _wake.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Time to look again, or to stop (the loop checks).
        }
    }
}
