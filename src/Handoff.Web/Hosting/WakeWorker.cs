using Handoff.Qualification;

namespace Handoff.Web.Hosting;

/// <summary>Wakes recycled leads on their date. Polls on real time; "now" is the app's TimeProvider.</summary>
internal sealed class WakeWorker(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<WakeWorker> log) : BackgroundService
{
    /// <summary>Runs one pass now (tests call this instead of waiting).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var wake = scope.ServiceProvider.GetRequiredService<WakeSleepingLeads>();
        var total = 0;
        int woke;
        do
        {
            woke = await wake.RunOnceAsync(200, ct);
            total += woke;
        }
        while (woke == 200);
        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue("Handoff:Qualification:WakeIntervalSeconds", 30));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, stoppingToken);
                var woke = await RunOnceAsync(stoppingToken);
                if (woke > 0)
                {
                    log.LogInformation("Woke {Count} recycled leads", woke);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "Waking recycled leads failed");
            }
        }
    }
}
