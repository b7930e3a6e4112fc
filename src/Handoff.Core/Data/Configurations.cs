using Handoff.Access;
using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Integrations;
using Handoff.Leads;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Data;

internal sealed class LeadConfiguration : IEntityTypeConfiguration<Lead>
{
    public void Configure(EntityTypeBuilder<Lead> b)
    {
        b.HasKey(l => l.Id);
        b.Ignore(l => l.Owner);
        b.Ignore(l => l.Details);
        b.Property(l => l.Version).IsConcurrencyToken();
        b.Property(l => l.FirstName).HasMaxLength(100);
        b.Property(l => l.LastName).HasMaxLength(100);
        b.Property(l => l.Email).HasMaxLength(254);
        b.Property(l => l.Phone).HasMaxLength(40);
        b.Property(l => l.Company).HasMaxLength(200);
        b.Property(l => l.Title).HasMaxLength(200);
        b.Property(l => l.Website).HasMaxLength(500);
        b.Property(l => l.Industry).HasMaxLength(100);
        b.Property(l => l.Country).HasMaxLength(100);
        b.Property(l => l.State).HasMaxLength(100);
        b.Property(l => l.City).HasMaxLength(100);
        b.Property(l => l.Description).HasMaxLength(LeadDetails.MaxDescription);
        b.Property(l => l.Source).HasMaxLength(100);
        b.Property(l => l.Channel).HasMaxLength(100);
        b.Property(l => l.Campaign).HasMaxLength(200);
        b.Property(l => l.UtmSource).HasMaxLength(200);
        b.Property(l => l.UtmMedium).HasMaxLength(200);
        b.Property(l => l.UtmCampaign).HasMaxLength(200);
        b.Property(l => l.UtmTerm).HasMaxLength(200);
        b.Property(l => l.UtmContent).HasMaxLength(200);
        b.Property(l => l.StageReason).HasMaxLength(50);
        b.Property(l => l.SearchText).HasMaxLength(700);
        b.Property(l => l.CustomFields)
            .HasConversion(new StringMapConverter(), new StringMapComparer());
        b.HasIndex(l => new { l.CreatedAt, l.Id });
        b.HasIndex(l => new { l.Stage, l.CreatedAt });
        b.HasIndex(l => new { l.OwnerId, l.CreatedAt });
        b.Property(l => l.EmailKey).HasMaxLength(254);
        b.Property(l => l.CountryCode).HasMaxLength(2);
        b.Property(l => l.CompanyDomain).HasMaxLength(253);
        b.Property(l => l.PhoneE164).HasMaxLength(20);
        b.HasIndex(l => l.CompanyDomain);
        b.Property(l => l.NameKey).HasMaxLength(210);
        b.Property(l => l.CompanyKey).HasMaxLength(210);
        b.HasIndex(l => l.NameKey);
        b.HasIndex(l => l.PhoneE164).HasFilter("phone_e164 IS NOT NULL");
        b.HasIndex(l => l.MergedIntoId).HasFilter("merged_into_id IS NOT NULL");
        b.HasIndex(l => new { l.ProviderCheckedAt, l.CreatedAt });
        b.Property(l => l.LatestSource).HasMaxLength(100);
        b.Property(l => l.LatestChannel).HasMaxLength(100);
        b.Property(l => l.LatestCampaign).HasMaxLength(200);
        b.Property(l => l.FormKey).HasMaxLength(40);

        // One open lead per person (a second capture of the same email updates the first, see CaptureLead), and lookups
        // by email in every stage: one index does both, ix_leads_email_key on (email_key, CASE WHEN stage IN (the open
        // stages) THEN 0 END). It is unique, and NULLs are distinct in a unique index, so closed leads never collide
        // while two open ones with one email do; its first column serves every `email_key = ?`. EF Core cannot model an
        // index on an expression, so the migration EmailKeyIndexes creates it in SQL (a test checks that it lists
        // exactly the open stages of StageRules). It replaced two indexes on email_key (one unique for open leads, one
        // for lookups): a random insert fewer per lead, about 9 s of SQLite's work per million leads (docs/performance.md).
        // Columns that are mostly empty are indexed where set only: `x = ?` implies `x IS NOT NULL`, so their lookups
        // still use them, and a lead without them costs no index insert.
        b.HasIndex(l => l.AccountId).HasFilter("account_id IS NOT NULL");
    }
}

internal sealed class StageChangeConfiguration : IEntityTypeConfiguration<StageChange>
{
    public void Configure(EntityTypeBuilder<StageChange> b)
    {
        b.HasKey(c => c.Id);
        b.Property(c => c.ActorId).HasMaxLength(100);
        b.Property(c => c.ActorName).HasMaxLength(200);
        b.Property(c => c.Reason).HasMaxLength(50);
        b.Property(c => c.PreviousReason).HasMaxLength(50);
        b.Property(c => c.Note).HasMaxLength(4000);
        b.HasOne<Lead>().WithMany().HasForeignKey(c => c.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(c => new { c.LeadId, c.Sequence }).IsUnique();
        b.HasIndex(c => c.UndoOf);
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.HasKey(a => a.Id);
        b.Property(a => a.Action).HasMaxLength(50);
        b.Property(a => a.ActorId).HasMaxLength(100);
        b.Property(a => a.ActorName).HasMaxLength(200);
        b.Property(a => a.Note).HasMaxLength(4000);
        b.HasOne<Lead>().WithMany().HasForeignKey(a => a.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(a => new { a.LeadId, a.Sequence }).IsUnique();
    }
}

internal sealed class ReasonCodeConfiguration : IEntityTypeConfiguration<ReasonCode>
{
    public void Configure(EntityTypeBuilder<ReasonCode> b)
    {
        b.HasKey(r => new { r.Stage, r.Code });
        b.Property(r => r.Code).HasMaxLength(50);
        b.Property(r => r.Label).HasMaxLength(200);
    }
}

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> b)
    {
        b.HasKey(a => a.Id);
        b.Property(a => a.Name).HasMaxLength(200);
        b.Property(a => a.Domain).HasMaxLength(253);
        b.Property(a => a.Industry).HasMaxLength(100);
        b.Property(a => a.Country).HasMaxLength(100);
        b.HasIndex(a => a.Domain).IsUnique();
    }
}

internal sealed class ActivityConfiguration : IEntityTypeConfiguration<Activity>
{
    public void Configure(EntityTypeBuilder<Activity> b)
    {
        b.HasKey(a => a.Id);
        b.Property(a => a.Url).HasMaxLength(2000);
        b.Property(a => a.Subject).HasMaxLength(500);
        b.Property(a => a.Source).HasMaxLength(100);
        b.Property(a => a.Channel).HasMaxLength(100);
        b.Property(a => a.Campaign).HasMaxLength(200);
        b.HasOne<Lead>().WithMany().HasForeignKey(a => a.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.Property(a => a.VisitorId).HasMaxLength(100);
        b.Property(a => a.EmailKey).HasMaxLength(254);
        b.Property(a => a.Properties).HasConversion(new StringMapConverter(), new StringMapComparer());
        b.HasIndex(a => new { a.LeadId, a.OccurredAt });
        b.HasIndex(a => a.VisitorId).HasFilter("lead_id IS NULL");
        b.HasIndex(a => a.EmailKey).HasFilter("lead_id IS NULL");
    }
}

internal sealed class VisitorLinkConfiguration : IEntityTypeConfiguration<VisitorLink>
{
    public void Configure(EntityTypeBuilder<VisitorLink> b)
    {
        b.HasKey(v => v.VisitorId);
        b.Property(v => v.VisitorId).HasMaxLength(100);
        b.HasOne<Lead>().WithMany().HasForeignKey(v => v.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(v => v.LeadId);
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.HasKey(u => u.Id);
        b.Property(u => u.Email).HasMaxLength(254);
        b.Property(u => u.Name).HasMaxLength(200);
        b.HasIndex(u => u.Email).IsUnique();
        b.HasOne<Team>().WithMany().HasForeignKey(u => u.TeamId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> b)
    {
        b.HasKey(t => t.Id);
        b.Property(t => t.Name).HasMaxLength(200);
        b.HasIndex(t => t.Name).IsUnique();
    }
}

internal sealed class WorkQueueConfiguration : IEntityTypeConfiguration<WorkQueue>
{
    public void Configure(EntityTypeBuilder<WorkQueue> b)
    {
        b.ToTable("queues");
        b.HasKey(q => q.Id);
        b.Property(q => q.Name).HasMaxLength(200);
        b.HasIndex(q => q.Name).IsUnique();
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.HasKey(k => k.Id);
        b.Property(k => k.Name).HasMaxLength(200);
        b.Property(k => k.Prefix).HasMaxLength(10);
        b.Property(k => k.Hash).HasMaxLength(64);
        b.Property(k => k.Scopes).HasMaxLength(100)
            .HasConversion(new ScopeListConverter(), new ScopeListComparer());
        b.HasIndex(k => k.Hash).IsUnique();
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("outbox");
        b.HasKey(m => m.Id);
        b.Property(m => m.Type).HasMaxLength(100);
        b.HasIndex(m => new { m.Status, m.NextAttemptAt });
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<Capture.IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<Capture.IdempotencyRecord> b)
    {
        b.ToTable("idempotency_records");
        b.HasKey(r => new { r.Scope, r.Key });
        b.Property(r => r.Scope).HasMaxLength(100);
        b.Property(r => r.Key).HasMaxLength(200);
        b.Property(r => r.RequestHash).HasMaxLength(64);
        b.Property(r => r.ContentType).HasMaxLength(100);
        b.HasIndex(r => r.CreatedAt);
    }
}

internal sealed class WebFormConfiguration : IEntityTypeConfiguration<Capture.WebForm>
{
    public void Configure(EntityTypeBuilder<Capture.WebForm> b)
    {
        b.ToTable("web_forms");
        b.HasKey(f => f.Id);
        b.Property(f => f.Key).HasMaxLength(40);
        b.Property(f => f.Name).HasMaxLength(200);
        b.Property(f => f.HoneypotField).HasMaxLength(100);
        b.Property(f => f.Source).HasMaxLength(100);
        b.Property(f => f.AllowedOrigins).HasConversion(new StringListConverter(), new StringListComparer());
        b.Property(f => f.ReturnUrls).HasConversion(new StringListConverter(), new StringListComparer());
        b.Property(f => f.FieldMap).HasConversion(new StringMapConverter(), new StringMapComparer());
        b.HasIndex(f => f.Key).IsUnique();
    }
}

internal sealed class ImportJobConfiguration : IEntityTypeConfiguration<Import.ImportJob>
{
    public void Configure(EntityTypeBuilder<Import.ImportJob> b)
    {
        b.HasKey(j => j.Id);
        b.Ignore(j => j.Counts);
        b.Ignore(j => j.Actor);
        b.Property(j => j.FileName).HasMaxLength(255);
        b.Property(j => j.Sha256).HasMaxLength(64);
        b.Property(j => j.Error).HasMaxLength(2000);
        b.Property(j => j.CreatedBy).HasMaxLength(100);
        b.Property(j => j.RunnerId).HasMaxLength(200);

        // The same file uploaded again finds its job instead of importing twice.
        b.HasIndex(j => j.Sha256).IsUnique();
        b.HasIndex(j => new { j.Status, j.CreatedAt });
    }
}

internal sealed class ImportRowErrorConfiguration : IEntityTypeConfiguration<Import.ImportRowError>
{
    public void Configure(EntityTypeBuilder<Import.ImportRowError> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Column).HasMaxLength(200);
        b.Property(e => e.Reason).HasMaxLength(500);
        b.Property(e => e.Value).HasMaxLength(Import.ImportRowError.MaxValueLength);
        b.HasOne<Import.ImportJob>().WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.JobId, e.RowNumber });
    }
}
