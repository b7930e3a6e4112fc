using Handoff.Leads;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Scoring;

/// <summary>Registers rule-based scoring: the model store, the scoring step, reads, rescoring and backtests.</summary>
public static class ScoringServices
{
    public static IServiceCollection AddScoring(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RescoreOptions>(configuration.GetSection("Handoff:Scoring:Rescore"));
        services.AddSingleton<ScoringModelCache>();
        services.AddScoped<ActiveScoring>();
        services.AddScoped<ILeadAutomation, ScoreLead>();
        services.AddScoped<ScoringModels>();
        services.AddScoped<GetLeadScore>();
        services.AddScoped<RescoreLeads>();
        services.AddScoped<BacktestModel>();
        return services;
    }
}
