using System.Threading.Channels;
using Handoff.Predictive;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// Trains queued predictive models, queues scheduled retraining and rescores changed leads. Polls on real time
/// (every <see cref="PredictiveOptions.PollSeconds"/>) and is woken at once by a training request; a lease row
/// makes sure only one node of a cluster trains.
/// </summary>
internal sealed class PredictiveWorker(IServiceScopeFactory scopes, IOptions<PredictiveOptions> options, ILogger<PredictiveWorker> log) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>This process, as the holder of the training lease.</summary>
    public string Holder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Asks the worker to look for work now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>One pass now (tests and tools need not wait for the poll).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PredictiveJobs>().RunOnceAsync(Holder, ct);
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
                log.LogError(e, "Predictive worker: a pass failed");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(options.Value.PollSeconds, 0.1)));
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
