using System.Threading.Channels;
using Handoff.Scoring;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// Runs rescore jobs in the background (queued by an activation, or left by a runner that died), and sweeps leads
/// no model has scored yet (imports skip the scoring step). Polls on real time, is woken at once by an activation,
/// and never blocks capture: it writes in batches, each in its own short transaction.
/// </summary>
internal sealed class RescoreWorker(IServiceScopeFactory scopes, IOptions<RescoreOptions> options, ILogger<RescoreWorker> log) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>This process, as the holder of job claims.</summary>
    public string RunnerId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Asks the worker to look for work now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>One pass: runs every queued job, then scores leads the active model has not scored. Tests call it directly.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var rescore = scope.ServiceProvider.GetRequiredService<RescoreLeads>();
            while (await rescore.ClaimAsync(RunnerId, ct) is { } id)
            {
                var job = await rescore.RunJobAsync(id, RunnerId, ct);
                log.LogInformation("Rescore {JobId} (model version {Version}): {Status}, {Done} leads {Error}", id, job.ModelVersion, job.Status, job.Done, job.Error);
            }
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            var active = await scope.ServiceProvider.GetRequiredService<ActiveScoring>().GetAsync(ct, fresh: true);
            var rescore = scope.ServiceProvider.GetRequiredService<RescoreLeads>();
            if (active is not null && !await rescore.AnyJobOpenAsync(ct) && await rescore.AnyStaleAsync(active.Version, ct))
            {
                var swept = await rescore.RescoreStaleAsync(active, progress: null, ct);
                log.LogInformation("Scored {Count} leads that model version {Version} had not scored (imports)", swept, active.Version);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database may be away for a moment; the next round tries again.
                log.LogError(e, "Rescore worker: could not look for or run rescore jobs");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(options.Value.PollInterval);
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
}
