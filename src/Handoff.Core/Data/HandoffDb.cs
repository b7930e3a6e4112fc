using Handoff.Access;
using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Integrations;
using Handoff.Leads;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Data;

/// <summary>The one database of Handoff, on SQLite or PostgreSQL.</summary>
public sealed class HandoffDb(DbContextOptions<HandoffDb> options) : DbContext(options)
{
    public DbSet<Lead> Leads => Set<Lead>();
    public DbSet<StageChange> StageChanges => Set<StageChange>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<ReasonCode> ReasonCodes => Set<ReasonCode>();
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<Activity> Activities => Set<Activity>();
    public DbSet<VisitorLink> VisitorLinks => Set<VisitorLink>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<WorkQueue> Queues => Set<WorkQueue>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<Capture.WebForm> WebForms => Set<Capture.WebForm>();
    public DbSet<Capture.IdempotencyRecord> IdempotencyRecords => Set<Capture.IdempotencyRecord>();
    public DbSet<Import.ImportJob> ImportJobs => Set<Import.ImportJob>();
    public DbSet<Import.ImportRowError> ImportRowErrors => Set<Import.ImportRowError>();
    public DbSet<Predictive.PredictiveModel> PredictiveModels => Set<Predictive.PredictiveModel>();
    public DbSet<Predictive.LeadPrediction> LeadPredictions => Set<Predictive.LeadPrediction>();
    public DbSet<Predictive.PredictiveLease> PredictiveLeases => Set<Predictive.PredictiveLease>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(HandoffDb).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<LeadStage>().HaveConversion<string>().HaveMaxLength(20);
        configurationBuilder.Properties<OwnerKind>().HaveConversion<string>().HaveMaxLength(10);
        configurationBuilder.Properties<Common.ActorKind>().HaveConversion<string>().HaveMaxLength(20);
        configurationBuilder.Properties<ActivityType>().HaveConversion<string>().HaveMaxLength(30);
        configurationBuilder.Properties<Role>().HaveConversion<string>().HaveMaxLength(20);
        configurationBuilder.Properties<OutboxStatus>().HaveConversion<string>().HaveMaxLength(20);
        configurationBuilder.Properties<Enrichment.Seniority>().HaveConversion<string>().HaveMaxLength(20);
        configurationBuilder.Properties<Enrichment.Department>().HaveConversion<string>().HaveMaxLength(30);
        configurationBuilder.Properties<Enrichment.Region>().HaveConversion<string>().HaveMaxLength(10);
        configurationBuilder.Properties<Enrichment.CompanySizeBand>().HaveConversion<string>().HaveMaxLength(30);
        configurationBuilder.Properties<Enrichment.Segment>().HaveConversion<string>().HaveMaxLength(20);
        configurationBuilder.Properties<Import.ImportStatus>().HaveConversion<string>().HaveMaxLength(20);
    }
}
