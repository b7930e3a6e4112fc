using Handoff.Common;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Scoring;

/// <summary>Where a rescore job is.</summary>
public enum RescoreStatus
{
    Pending,
    Running,
    Completed,
    Failed,
}

/// <summary>
/// Rescoring every lead whose scores are not from the active model (after an activation, or leads imported
/// without scoring), done in the background in batches; its counters show the progress.
/// </summary>
public sealed class RescoreJob
{
    private RescoreJob()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>The model version the job scores with.</summary>
    public int ModelVersion { get; private set; }
    public RescoreStatus Status { get; private set; }

    /// <summary>Leads to score, counted when a runner claims the job (before it shows as Running).</summary>
    public int Total { get; private set; }
    public int Done { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Which process runs it, and until when its claim holds without news.</summary>
    public string? Runner { get; private set; }

    /// <summary>The runner's latest sign of life; a claim older than <see cref="RescoreLeads.Lease"/> can be taken over.</summary>
    public DateTime? HeartbeatAt { get; private set; }

    public static RescoreJob Queue(int modelVersion, DateTime at) => new()
    {
        Id = Ids.NewId(),
        ModelVersion = modelVersion,
        Status = RescoreStatus.Pending,
        CreatedAt = at,
    };

    public void Start(string runner, int total, DateTime at)
    {
        Status = RescoreStatus.Running;
        Runner = runner;
        Total = total;
        Done = 0;
        StartedAt = at;
        HeartbeatAt = at;
    }

    public void Progress(int done, DateTime at)
    {
        Done = done;
        HeartbeatAt = at;
    }

    public void Complete(DateTime at)
    {
        Status = RescoreStatus.Completed;
        Done = Math.Max(Done, Total);
        FinishedAt = at;
    }

    public void Fail(string error, DateTime at)
    {
        Status = RescoreStatus.Failed;
        Error = error.Length > 2000 ? error[..2000] : error;
        FinishedAt = at;
    }
}

internal sealed class RescoreJobConfiguration : IEntityTypeConfiguration<RescoreJob>
{
    public void Configure(EntityTypeBuilder<RescoreJob> b)
    {
        b.HasKey(j => j.Id);
        b.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(j => j.Runner).HasMaxLength(200);
        b.Property(j => j.Error).HasMaxLength(2000);
        b.HasIndex(j => new { j.Status, j.CreatedAt });
    }
}

/// <summary>
/// The scoring columns of the lead (the rest of its mapping is in Data/Configurations.cs), in a narrow table of their
/// own, one row per lead with the lead's id: a rescore rewrites a million of them, and rewriting the wide lead rows
/// (about 1 KB each) cost four times as much as rewriting these. EF reads and writes them with the lead as one entity
/// (entity splitting) and joins the table only when a query uses a score.
/// </summary>
internal sealed class LeadScoreConfiguration : IEntityTypeConfiguration<Lead>
{
    /// <summary>The table of the scores (the bulk rescore writes it with its own SQL).</summary>
    public const string Table = "lead_scores";

    public void Configure(EntityTypeBuilder<Lead> b)
    {
        b.Property(l => l.FitGrade).HasMaxLength(1);
        b.SplitToTable(Table, t =>
        {
            t.Property(l => l.FitScore);
            t.Property(l => l.FitGrade);
            t.Property(l => l.EngagementScore);
            t.Property(l => l.IntentScore);
            t.Property(l => l.ScoreModelVersion);
            t.Property(l => l.ScoredAt);
            t.Property(l => l.ScoreState);
        });
        b.HasIndex(l => l.ScoreModelVersion);

        // The naming convention names both tables' primary keys pk_leads, which PostgreSQL refuses (a key's index
        // name is unique in a schema): EF's own names tell them apart.
        b.HasKey(l => l.Id).HasName(null);
    }
}
