using Handoff.Leads;

namespace Handoff.Predictive;

/// <summary>The <c>Handoff:Predictive</c> configuration section.</summary>
public sealed class PredictiveOptions
{
    public const string Section = "Handoff:Predictive";

    /// <summary>The outcome to predict when a training request does not name one: SQL (default) or Won.</summary>
    public LeadStage Target { get; set; } = LeadStage.SQL;

    /// <summary>Training is refused unless both outcomes (reached / did not reach the target) have this many leads.</summary>
    public int MinimumPerOutcome { get; set; } = 50;

    /// <summary>An open lead older than this that never reached the target counts as a "no".</summary>
    public int OutcomeDays { get; set; } = 90;

    /// <summary>Retrain on this interval (hours) after the latest training request; 0 turns the schedule off.</summary>
    public double RetrainEveryHours { get; set; } = 168;

    /// <summary>How often (real seconds) the worker looks for queued trainings and stale predictions.</summary>
    public double PollSeconds { get; set; } = 10;

    /// <summary>How long a node's claim on training lasts before another node may take over.</summary>
    public int LeaseMinutes { get; set; } = 30;

    /// <summary>The most recent leads used for training, at most.</summary>
    public int MaxTrainingLeads { get; set; } = 200_000;

    /// <summary>Factors shown per lead.</summary>
    public int Factors { get; set; } = 5;

    /// <summary>Leads rescored per batch by the worker.</summary>
    public int RefreshBatch { get; set; } = 500;

    /// <summary>Train one small model without a parameter search (tests, tiny workspaces).</summary>
    public bool Quick { get; set; }

    /// <summary>
    /// A trained model is activated automatically only when its holdout ROC AUC reaches this (and its log loss beats
    /// always predicting the base rate); otherwise it is kept, with the reason, for an admin to activate explicitly.
    /// </summary>
    public double MinimumAuc { get; set; } = 0.6;

    /// <summary>
    /// Values a web form stores when nothing was chosen, read as missing (trimmed, any case); null: the defaults of
    /// <see cref="FeatureLimits.DefaultPlaceholders"/>. Replaces the defaults when set.
    /// </summary>
    public string[]? Placeholders { get; set; }

    internal TrainerSettings Trainer => (Quick ? TrainerSettings.Quick : new TrainerSettings()) with
    {
        Limits = new FeatureLimits { Placeholders = Placeholders ?? FeatureLimits.DefaultPlaceholders },
    };
}
