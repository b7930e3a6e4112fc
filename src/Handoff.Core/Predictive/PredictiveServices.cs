using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Predictive;

/// <summary>Registers the predictive score: options, use cases and the process-wide model cache.</summary>
public static class PredictiveServices
{
    public static IServiceCollection AddPredictive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PredictiveOptions>().Bind(configuration.GetSection(PredictiveOptions.Section))
            .Validate(o => o.MinimumAuc is >= 0 and <= 1, $"{PredictiveOptions.Section}:MinimumAuc must be between 0 and 1 (0.5 is guessing).")
            .ValidateOnStart();
        services.AddSingleton<PredictiveModelCache>();
        services.AddScoped<LeadOutcomes>();
        services.AddScoped<PredictiveModels>();
        services.AddScoped<LeadPredictions>();
        services.AddScoped<PredictiveJobs>();
        return services;
    }
}
