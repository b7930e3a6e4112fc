using Handoff.Notifications;
using Handoff.Sla;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>Registers the SLA sweep and the delivery worker, each also reachable as a service for "run once now".</summary>
internal static class SlaWorkerRegistration
{
    public static void AddSlaWorkers(this IServiceCollection services)
    {
        services.AddSingleton<SlaSweepWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<SlaSweepWorker>());
        services.AddSingleton<DeliveryWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<DeliveryWorker>());
    }
}

/// <summary>
/// Sweeps due service-level clocks every <see cref="SlaOptions.SweepIntervalSeconds"/> of real time, reading "now"
/// from the app's TimeProvider. Every node runs one; they share the work through row locks (see <see cref="SlaSweep"/>).
/// </summary>
public sealed class SlaSweepWorker(IServiceScopeFactory scopes, IOptions<SlaOptions> options, ILogger<SlaSweepWorker> log) : BackgroundService
{
    /// <summary>One sweep now (tests, and operators through the API).</summary>
    public async Task<SweepResult> SweepOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SlaSweep>().RunOnceAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SweepEnabled)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(Math.Max(0.1, options.Value.SweepIntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            var full = false;
            try
            {
                var result = await SweepOnceAsync(stoppingToken);
                full = result.Due >= options.Value.SweepBatchSize;
                if (result.Escalations > 0 || result.AtRisk > 0)
                {
                    log.LogInformation("SLA sweep: {Due} due, {AtRisk} at risk, {Escalations} escalation steps", result.Due, result.AtRisk, result.Escalations);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "SLA sweep failed; trying again in {Interval}", interval);
            }

            if (!full)
            {
                await Task.Delay(interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}

/// <summary>
/// Delivers what the outbox and the notifications hold: webhook fan-out and POSTs, and notification email. Polls on
/// real time; retries are scheduled on the app's TimeProvider.
/// </summary>
public sealed class DeliveryWorker(IServiceScopeFactory scopes, IOptions<DeliveryOptions> options, ILogger<DeliveryWorker> log) : BackgroundService
{
    private const int Batch = 100;

    /// <summary>One round now: fan out pending events, POST due webhooks, send due email. Returns the work done.</summary>
    public async Task<int> DeliverOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var webhooks = scope.ServiceProvider.GetRequiredService<WebhookDispatch>();
        var done = await webhooks.FanOutAsync(Batch * 10, ct);
        done += await webhooks.DeliverDueAsync(Batch, ct);
        done += await scope.ServiceProvider.GetRequiredService<EmailDelivery>().SendDueAsync(Batch, ct);
        return done;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(Math.Max(0.1, options.Value.IntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            var done = 0;
            try
            {
                done = await DeliverOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "Delivery round failed; trying again in {Interval}", interval);
            }

            if (done == 0)
            {
                await Task.Delay(interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
