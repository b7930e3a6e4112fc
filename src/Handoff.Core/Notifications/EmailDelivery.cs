using Handoff.Data;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Handoff.Notifications;

/// <summary>
/// Sends the notification email that is due over SMTP (MailKit), retrying with back-off and giving up into a dead
/// letter. Each attempt is claimed with a conditional update first, so with several nodes one of them sends it.
/// </summary>
public sealed class EmailDelivery(HandoffDb db, TimeProvider clock, IOptions<SmtpOptions> options, ILogger<EmailDelivery> log)
{
    /// <summary>How long a claimed attempt is hidden from other nodes before it counts as abandoned.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Sends up to <paramref name="limit"/> due emails; returns how many were attempted.</summary>
    public async Task<int> SendDueAsync(int limit, CancellationToken ct)
    {
        var smtp = options.Value;
        if (!smtp.IsConfigured)
        {
            return 0;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Notifications.AsNoTracking()
            .Where(n => n.EmailStatus == DeliveryStatus.Pending && n.EmailNextAttemptAt <= now)
            .OrderBy(n => n.EmailNextAttemptAt).Take(limit)
            .Select(n => new { n.Id, n.EmailAttempts }).ToListAsync(ct);
        if (due.Count == 0)
        {
            return 0;
        }

        using var client = new SmtpClient();
        var attempted = 0;
        foreach (var item in due)
        {
            var claimed = await db.Notifications
                .Where(n => n.Id == item.Id && n.EmailAttempts == item.EmailAttempts && n.EmailStatus == DeliveryStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.EmailAttempts, n => n.EmailAttempts + 1).SetProperty(n => n.EmailNextAttemptAt, now + Lease), ct);
            if (claimed == 0)
            {
                continue; // another node took it
            }

            attempted++;
            var notification = await db.Notifications.FirstAsync(n => n.Id == item.Id, ct);
            try
            {
                if (!client.IsConnected)
                {
                    await client.ConnectAsync(smtp.Host!, smtp.Port, Enum.Parse<SecureSocketOptions>(smtp.Security, ignoreCase: true), ct);
                    if (!string.IsNullOrEmpty(smtp.UserName))
                    {
                        await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", ct);
                    }
                }

                await client.SendAsync(Message(smtp, notification), ct);
                notification.EmailSent();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Email of notification {Id} to {To} failed (attempt {Attempt})", notification.Id, notification.EmailTo, notification.EmailAttempts);
                notification.EmailFailed(e.Message, Retry.After(notification.EmailAttempts, now));
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(quit: false, CancellationToken.None);
                }
            }

            await db.SaveChangesAsync(ct);
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(quit: true, ct);
        }

        return attempted;
    }

    private static MimeMessage Message(SmtpOptions smtp, Notification n)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(n.EmailTo!));
        message.Subject = n.Title;
        message.MessageId = $"{n.Id:N}@handoff";
        message.Body = new TextPart("plain") { Text = n.Body };
        return message;
    }
}
