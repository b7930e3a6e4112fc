using Handoff.Data;
using Handoff.Notifications;

namespace Handoff.Web.Hosting;

/// <summary>Reloads which event types webhook subscribers want (<see cref="WebhookInterest"/>) every <see cref="WebhookInterest.RefreshInterval"/>.</summary>
internal sealed class WebhookInterestWorker(IServiceScopeFactory scopes, WebhookInterest interest, ILogger<WebhookInterestWorker> log) : PollingWorker(log)
{
    protected override TimeSpan Interval => WebhookInterest.RefreshInterval;

    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await interest.RefreshAsync(scope.ServiceProvider.GetRequiredService<HandoffDb>(), ct);
        return false;
    }
}
