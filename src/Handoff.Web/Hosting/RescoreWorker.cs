using Handoff.Qualification;
using Handoff.Scoring;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// Runs rescore jobs in the background (queued by an activation, or left by a runner that died), and sweeps leads
/// no model has scored yet (imports skip the scoring step). Polls on real time, is woken at once by an activation,
/// and never blocks capture: it writes in batches, each in its own short transaction.
/// </summary>
internal sealed class RescoreWorker(IServiceScopeFactory scopes, IOptions<RescoreOptions> options, ILogger<RescoreWorker> log) : PollingWorker(log)
{
    protected override TimeSpan Interval => options.Value.PollInterval;

    /// <summary>One pass: runs every queued job, then scores leads the active model has not scored. Tests call it directly.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var rescore = scope.ServiceProvider.GetRequiredService<RescoreLeads>();
            while (await rescore.ClaimAsync(RunnerId, ct) is { } id)
            {
                // New scores may meet the MQL bar: those leads move before the job is Completed, not at their next touch
                // (in a scope of its own: the sweep clears its context's tracked entities, the job among them otherwise).
                var job = await rescore.RunJobAsync(id, RunnerId, async heartbeat =>
                {
                    await using var sweep = scopes.CreateAsyncScope();
                    var mqls = await sweep.ServiceProvider.GetRequiredService<MqlSweep>().RunAsync(heartbeat, ct);
                    log.LogInformation("Rescore {JobId}: {Count} leads met the MQL bar with their new scores and moved to MQL", id, mqls);
                }, ct);
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

    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        await RunOnceAsync(ct);
        return false;
    }
}
