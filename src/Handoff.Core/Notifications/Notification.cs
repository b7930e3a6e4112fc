using Handoff.Common;

namespace Handoff.Notifications;

/// <summary>Where an outbound message stands.</summary>
public enum DeliveryStatus
{
    /// <summary>Nothing to send (no SMTP server configured, or the user has no address).</summary>
    None,
    Pending,
    Delivered,

    /// <summary>Gave up after the last retry: a dead letter, kept for a person to look at.</summary>
    Dead,
}

/// <summary>
/// A message to one user (an at-risk lead, a breach, an escalation): shown in the app until read, and sent by email
/// when an SMTP server is configured.
/// </summary>
public sealed class Notification
{
    private Notification()
    {
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public Guid? LeadId { get; private set; }

    /// <summary><c>sla.at-risk</c>, <c>sla.breached</c>, <c>sla.escalated</c>, …</summary>
    public string Kind { get; private set; } = "";
    public string Title { get; private set; } = "";
    public string Body { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public DateTime? ReadAt { get; private set; }

    public string? EmailTo { get; private set; }
    public DeliveryStatus EmailStatus { get; private set; }
    public int EmailAttempts { get; private set; }
    public DateTime? EmailNextAttemptAt { get; private set; }
    public string? EmailError { get; private set; }

    internal static Notification Create(Guid userId, Guid? leadId, string kind, string title, string body, string? emailTo, DateTime at) => new()
    {
        Id = Ids.NewId(),
        UserId = userId,
        LeadId = leadId,
        Kind = kind,
        Title = title,
        Body = body,
        CreatedAt = at,
        EmailTo = emailTo,
        EmailStatus = emailTo is null ? DeliveryStatus.None : DeliveryStatus.Pending,
        EmailNextAttemptAt = emailTo is null ? null : at,
    };

    internal void MarkRead(DateTime at) => ReadAt ??= at;

    internal void EmailSent()
    {
        EmailStatus = DeliveryStatus.Delivered;
        EmailNextAttemptAt = null;
        EmailError = null;
    }

    internal void EmailFailed(string error, DateTime? retryAt)
    {
        EmailError = error.Length > 1000 ? error[..1000] : error;
        EmailStatus = retryAt is null ? DeliveryStatus.Dead : DeliveryStatus.Pending;
        EmailNextAttemptAt = retryAt;
    }
}

/// <summary>A notification as read: <c>GET /api/notifications?userId=</c>.</summary>
public sealed record NotificationView(
    Guid Id,
    Guid UserId,
    Guid? LeadId,
    string Kind,
    string Title,
    string Body,
    DateTime CreatedAt,
    DateTime? ReadAt,
    DeliveryStatus EmailStatus)
{
    public static NotificationView From(Notification n) =>
        new(n.Id, n.UserId, n.LeadId, n.Kind, n.Title, n.Body, n.CreatedAt, n.ReadAt, n.EmailStatus);
}

/// <summary>Back-off between delivery attempts: 10 s, 20 s, 40 s … up to an hour; dead after <see cref="MaxAttempts"/>.</summary>
public static class Retry
{
    public const int MaxAttempts = 8;

    /// <summary>When to try again after attempt <paramref name="attempts"/> failed; null when it was the last.</summary>
    public static DateTime? After(int attempts, DateTime now) =>
        attempts >= MaxAttempts ? null : now + TimeSpan.FromSeconds(Math.Min(3600, 10 * Math.Pow(2, attempts - 1)));
}
