using System.Globalization;
using System.Text;
using Handoff.Data;
using Handoff.Integrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Handoff.Notifications;

/// <summary>
/// Delivers outbox events to webhook subscribers, at least once: <see cref="FanOutAsync"/> turns each pending outbox
/// event (once any subscription exists) into one delivery per interested subscription (claimed with <c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so
/// several nodes never fan out the same event twice); <see cref="DeliverDueAsync"/> POSTs the due deliveries, signed,
/// and retries failures with back-off until they are delivered or dead.
/// </summary>
public sealed class WebhookDispatch(HandoffDb db, TimeProvider clock, IHttpClientFactory httpClients, ILogger<WebhookDispatch> log)
{
    public const string HttpClientName = "webhooks";
    public const string SignatureHeader = "X-Handoff-Signature";
    public const string TimestampHeader = "X-Handoff-Timestamp";
    public const string EventHeader = "X-Handoff-Event";
    public const string DeliveryHeader = "X-Handoff-Delivery";

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Turns up to <paramref name="limit"/> pending outbox events into deliveries; returns how many events it took.</summary>
    public async Task<int> FanOutAsync(int limit, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking().Where(s => s.Active).ToListAsync(ct);
        if (subscriptions.Count == 0)
        {
            return 0; // nobody listens (the outbox holds only events a subscription wanted: WebhookInterest)
        }

        // Nothing pending: no write transaction (on SQLite it would queue for the write turn, and make an import commit early).
        if (!await db.Outbox.AnyAsync(m => m.Status == OutboxStatus.Pending, ct))
        {
            return 0;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var batch = !db.IsSqlite
            ? await db.Outbox.FromSql($"SELECT * FROM outbox WHERE status = 'Pending' ORDER BY next_attempt_at LIMIT {limit} FOR UPDATE SKIP LOCKED").AsNoTracking().ToListAsync(ct)
            : await db.Outbox.AsNoTracking().Where(m => m.Status == OutboxStatus.Pending).OrderBy(m => m.NextAttemptAt).Take(limit).ToListAsync(ct);
        if (batch.Count == 0)
        {
            return 0;
        }

        var ids = batch.Select(m => m.Id).ToList();
        var marked = await db.Outbox.Where(m => ids.Contains(m.Id) && m.Status == OutboxStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Delivered).SetProperty(m => m.NextAttemptAt, (DateTime?)null), ct);
        if (marked != batch.Count)
        {
            await transaction.RollbackAsync(ct);
            return 0; // another node fanned out some of them meanwhile; the next round takes the rest
        }

        foreach (var message in batch)
        {
            // A subscription gets the events from its creation on, not the backlog before it.
            foreach (var subscription in subscriptions.Where(s => s.Wants(message.Type) && message.OccurredAt >= s.CreatedAt))
            {
                db.WebhookDeliveries.Add(WebhookDelivery.Create(subscription.Id, message, now));
            }
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return batch.Count;
    }

    /// <summary>POSTs up to <paramref name="limit"/> due deliveries; returns how many it attempted.</summary>
    public async Task<int> DeliverDueAsync(int limit, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.NextAttemptAt).Take(limit)
            .Select(d => new { d.Id, d.Attempts }).ToListAsync(ct);
        var attempted = 0;
        var http = httpClients.CreateClient(HttpClientName);
        foreach (var item in due)
        {
            var claimed = await db.WebhookDeliveries
                .Where(d => d.Id == item.Id && d.Attempts == item.Attempts && d.Status == DeliveryStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Attempts, d => d.Attempts + 1).SetProperty(d => d.NextAttemptAt, now + Lease), ct);
            if (claimed == 0)
            {
                continue;
            }

            attempted++;
            var delivery = await db.WebhookDeliveries.FirstAsync(d => d.Id == item.Id, ct);
            var subscription = await db.WebhookSubscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == delivery.SubscriptionId, ct);
            if (subscription is not { Active: true })
            {
                delivery.Failed(null, "the subscription was deleted", null);
            }
            else
            {
                await SendAsync(http, subscription, delivery, now, ct);
            }

            await db.SaveChangesAsync(ct);
        }

        return attempted;
    }

    private async Task SendAsync(HttpClient http, WebhookSubscription subscription, WebhookDelivery delivery, DateTime now, CancellationToken ct)
    {
        var body = $$"""{"id":"{{delivery.EventId}}","type":"{{delivery.EventType}}","deliveryId":"{{delivery.Id}}","data":{{delivery.Payload}}}""";
        var timestamp = new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(EventHeader, delivery.EventType);
        request.Headers.Add(DeliveryHeader, delivery.Id.ToString());
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, WebhookSubscription.Sign(subscription.Secret, timestamp, body));
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                delivery.Delivered((int)response.StatusCode, now);
            }
            else
            {
                delivery.Failed((int)response.StatusCode, $"HTTP {(int)response.StatusCode}", Retry.After(delivery.Attempts, now));
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            log.LogWarning("Webhook delivery {Id} to {Url} failed: {Error}", delivery.Id, subscription.Url, e.Message);
            delivery.Failed(null, e.Message, Retry.After(delivery.Attempts, now));
        }
    }
}
