using Handoff.Access;
using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Integrations;
using Handoff.Leads;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Handoff.Data;

/// <summary>The one database of Handoff, on SQLite or PostgreSQL.</summary>
public sealed class HandoffDb(DbContextOptions<HandoffDb> options) : DbContext(options)
{
    private bool? _isSqlite;

    /// <summary>
    /// Whether this context runs on SQLite (else PostgreSQL). EF's <c>Database.IsSqlite()</c> reads the provider
    /// assembly's name by reflection on every call, and a capture asks a dozen times; a context's provider never changes.
    /// </summary>
    public bool IsSqlite => _isSqlite ??= Database.IsSqlite();

    /// <summary>
    /// SQLite: the write turn (<see cref="SqliteWriteGate"/>) this context's transactions run in, while it holds one:
    /// lent by a caller that holds the turn across transactions, or taken for the open transaction alone
    /// (<see cref="SqliteWriteTurns"/>, <see cref="TurnEndsWithTransaction"/>).
    /// </summary>
    internal IDisposable? WriteTurn { get; set; }

    /// <summary>Whether <see cref="WriteTurn"/> was taken for the open transaction, and is passed on when it ends.</summary>
    internal bool TurnEndsWithTransaction { get; set; }

    /// <summary>The SQLite capture writer's statements, prepared on its connection, while this context runs a batch there; null elsewhere.</summary>
    internal PreparedStatements? Prepared { get; set; }

    /// <summary>
    /// On the SQLite capture writer: the rows this unit of work only inserts, which <see cref="PreparedStatements"/>
    /// inserts at the next save without EF ever tracking them (EF's tracking of a capture's nine new rows, the lead's
    /// sixty columns above all, was a fifth of the writer's time). Null elsewhere, where <see cref="Insert"/> adds.
    /// </summary>
    internal List<object>? Untracked { get; set; }

    /// <summary>
    /// Adds a row this unit of work only inserts: on the SQLite capture writer it is kept untracked (see
    /// <see cref="Untracked"/>), elsewhere added to the context. So use it only for a row that is neither looked up
    /// through the context (<c>Find</c>, <c>Local</c>, <c>Entries</c>) before the save nor changed after it.
    /// </summary>
    public void Insert<T>(T entity)
        where T : class
    {
        if (Untracked is { } rows && PreparedStatements.CanInsertUntracked(Model, entity))
        {
            rows.Add(entity);
        }
        else
        {
            Set<T>().Add(entity);
        }
    }

    private Notifications.WebhookInterest? _webhookInterest;

    /// <summary>Whether events of <paramref name="eventType"/> go to the outbox: some webhook subscription wants them.</summary>
    internal bool Publishes(string eventType) =>
        (_webhookInterest ??= this.GetService<Notifications.WebhookInterest>()).Wants(eventType);

    /// <summary>Forgets every change of this unit of work, tracked or not (after a rollback).</summary>
    internal void ForgetChanges()
    {
        ChangeTracker.Clear();
        Untracked?.Clear();
    }

    /// <summary>Passes on the turn taken for the transaction that just ended, if any.</summary>
    internal void EndTransactionTurn()
    {
        if (TurnEndsWithTransaction)
        {
            TurnEndsWithTransaction = false;
            var turn = WriteTurn;
            WriteTurn = null;
            turn?.Dispose();
        }
    }

    /// <summary>A pooled context goes back without a turn: one its transaction took is passed on, a lent one forgotten.</summary>
    public override void Dispose()
    {
        EndTransactionTurn();
        WriteTurn = null;
        Prepared = null;
        Untracked = null;
        base.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public override ValueTask DisposeAsync()
    {
        EndTransactionTurn();
        WriteTurn = null;
        Prepared = null;
        Untracked = null;
        return base.DisposeAsync();
    }

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
    public DbSet<Scoring.ScoringModel> ScoringModels => Set<Scoring.ScoringModel>();
    public DbSet<Scoring.RescoreJob> RescoreJobs => Set<Scoring.RescoreJob>();
    public DbSet<Qualification.QualificationDefinition> QualificationDefinitions => Set<Qualification.QualificationDefinition>();
    public DbSet<Qualification.DefinitionSignOff> DefinitionSignOffs => Set<Qualification.DefinitionSignOff>();
    public DbSet<Qualification.QualificationAnswer> QualificationAnswers => Set<Qualification.QualificationAnswer>();
    public DbSet<Qualification.QualificationException> QualificationExceptions => Set<Qualification.QualificationException>();
    public DbSet<Pipeline.Opportunity> Opportunities => Set<Pipeline.Opportunity>();
    public DbSet<Pipeline.Contact> Contacts => Set<Pipeline.Contact>();
    public DbSet<Routing.RoutingRuleSet> RoutingRuleSets => Set<Routing.RoutingRuleSet>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<RoutingProfile> RoutingProfiles => Set<RoutingProfile>();
    public DbSet<Routing.Assignment> Assignments => Set<Routing.Assignment>();
    public DbSet<Sla.BusinessCalendar> BusinessCalendars => Set<Sla.BusinessCalendar>();
    public DbSet<Sla.SlaPolicy> SlaPolicies => Set<Sla.SlaPolicy>();
    public DbSet<Sla.SlaClock> SlaClocks => Set<Sla.SlaClock>();
    public DbSet<Notifications.Notification> Notifications => Set<Notifications.Notification>();
    public DbSet<Notifications.WebhookSubscription> WebhookSubscriptions => Set<Notifications.WebhookSubscription>();
    public DbSet<Notifications.WebhookDelivery> WebhookDeliveries => Set<Notifications.WebhookDelivery>();
    public DbSet<Predictive.PredictiveModel> PredictiveModels => Set<Predictive.PredictiveModel>();
    public DbSet<Predictive.LeadPrediction> LeadPredictions => Set<Predictive.LeadPrediction>();
    public DbSet<Predictive.PredictiveLease> PredictiveLeases => Set<Predictive.PredictiveLease>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RefuseWithUntrackedRows();
        KeepLeadVersionsChecked();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RefuseWithUntrackedRows();
        KeepLeadVersionsChecked();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>EF would save without the untracked rows, and a tracked row referring to one would break its foreign key: those save through <see cref="PreparedStatements"/>.</summary>
    private void RefuseWithUntrackedRows()
    {
        if (Untracked is { Count: > 0 })
        {
            throw new InvalidOperationException("This unit of work holds untracked rows (HandoffDb.Insert on the SQLite capture writer): save it through PreparedStatements.SaveChangesAsync.");
        }
    }

    /// <summary>
    /// A lead's scores are in a table of their own (<c>lead_scores</c>), its version on the lead row: a save that changed
    /// only scores would update that table alone and skip the version check, so a field edit saved meanwhile by another
    /// writer (with its own, newer fit) would be overwritten silently. The version of every changed lead is marked
    /// modified (its value unchanged), so EF checks it on the lead row too and such a save fails as a concurrent change.
    /// </summary>
    private void KeepLeadVersionsChecked()
    {
        foreach (var entry in ChangeTracker.Entries<Lead>())
        {
            if (entry.State == EntityState.Modified)
            {
                entry.Property(l => l.Version).IsModified = true;
            }
        }
    }

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
