using System.Text.Json;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Handoff.Sla;

internal sealed class BusinessCalendarConfiguration : IEntityTypeConfiguration<BusinessCalendar>
{
    public void Configure(EntityTypeBuilder<BusinessCalendar> b)
    {
        b.HasKey(c => c.Id);
        b.Property(c => c.Name).HasMaxLength(100);
        b.Property(c => c.TimeZone).HasMaxLength(100);
        b.Property(c => c.Hours).HasConversion(new WeekHoursConverter(), new WeekHoursComparer());
        b.Property(c => c.Holidays).HasConversion(new StringListConverter(), new StringListComparer());
        b.HasIndex(c => c.Name).IsUnique();
    }
}

internal sealed class SlaPolicyConfiguration : IEntityTypeConfiguration<SlaPolicy>
{
    public void Configure(EntityTypeBuilder<SlaPolicy> b)
    {
        b.HasKey(p => p.Id);
        b.Ignore(p => p.ConditionList);
        b.Ignore(p => p.Ladder);
        b.Property(p => p.Key).HasMaxLength(64);
        b.Property(p => p.Name).HasMaxLength(200);
        b.Property(p => p.CreatedBy).HasMaxLength(200);
        b.Property(p => p.Target).HasConversion<string>().HasMaxLength(20);
        b.Property(p => p.StartOn).HasConversion<string>().HasMaxLength(20);
        b.Property(p => p.StartActivity).HasConversion<string>().HasMaxLength(30);
        b.HasIndex(p => new { p.Key, p.Version }).IsUnique();

        // One current version per key: two writers of the next version cannot both win.
        b.HasIndex(p => p.Key, "ix_sla_policies_current_key").IsUnique().HasFilter("is_current");
        b.HasOne<BusinessCalendar>().WithMany().HasForeignKey(p => p.CalendarId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class SlaClockConfiguration : IEntityTypeConfiguration<SlaClock>
{
    public void Configure(EntityTypeBuilder<SlaClock> b)
    {
        b.HasKey(c => c.Id);
        b.Property(c => c.Version).IsConcurrencyToken();
        b.Property(c => c.PolicyKey).HasMaxLength(64);
        b.Property(c => c.StopReason).HasMaxLength(200);
        b.Property(c => c.Target).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.StartOn).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.State).HasConversion<string>().HasMaxLength(20);
        b.HasOne<Leads.Lead>().WithMany().HasForeignKey(c => c.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<SlaPolicy>().WithMany().HasForeignKey(c => c.PolicyId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(c => new { c.LeadId, c.State });

        // The sweep's queue: only clocks with something left to do are in it.
        b.HasIndex(c => c.NextCheckAt).HasFilter("next_check_at IS NOT NULL");
    }
}

internal sealed class WeekHoursConverter() : ValueConverter<Dictionary<string, List<string>>, string>(
    v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
    v => JsonSerializer.Deserialize<Dictionary<string, List<string>>>(v, (JsonSerializerOptions?)null) ?? new Dictionary<string, List<string>>());

internal sealed class WeekHoursComparer() : ValueComparer<Dictionary<string, List<string>>>(
    (a, b) => JsonSerializer.Serialize(a, (JsonSerializerOptions?)null) == JsonSerializer.Serialize(b, (JsonSerializerOptions?)null),
    v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null).GetHashCode(StringComparison.Ordinal),
    v => JsonSerializer.Deserialize<Dictionary<string, List<string>>>(JsonSerializer.Serialize(v, (JsonSerializerOptions?)null), (JsonSerializerOptions?)null)!);
