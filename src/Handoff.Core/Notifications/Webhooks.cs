using System.Security.Cryptography;
using System.Text;
using Handoff.Common;
using Handoff.Data;
using Handoff.Import;
using Handoff.Leads;
using Handoff.Sla;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Notifications;

/// <summary>
/// An outside system that wants events: a URL, a shared secret that signs each delivery (HMAC-SHA256), and the event
/// types it wants (<c>sla.*</c>, <c>lead.created</c>, or <c>*</c>).
/// </summary>
public sealed class WebhookSubscription
{
    private WebhookSubscription()
    {
    }

    public Guid Id { get; private set; }
    public string Url { get; private set; } = "";
    public string Secret { get; private set; } = "";
    public List<string> Events { get; private set; } = [];
    public bool Active { get; private set; }
    public DateTime CreatedAt { get; private set; }

    internal static WebhookSubscription Create(string url, string secret, List<string> events, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Url = url,
        Secret = secret,
        Events = events,
        Active = true,
        CreatedAt = at,
    };

    internal void Deactivate() => Active = false;

    /// <summary>
    /// Every event type the outbox carries (<c>LeadEvents</c> and the audit actions, <c>ImportEvents</c>, the SLA
    /// sweep): a pattern that matches none of them (<c>Lead.Created</c>, <c>lead.stage_changed</c>, <c>lead.updated</c>)
    /// would be saved and never deliver anything, so saving refuses it.
    /// </summary>
    public static readonly IReadOnlyList<string> EventTypes =
    [
        LeadEvents.CreatedType, LeadEvents.RecapturedType, LeadEvents.StageChangedType, .. AuditActions.All.Select(LeadEvents.AuditedType),
        ImportEvents.LeadsImportedType, SlaSweep.AtRiskEvent, SlaSweep.BreachedEvent,
    ];

    /// <summary>Whether this subscription wants an event of <paramref name="type"/>.</summary>
    public bool Wants(string type) => Events.Any(e => Matches(e, type));

    /// <summary>Whether <paramref name="pattern"/> (<c>*</c>, <c>sla.*</c>, <c>lead.created</c>) takes events of <paramref name="type"/>.</summary>
    public static bool Matches(string pattern, string type) => pattern == "*" || pattern == type
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal));

    /// <summary>The signature header value: <c>sha256=</c> and the hex HMAC-SHA256 of <c>timestamp + "." + body</c> with the secret.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));
}

/// <summary>One event on its way to one subscription; retried with back-off, dead after the last attempt.</summary>
public sealed class WebhookDelivery
{
    private WebhookDelivery()
    {
    }

    public Guid Id { get; private set; }
    public Guid SubscriptionId { get; private set; }
    public Guid EventId { get; private set; }
    public string EventType { get; private set; } = "";
    public string Payload { get; private set; } = "{}";
    public DeliveryStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTime? NextAttemptAt { get; private set; }
    public int? LastStatusCode { get; private set; }
    public string? LastError { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? DeliveredAt { get; private set; }

    internal static WebhookDelivery Create(Guid subscriptionId, Integrations.OutboxMessage message, DateTime at) => new()
    {
        Id = Ids.NewId(),
        SubscriptionId = subscriptionId,
        EventId = message.Id,
        EventType = message.Type,
        Payload = message.Payload,
        Status = DeliveryStatus.Pending,
        NextAttemptAt = at,
        CreatedAt = at,
    };

    internal void Delivered(int status, DateTime at)
    {
        Status = DeliveryStatus.Delivered;
        LastStatusCode = status;
        LastError = null;
        DeliveredAt = at;
        NextAttemptAt = null;
    }

    internal void Failed(int? status, string error, DateTime? retryAt)
    {
        LastStatusCode = status;
        LastError = error.Length > 1000 ? error[..1000] : error;
        Status = retryAt is null ? DeliveryStatus.Dead : DeliveryStatus.Pending;
        NextAttemptAt = retryAt;
    }
}

/// <summary><c>POST /api/webhooks</c>: <c>{"url":"https://crm.acme-corp.io/hooks/handoff","secret":"…","events":["sla.*"]}</c>.</summary>
public sealed record WebhookRequest(string? Url, string? Secret, List<string>? Events);

/// <summary>A subscription as read (the secret is never shown again).</summary>
public sealed record WebhookView(Guid Id, string Url, IReadOnlyList<string> Events, bool Active, DateTime CreatedAt)
{
    public static WebhookView From(WebhookSubscription s) => new(s.Id, s.Url, s.Events, s.Active, s.CreatedAt);
}

/// <summary>A delivery as read.</summary>
public sealed record WebhookDeliveryView(Guid Id, Guid EventId, string EventType, DeliveryStatus Status, int Attempts, DateTime? NextAttemptAt, int? LastStatusCode, string? LastError, DateTime? DeliveredAt)
{
    public static WebhookDeliveryView From(WebhookDelivery d) =>
        new(d.Id, d.EventId, d.EventType, d.Status, d.Attempts, d.NextAttemptAt, d.LastStatusCode, d.LastError, d.DeliveredAt);
}

/// <summary>Manages webhook subscriptions.</summary>
public sealed class WebhookSubscriptions(HandoffDb db, TimeProvider clock, WebhookInterest interest)
{
    public async Task<IReadOnlyList<WebhookView>> ListAsync(CancellationToken ct) =>
        (await db.WebhookSubscriptions.AsNoTracking().Where(s => s.Active).OrderBy(s => s.CreatedAt).ToListAsync(ct)).Select(WebhookView.From).ToList();

    public async Task<Result<WebhookView>> CreateAsync(WebhookRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || request.Url!.Length > 2000)
        {
            errors.Add("url", "must be an absolute http(s) URL, at most 2000 characters");
        }
        else if (uri.UserInfo.Length > 0)
        {
            // The URL is shown to every admin who lists the webhooks and written into delivery logs: no password in it.
            errors.Add("url", "must not carry a user name or password (user:password@host); deliveries are signed with the secret, which the receiver checks");
        }

        if (request.Secret is not { Length: >= 16 and <= 200 })
        {
            errors.Add("secret", "is required: 16 to 200 characters, used to sign every delivery");
        }

        var events = request.Events ?? [];
        if (events.Count is 0 or > 50)
        {
            errors.Add("events", "list 1 to 50 event types, e.g. [\"sla.*\", \"lead.created\"] or [\"*\"]");
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(events[i]) || events[i].Length > 100 || events[i].Contains(' ', StringComparison.Ordinal))
            {
                errors.Add($"events[{i}]", "must be an event type like lead.created, sla.* or *");
            }
            else if (!WebhookSubscription.EventTypes.Any(t => WebhookSubscription.Matches(events[i], t)))
            {
                errors.Add($"events[{i}]", $"'{events[i]}' matches no event: use *, lead.*, sla.* or one of {string.Join(", ", WebhookSubscription.EventTypes)}");
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        // Counted before its creation time is taken: no event from that moment on goes unwritten on this node.
        List<string> wanted = [.. events.Distinct(StringComparer.Ordinal)];
        interest.Add(wanted);
        var subscription = WebhookSubscription.Create(request.Url!, request.Secret!, wanted, clock.GetUtcNow().UtcDateTime);
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(ct);
        return WebhookView.From(subscription);
    }

    public async Task<Result<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var subscription = await db.WebhookSubscriptions.FirstOrDefaultAsync(s => s.Id == id && s.Active, ct);
        if (subscription is null)
        {
            return new NotFoundError($"No webhook subscription with id {id}.");
        }

        subscription.Deactivate();
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Result<IReadOnlyList<WebhookDeliveryView>>> DeliveriesAsync(Guid id, CancellationToken ct)
    {
        if (!await db.WebhookSubscriptions.AnyAsync(s => s.Id == id, ct))
        {
            return new NotFoundError($"No webhook subscription with id {id}.");
        }

        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id)
            .OrderByDescending(d => d.CreatedAt).Take(200).ToListAsync(ct);
        return rows.Select(WebhookDeliveryView.From).ToList();
    }
}
