using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Handoff.Hygiene;

/// <summary>Registers the hygiene lists, the keyword file and the junk classifier as singletons (loaded once).</summary>
public static class HygieneServices
{
    public static IServiceCollection AddHygiene(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HygieneOptions>().Bind(configuration.GetSection(HygieneOptions.Section));
        services.AddSingleton(sp => HygieneLists.Load(sp.GetRequiredService<IOptions<HygieneOptions>>().Value));
        services.AddSingleton(sp => JunkKeywords.Load(sp.GetRequiredService<IOptions<HygieneOptions>>().Value));
        services.AddSingleton(sp => new JunkClassifier(sp.GetRequiredService<HygieneLists>(), sp.GetRequiredService<JunkKeywords>()));
        return services;
    }
}
