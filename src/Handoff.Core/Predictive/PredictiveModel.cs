using Handoff.Common;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Predictive;

/// <summary>Where a model version is in its life: waiting for a node to train it, training, usable, or failed.</summary>
public enum PredictiveModelStatus
{
    Queued,
    Training,
    Ready,
    Failed,
}

/// <summary>
/// One version of the predictive score: the training job (queued by a user or the schedule), then the trained
/// model (ML.NET model files in <see cref="Content"/>) with its evaluation. At most one version is active.
/// </summary>
public sealed class PredictiveModel
{
    private PredictiveModel()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>1, 2, 3, ... in the order the versions were asked for.</summary>
    public int Number { get; private set; }

    /// <summary>The outcome the model predicts: reaching this stage (SQL or Won).</summary>
    public LeadStage Target { get; private set; }
    public PredictiveModelStatus Status { get; private set; }

    /// <summary><c>manual</c> or <c>schedule</c>.</summary>
    public string Trigger { get; private set; } = "";
    public string RequestedBy { get; private set; } = "";
    public DateTime RequestedAt { get; private set; }

    /// <summary>Activate the model as soon as it is trained.</summary>
    public bool ActivateWhenReady { get; private set; }
    public DateTime? StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public string? Error { get; private set; }
    public bool IsActive { get; private set; }
    public DateTime? ActivatedAt { get; private set; }

    /// <summary>The node training (then: that trained) it, and until when its claim holds (a node that died loses it then).</summary>
    public string? ClaimedBy { get; private set; }
    public DateTime? ClaimedUntil { get; private set; }

    /// <summary>
    /// 1 while queued or training, null after: a unique index on it lets only one version be in progress at a
    /// time, across every node (nulls do not collide on SQLite nor PostgreSQL).
    /// </summary>
    public int? InProgress { get; private set; }

    public double? Auc { get; private set; }
    public double? LogLoss { get; private set; }
    public double? TrainingSeconds { get; private set; }
    public int TrainRows { get; private set; }
    public int TestRows { get; private set; }
    public int Positives { get; private set; }
    public int Negatives { get; private set; }

    /// <summary>The tree parameters chosen by cross-validation.</summary>
    public string? Parameters { get; private set; }

    /// <summary>
    /// JSON <see cref="ModelReport"/>: the input fields and how each is encoded, the fields left out and why, the
    /// base-rate log loss and the activation decision (a bare array of fields in versions trained before).
    /// </summary>
    public string? Features { get; private set; }
    public byte[]? Content { get; private set; }

    public static PredictiveModel Queue(int number, LeadStage target, string trigger, string requestedBy, bool activate, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Number = number,
        Target = target,
        Status = PredictiveModelStatus.Queued,
        Trigger = trigger,
        RequestedBy = requestedBy,
        RequestedAt = at,
        ActivateWhenReady = activate,
        InProgress = 1,
    };

    /// <summary>Stores the trained model, its report (JSON, see <see cref="Features"/>) and its evaluation.</summary>
    /// <param name="content">The model files.</param>
    /// <param name="features">The JSON report.</param>
    /// <param name="evaluation">The holdout measurements.</param>
    /// <param name="at">When training finished.</param>
    public void Trained(byte[] content, string features, ModelEvaluation evaluation, DateTime at)
    {
        Status = PredictiveModelStatus.Ready;
        Content = content;
        Features = features;
        Auc = evaluation.Auc;
        LogLoss = evaluation.LogLoss;
        TrainingSeconds = evaluation.TrainingSeconds;
        TrainRows = evaluation.TrainRows;
        TestRows = evaluation.TestRows;
        Positives = evaluation.Positives;
        Negatives = evaluation.Negatives;
        Parameters = evaluation.Parameters;
        FinishedAt = at;
        ClaimedUntil = null;
        InProgress = null;
    }

    public void Failed(string error, DateTime at)
    {
        Status = PredictiveModelStatus.Failed;
        Error = error.Length > 2000 ? error[..2000] : error;
        FinishedAt = at;
        ClaimedUntil = null;
        InProgress = null;
    }

    public void Activate(DateTime at)
    {
        IsActive = true;
        ActivatedAt = at;
    }
}

/// <summary>The probability of one lead under one model version, with its top factors; refreshed when the lead changes.</summary>
public sealed class LeadPrediction
{
    private LeadPrediction()
    {
    }

    public Guid LeadId { get; private set; }
    public Guid ModelId { get; private set; }
    public double Probability { get; private set; }

    /// <summary>JSON array of <see cref="PredictionFactor"/>.</summary>
    public string Factors { get; private set; } = "[]";

    /// <summary>The lead's version and counted activities when scored: when either moved on, the prediction is stale.</summary>
    public int LeadVersion { get; private set; }
    public int ActivityCount { get; private set; }
    public DateTime ScoredAt { get; private set; }

    public static LeadPrediction Create(Guid leadId) => new() { LeadId = leadId };

    public void Set(Guid modelId, double probability, string factors, int leadVersion, int activityCount, DateTime at)
    {
        ModelId = modelId;
        Probability = probability;
        Factors = factors;
        LeadVersion = leadVersion;
        ActivityCount = activityCount;
        ScoredAt = at;
    }
}

/// <summary>A named lease: the node that holds it (until it expires) is the only one that trains and schedules.</summary>
public sealed class PredictiveLease
{
    public const string Training = "predictive-training";

    private PredictiveLease()
    {
    }

    public string Name { get; private set; } = "";
    public string? Holder { get; private set; }
    public DateTime? Until { get; private set; }

    public static PredictiveLease Create(string name) => new() { Name = name };
}

internal sealed class PredictiveModelConfiguration : IEntityTypeConfiguration<PredictiveModel>
{
    public void Configure(EntityTypeBuilder<PredictiveModel> b)
    {
        b.ToTable("predictive_models");
        b.HasKey(m => m.Id);
        b.HasIndex(m => m.Number).IsUnique();
        b.HasIndex(m => m.InProgress).IsUnique();
        b.HasIndex(m => new { m.Status, m.RequestedAt });
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(m => m.Trigger).HasMaxLength(20);
        b.Property(m => m.RequestedBy).HasMaxLength(200);
        b.Property(m => m.Error).HasMaxLength(2000);
        b.Property(m => m.ClaimedBy).HasMaxLength(200);
        b.Property(m => m.Parameters).HasMaxLength(200);
    }
}

internal sealed class LeadPredictionConfiguration : IEntityTypeConfiguration<LeadPrediction>
{
    public void Configure(EntityTypeBuilder<LeadPrediction> b)
    {
        b.ToTable("lead_predictions");
        b.HasKey(p => p.LeadId);
        b.HasIndex(p => p.ModelId);
        b.Property(p => p.Factors).HasMaxLength(8000);
    }
}

internal sealed class PredictiveLeaseConfiguration : IEntityTypeConfiguration<PredictiveLease>
{
    public void Configure(EntityTypeBuilder<PredictiveLease> b)
    {
        b.ToTable("predictive_leases");
        b.HasKey(l => l.Name);
        b.Property(l => l.Name).HasMaxLength(50);
        b.Property(l => l.Holder).HasMaxLength(200);
    }
}
