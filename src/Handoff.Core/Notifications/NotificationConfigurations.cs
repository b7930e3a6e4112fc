using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Notifications;

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> b)
    {
        b.HasKey(n => n.Id);
        b.Property(n => n.Kind).HasMaxLength(50);
        b.Property(n => n.Title).HasMaxLength(300);
        b.Property(n => n.Body).HasMaxLength(4000);
        b.Property(n => n.EmailTo).HasMaxLength(254);
        b.Property(n => n.EmailError).HasMaxLength(1000);
        b.Property(n => n.EmailStatus).HasConversion<string>().HasMaxLength(20);
        b.HasOne<Teams.User>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(n => new { n.UserId, n.CreatedAt });
        b.HasIndex(n => n.EmailNextAttemptAt).HasFilter("email_status = 'Pending'");
    }
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> b)
    {
        b.HasKey(s => s.Id);
        b.Property(s => s.Url).HasMaxLength(2000);
        b.Property(s => s.Secret).HasMaxLength(200);
        b.Property(s => s.Events).HasMaxLength(6000).HasConversion(new StringListConverter(), new StringListComparer());
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.HasKey(d => d.Id);
        b.Property(d => d.EventType).HasMaxLength(100);
        b.Property(d => d.LastError).HasMaxLength(1000);
        b.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        b.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(d => new { d.SubscriptionId, d.CreatedAt });
        b.HasIndex(d => d.NextAttemptAt).HasFilter("status = 'Pending'");
    }
}
