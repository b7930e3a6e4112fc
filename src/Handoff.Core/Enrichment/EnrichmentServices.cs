using Handoff.Hygiene;
using Microsoft.Extensions.Configuration;
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
        return services;
    }
}
