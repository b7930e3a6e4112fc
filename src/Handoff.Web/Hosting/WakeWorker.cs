using Handoff.Qualification;

namespace Handoff.Web.Hosting;

/// <summary>Wakes recycled leads on their date. Polls on real time; "now" is the app's TimeProvider.</summary>
internal sealed class WakeWorker(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<WakeWorker> log) : PollingWorker(log)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(configuration.GetValue("Handoff:Qualification:WakeIntervalSeconds", 30));

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

    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        var woke = await RunOnceAsync(ct);
        if (woke > 0)
        {
            log.LogInformation("Woke {Count} recycled leads", woke);
        }

        return false;
    }
}
