using Handoff.Access;
using Handoff.Capture;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Hygiene;
using Handoff.Leads;
using Handoff.Predictive;
using Handoff.Qualification;
using Handoff.Routing;
using Handoff.Scoring;
using Handoff.Sla;
using Handoff.Teams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff;

/// <summary>Registers the database and every use case; shared by the web host and the CLI.</summary>
public static class HandoffServices
{
    public static IServiceCollection AddHandoffCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHandoffData(configuration);
        services.AddHygiene(configuration);
        services.AddEnrichment(configuration);
        services.AddSingleton<FallbackQueue>();
        services.AddSingleton<SqliteWriteGate>();
        services.AddSingleton<CaptureWriter>();
        services.AddScoped<LeadAutomations>();
        services.AddScoped<CaptureLead>();
        services.AddScoped<RecordActivities>();
        services.AddScoped<WebForms>();
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section))
            .Validate(o => o.Retention > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero, $"{IdempotencyOptions.Section}:Retention and SweepInterval must be above zero (e.g. \"1.00:00:00\" for a day).")
            .ValidateOnStart();
        services.AddScoped<IdempotencyExpiry>();
        services.AddScoped<Activities.LeadActivities>();
        services.AddScoped<GetLead>();
        services.AddScoped<ListLeads>();
        services.AddScoped<UpdateLead>();
        services.AddScoped<TransitionLead>();
        services.AddScoped<AssignLead>();
        services.AddScoped<LeadHistory>();
        services.AddScoped<MergeLeads>();
        services.AddScoped<EnrichFromProvider>();
        services.Configure<MergeOptions>(configuration.GetSection("Handoff:Merge"));
        services.AddScoped<ReasonCatalogue>();
        services.AddScoped<ApiKeys>();
        services.AddScoped<People>();
        services.AddSingleton<Import.RunningImports>();
        services.AddScoped<Import.ImportJobs>();
        services.AddScoped<Import.RunImport>();
        services.AddScoped<Import.ImportAutomation>();
        services.AddScoring(configuration);
        services.AddQualification(configuration);
        services.AddRouting(configuration);
        services.AddSla(configuration);
        services.AddPredictive(configuration);
        return services;
    }
}
