using Handoff.Data;
using Handoff.Notifications;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Sla;

/// <summary>
/// The outbox holds the events some webhook subscription wants, and no others: a subscription receives events from
/// its creation on, so an event nobody wants would never leave the outbox. Its own app: the subscriptions of other
/// tests would change what is wanted.
/// </summary>
public abstract class WebhookInterestTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task Outbox_HoldsOnlyWantedEvents_FromTheMomentASubscriptionIsMade()
    {
        var client = app.Admin();
        var interest = app.Services.GetRequiredService<WebhookInterest>();
        await using (var scope = app.Scope())
        {
            await interest.RefreshAsync(scope.ServiceProvider.GetRequiredService<HandoffDb>(), CancellationToken.None);
        }

        // Nobody subscribes: a capture and a stage move write no event.
        var unwanted = (await client.CreateLeadAsync()).Id();
        Assert.True((await client.MoveAsync(unwanted, new { to = "MQL" })).IsSuccessStatusCode);
        Assert.Empty(await EventsOfAsync(unwanted));

        // A subscription to other events changes nothing for leads.
        await using var sla = await client.SubscribeAsync("sla.*");
        var stillUnwanted = (await client.CreateLeadAsync()).Id();
        Assert.Empty(await EventsOfAsync(stillUnwanted));

        // One to lead.created counts at once on this node, without waiting for a reload; stage moves stay unwritten.
        await using var created = await client.SubscribeAsync("lead.created");
        var wanted = (await client.CreateLeadAsync()).Id();
        Assert.True((await client.MoveAsync(wanted, new { to = "MQL" })).IsSuccessStatusCode);
        Assert.Equal(["lead.created"], await EventsOfAsync(wanted));

        // One saved by another node counts from this node's next reload.
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            db.WebhookSubscriptions.Add(WebhookSubscription.Create("http://127.0.0.1:9/other-node", "another-nodes-secret", ["lead.stage-changed"], app.Clock.GetUtcNow().UtcDateTime));
            await db.SaveChangesAsync();
            await interest.RefreshAsync(db, CancellationToken.None);
        }

        Assert.True((await client.MoveAsync(wanted, new { to = "SAL" })).IsSuccessStatusCode);
        Assert.Equal(["lead.created", "lead.stage-changed"], await EventsOfAsync(wanted));
    }

    private async Task<List<string>> EventsOfAsync(string leadId)
    {
        await using var scope = app.Scope();
        var id = Guid.Parse(leadId);
        return await scope.ServiceProvider.GetRequiredService<HandoffDb>().Outbox.AsNoTracking()
            .Where(m => m.AggregateId == id).Select(m => m.Type).OrderBy(t => t).ToListAsync();
    }
}

public sealed class WebhookInterestTests_Sqlite(SqliteApp app) : WebhookInterestTests<SqliteApp>(app);

public sealed class WebhookInterestTests_Postgres(PostgresApp app) : WebhookInterestTests<PostgresApp>(app);
