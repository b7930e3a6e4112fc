using Handoff.Enrichment;

namespace Handoff.Web.Hosting;

/// <summary>Runs provider enrichment in the background when a provider is configured.</summary>
internal sealed class EnrichmentWorker(IServiceScopeFactory scopes, IEnumerable<IEnrichmentProvider> providers, ILogger<EnrichmentWorker> log) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!providers.Any(p => p.IsConfigured))
        {
            return; // no provider configured: nothing to do
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var done = 0;
            try
            {
                using var scope = scopes.CreateScope();
                done = await scope.ServiceProvider.GetRequiredService<EnrichFromProvider>().RunOnceAsync(50, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "Provider enrichment round failed");
            }

            if (done == 0)
            {
                await Task.Delay(Idle, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
