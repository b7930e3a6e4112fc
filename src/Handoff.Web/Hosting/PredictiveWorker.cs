using Handoff.Predictive;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// Trains queued predictive models, queues scheduled retraining and rescores changed leads. Polls on real time
/// (every <see cref="PredictiveOptions.PollSeconds"/>) and is woken at once by a training request; a lease row
/// makes sure only one node of a cluster trains.
/// </summary>
internal sealed class PredictiveWorker(IServiceScopeFactory scopes, IOptions<PredictiveOptions> options, ILogger<PredictiveWorker> log) : PollingWorker(log)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(Math.Max(options.Value.PollSeconds, 0.1));

    /// <summary>One pass now (tests and tools need not wait for the poll).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PredictiveJobs>().RunOnceAsync(RunnerId, ct);
    }

    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        await RunOnceAsync(ct);
        return false;
    }
}
