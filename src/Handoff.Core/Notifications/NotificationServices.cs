using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Notifications;

public static class NotificationServices
{
    /// <summary>In-app notifications, SMTP email (<c>Handoff:Smtp</c>) and signed webhooks.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SmtpOptions>(configuration.GetSection("Handoff:Smtp"));
        services.Configure<DeliveryOptions>(configuration.GetSection("Handoff:Delivery"));
        services.AddHttpClient(WebhookDispatch.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddScoped<Notifier>();
        services.AddScoped<Inbox>();
        services.AddScoped<EmailDelivery>();
        services.AddScoped<WebhookSubscriptions>();
        services.AddScoped<WebhookDispatch>();
        return services;
    }
}
