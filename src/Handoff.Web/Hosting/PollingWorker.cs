using System.Threading.Channels;

namespace Handoff.Web.Hosting;

/// <summary>
/// The loop the job workers share: run a pass, then wait for <see cref="Interval"/> of real time or a
/// <see cref="Wake"/>, whichever comes first. A failed pass is logged and tried again next round (the database may
/// be away for a moment).
/// </summary>
internal abstract class PollingWorker(ILogger log) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>This process, as the holder of job claims and leases.</summary>
    public string RunnerId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Asks the worker to look for work now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>How long to wait between passes when nobody wakes the worker.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One pass; true when more work may be waiting, so the next pass starts without a wait.</summary>
    protected abstract Task<bool> PassAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The wait for a wake outlives a round that ended by time, so that waits do not pile up on the channel; the
        // rounds wait without exceptions (a cancelled read per idle round was the process's most frequent exception).
        Task<bool>? woken = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                more = await PassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "{Worker}: a pass failed; trying again next round", GetType().Name);
            }

            if (more)
            {
                continue;
            }

            woken ??= _wake.Reader.WaitToReadAsync(stoppingToken).AsTask();
            if (await Task.WhenAny(woken, Task.Delay(Interval, stoppingToken)) == woken)
            {
                _wake.Reader.TryRead(out _);
                woken = null;
            }
        }
    }
}
