using Handoff.Leads;
using Handoff.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Qualification;

/// <summary>Registers the qualification contract, its automation steps, and conversion to the pipeline.</summary>
public static class QualificationServices
{
    public static IServiceCollection AddQualification(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.AddSingleton<ActiveDefinitions>();
        services.AddScoped<Definitions>();
        services.AddScoped<LeadEvaluator>();
        services.AddScoped<SqlGate>();
        services.AddScoped<RecordAnswers>();
        services.AddScoped<LeadDecisions>();
        services.AddScoped<QualificationExceptions>();
        services.AddScoped<StuckLeads>();
        services.AddScoped<WakeSleepingLeads>();
        services.AddScoped<MqlSweep>();
        services.AddScoped<ILeadAutomation, MqlCheck>();
        services.AddScoped<ILeadAutomation, DefinitionStamp>();
        services.AddScoped<OpportunityOwner>();
        services.AddScoped<ConvertLead>();
        services.AddScoped<CloseOpportunity>();
        return services;
    }
}
