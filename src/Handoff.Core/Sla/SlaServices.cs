using Handoff.Leads;
using Handoff.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Sla;

public static class SlaServices
{
    /// <summary>Business calendars, policies, the clock step, the sweep, speed-to-lead, and the notifications they send.</summary>
    public static IServiceCollection AddSla(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddNotifications(configuration);
        services.Configure<SlaOptions>(configuration.GetSection("Handoff:Sla"));
        services.AddSingleton<SlaPolicyCache>();
        services.AddScoped<ILeadAutomation, SlaClocks>();
        services.AddScoped<SlaPolicies>();
        services.AddScoped<SlaCalendars>();
        services.AddScoped<SlaSweep>();
        services.AddScoped<LeadServiceLevels>();
        return services;
    }
}
