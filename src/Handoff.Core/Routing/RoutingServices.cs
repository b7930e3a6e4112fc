using Handoff.Leads;
using Handoff.Teams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Routing;

/// <summary>Registers routing: the rules, the router, the automation step, teams and profiles.</summary>
public static class RoutingServices
{
    public static IServiceCollection AddRouting(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.AddSingleton<RuleSetCache>();
        services.AddScoped<Router>();
        services.AddScoped<RoutingRules>();
        services.AddScoped<RouteLead>();
        services.AddScoped<TeamRoster>();
        services.AddScoped<ILeadAutomation, RouteOnChange>();
        return services;
    }
}
