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
        // A typo must stop the start, naming the setting, rather than fail every lookup later (or never ask at all).
        const string http = HttpEnrichmentOptions.Section;
        services.AddOptions<HttpEnrichmentOptions>().Bind(configuration.GetSection(http))
            .Validate(o => string.IsNullOrWhiteSpace(o.Url) || (Uri.TryCreate(o.Url.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"),
                $"{http}:Url must be an absolute http or https URL, e.g. https://data.example.com/lookup.")
            .Validate(o => o.TimeoutSeconds is > 0 and <= 300, $"{http}:TimeoutSeconds must be more than 0 and at most 300.")
            .Validate(o => o.Retries is >= 0 and <= 10, $"{http}:Retries must be between 0 and 10.")
            .Validate(o => o.CacheMinutes >= 0, $"{http}:CacheMinutes must be 0 or more.")
            .ValidateOnStart();
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
