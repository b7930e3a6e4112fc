using Handoff.Hygiene;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Handoff.Enrichment;

/// <summary>Registers the built-in enricher as a singleton; needs <see cref="HygieneServices.AddHygiene"/> for the lists.</summary>
public static class EnrichmentServices
{
    public static IServiceCollection AddEnrichment(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EnrichmentOptions>().Bind(configuration.GetSection(EnrichmentOptions.Section));
        services.AddSingleton(sp => new LeadEnricher(sp.GetRequiredService<HygieneLists>(), sp.GetRequiredService<IOptions<EnrichmentOptions>>().Value));

        // Registered always and configured when first used, so that settings added after start-up wiring
        // (hosts, tests) count; an unconfigured provider is never asked (IsConfigured).
        services.Configure<HttpEnrichmentOptions>(configuration.GetSection(HttpEnrichmentOptions.Section));
        services.AddMemoryCache();
        services.AddHttpClient<HttpEnrichmentProvider>()
            .ConfigureHttpClient((sp, client) =>
            {
                client.MaxResponseContentBufferSize = HttpEnrichmentOptions.MaxAnswerBytes;
                client.Timeout = sp.GetRequiredService<IOptions<HttpEnrichmentOptions>>().Value.LookupBound;
            })
            .AddResilienceHandler("enrichment", (pipeline, context) =>
            {
                var settings = context.ServiceProvider.GetRequiredService<IOptions<HttpEnrichmentOptions>>().Value;
                var attempt = TimeSpan.FromSeconds(settings.TimeoutSeconds);
                pipeline.AddTimeout(attempt * (settings.Retries + 1) * 1.5);
                pipeline.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = Math.Max(settings.Retries, 0), Delay = TimeSpan.FromMilliseconds(200), BackoffType = DelayBackoffType.Exponential, UseJitter = true });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { FailureRatio = 0.5, MinimumThroughput = 10, SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromSeconds(30) });
                pipeline.AddTimeout(attempt);
            });
        services.AddTransient<IEnrichmentProvider>(sp => sp.GetRequiredService<HttpEnrichmentProvider>());

        return services;
    }
}
