using Handoff.Common;
using Handoff.Data;
using Handoff.Integrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Notifications;

/// <summary>Writes notifications (in-app, plus email when SMTP is configured) in the caller's unit of work.</summary>
public sealed class Notifier(HandoffDb db, IOptions<SmtpOptions> smtp)
{
    /// <summary>Adds a notification for <paramref name="userId"/>; returns null when there is no such active user.</summary>
    public async Task<Notification?> NotifyAsync(Guid userId, Guid? leadId, string kind, string title, string body, DateTime at, CancellationToken ct)
    {
        var email = await db.Users.Where(u => u.Id == userId && u.IsActive).Select(u => u.Email).FirstOrDefaultAsync(ct);
        if (email is null)
        {
            return null;
        }

        var notification = Notification.Create(userId, leadId, kind, title, body, smtp.Value.IsConfigured ? email : null, at);
        db.Notifications.Add(notification);
        return notification;
    }
}

/// <summary>Reads and marks the in-app notifications.</summary>
public sealed class Inbox(HandoffDb db, TimeProvider clock)
{
    public async Task<Result<IReadOnlyList<NotificationView>>> ListAsync(Guid userId, bool unreadOnly, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > 500)
        {
            return ValidationError.For("limit", "must be 1 to 500");
        }

        if (!await db.Users.AnyAsync(u => u.Id == userId, ct))
        {
            return new NotFoundError($"No user with id {userId}.");
        }

        var query = db.Notifications.AsNoTracking().Where(n => n.UserId == userId);
        if (unreadOnly)
        {
            query = query.Where(n => n.ReadAt == null);
        }

        var rows = await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Take(limit).ToListAsync(ct);
        return rows.Select(NotificationView.From).ToList();
    }

    public async Task<Result<NotificationView>> MarkReadAsync(Guid id, CancellationToken ct)
    {
        var notification = await db.Notifications.FirstOrDefaultAsync(n => n.Id == id, ct);
        if (notification is null)
        {
            return new NotFoundError($"No notification with id {id}.");
        }

        notification.MarkRead(clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return NotificationView.From(notification);
    }
}

/// <summary>Events for webhook subscribers, written to the outbox in the caller's unit of work.</summary>
public static class IntegrationEvents
{
    public static void Publish(HandoffDb db, string type, Guid aggregateId, string payload, DateTime at)
    {
        if (db.Publishes(type))
        {
            db.Outbox.Add(OutboxMessage.Create(type, aggregateId, payload, at));
        }
    }
}
