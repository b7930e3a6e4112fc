using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Predictive;

/// <summary>A request to train: the outcome to predict (default from configuration) and whether to activate the result.</summary>
public sealed record TrainRequest(string? Target = null, bool? Activate = null);

/// <summary>Training refused: one outcome has too few leads to learn from.</summary>
public sealed record NotEnoughOutcomesError(string Message, int Positives, int Negatives, int Minimum) : Error(Message);

/// <summary>A model version as the API shows it (without its bytes).</summary>
public sealed record PredictiveModelView(
    Guid Id,
    int Number,
    LeadStage Target,
    PredictiveModelStatus Status,
    bool IsActive,
    string Trigger,
    string RequestedBy,
    DateTime RequestedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    DateTime? ActivatedAt,
    string? Error,
    string? Activation,
    PredictiveEvaluationView? Evaluation,
    IReadOnlyList<PredictiveFeatureView>? Features,
    IReadOnlyList<ExcludedField>? Excluded);

/// <summary>
/// Measured on a holdout of the labelled leads before the final fit on all of them. <paramref name="BaseLogLoss"/>:
/// the log loss of always predicting the base rate on the same leads (null for versions trained before it was kept).
/// </summary>
public sealed record PredictiveEvaluationView(double Auc, double LogLoss, double? BaseLogLoss, double TrainingSeconds, int TrainRows, int TestRows, int Positives, int Negatives, string? Parameters);

/// <summary>One input field of a model: numeric, or categorical with its number of known categories.</summary>
public sealed record PredictiveFeatureView(string Field, FeatureKind Kind, int Categories);

/// <summary>
/// What a trained version stores besides its evaluation columns (as JSON in <see cref="PredictiveModel.Features"/>, so
/// no schema change): its inputs, the fields left out and why, the base-rate log loss and the activation decision.
/// </summary>
public sealed record ModelReport(IReadOnlyList<PredictiveFeatureView> Features, IReadOnlyList<ExcludedField> Excluded, double? BaseLogLoss, string? Activation)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The report as stored; versions trained before it existed stored the bare list of fields.</summary>
    public static ModelReport? Read(string? json) => json switch
    {
        null => null,
        _ when json.TrimStart().StartsWith('[') => new ModelReport(JsonSerializer.Deserialize<List<PredictiveFeatureView>>(json, Json) ?? [], [], null, null),
        _ => JsonSerializer.Deserialize<ModelReport>(json, Json),
    };

    public string Write() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Whether a freshly trained version becomes active by itself, and why, in plain words.</summary>
public readonly record struct ActivationDecision(bool Activate, string Reason)
{
    /// <summary>A new version may measure this much lower AUC than the active one and still replace it (holdouts differ a little).</summary>
    public const double Tolerance = 0.01;

    /// <summary>
    /// The quality gate, the same for manual and scheduled trainings: activated only when asked to, when the
    /// holdout AUC reaches <paramref name="minimumAuc"/>, when the log loss beats always predicting the base rate,
    /// and when it does not measure clearly worse than the active version of the same target. A schedule never
    /// changes the target of the active version.
    /// </summary>
    /// <param name="requested">The request asked to activate the version when trained.</param>
    /// <param name="scheduled">The version was queued by the schedule, not by a person.</param>
    /// <param name="target">The version's target.</param>
    /// <param name="evaluation">Its holdout measurements.</param>
    /// <param name="minimumAuc">The configured floor (<see cref="PredictiveOptions.MinimumAuc"/>).</param>
    /// <param name="active">The active version (number, target, AUC), if any.</param>
    public static ActivationDecision Decide(bool requested, bool scheduled, LeadStage target, ModelEvaluation evaluation, double minimumAuc, (int Number, LeadStage Target, double? Auc)? active)
    {
        var c = CultureInfo.InvariantCulture;
        if (!requested)
        {
            return new(false, "Not activated: the request said activate: false. An admin can activate it (POST /api/predictive/models/{id}/activate).");
        }

        var problems = new List<string>();
        if (!(evaluation.Auc >= minimumAuc))
        {
            problems.Add(string.Create(c, $"AUC {evaluation.Auc:F2} is below {minimumAuc:F2}"));
        }

        if (!(evaluation.LogLoss < evaluation.BaseLogLoss))
        {
            problems.Add(string.Create(c, $"log loss {evaluation.LogLoss:F3} is not better than always predicting the base rate ({evaluation.BaseLogLoss:F3})"));
        }

        if (problems.Count > 0)
        {
            return new(false, $"Not activated: {string.Join(" and ", problems)} on the held-out leads, so it ranks or predicts no better than guessing. "
                + "An admin can still activate it explicitly (POST /api/predictive/models/{id}/activate).");
        }

        var quality = string.Create(c, $"AUC {evaluation.Auc:F2} (minimum {minimumAuc:F2}), log loss {evaluation.LogLoss:F3} (base rate {evaluation.BaseLogLoss:F3})");
        if (active is { } current)
        {
            if (current.Target != target && scheduled)
            {
                return new(false, $"Not activated: the active model {current.Number} predicts {current.Target} and a scheduled retraining never changes the target; {quality}.");
            }

            if (current.Target == target && evaluation.Auc < (current.Auc ?? 0) - Tolerance)
            {
                return new(false, string.Create(c, $"Not activated: the active model {current.Number} measured AUC {current.Auc:F4}, more than {Tolerance} above this one's {evaluation.Auc:F4}. An admin can still activate it explicitly."));
            }

            return new(true, $"Activated in place of model {current.Number}: {quality}.");
        }

        return new(true, $"Activated: {quality}.");
    }
}

/// <summary>Model versions: ask for a training, list and read them, activate one; and the training job itself.</summary>
public sealed class PredictiveModels(
    HandoffDb db,
    LeadOutcomes outcomes,
    IOptions<PredictiveOptions> options,
    TimeProvider clock,
    ILogger<PredictiveModels> log)
{
    private PredictiveOptions Settings => options.Value;

    /// <summary>Checks that there is enough history, then queues a training (202: the model version is the job).</summary>
    public async Task<Result<PredictiveModelView>> RequestAsync(TrainRequest request, Actor actor, string trigger, CancellationToken ct)
    {
        var target = Settings.Target;
        if (request.Target is { } text)
        {
            if (!Enum.GetNames<LeadStage>().Contains(text, StringComparer.OrdinalIgnoreCase)
                || !Enum.TryParse(text, ignoreCase: true, out target)
                || target is not (LeadStage.SQL or LeadStage.Won))
            {
                return ValidationError.For("target", "must be 'SQL' (the lead reached SQL or later) or 'Won'");
            }
        }

        var examples = await outcomes.LabelledAsync(target, Settings.OutcomeDays, Settings.MaxTrainingLeads, clock.GetUtcNow().UtcDateTime, ct);
        if (Enough(examples, target) is { } refusal)
        {
            return refusal;
        }

        if (await db.Set<PredictiveModel>().AnyAsync(m => m.Status == PredictiveModelStatus.Queued || m.Status == PredictiveModelStatus.Training, ct))
        {
            return new ConflictError("training-in-progress", "A predictive model is already queued or training; wait for it to finish (GET /api/predictive/models).");
        }

        var number = (await db.Set<PredictiveModel>().MaxAsync(m => (int?)m.Number, ct) ?? 0) + 1;
        var model = PredictiveModel.Queue(number, target, trigger, actor.Name, request.Activate ?? true, clock.GetUtcNow().UtcDateTime);
        db.Add(model);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return new ConflictError("training-in-progress", "Another predictive model was queued at the same moment; wait for it to finish (GET /api/predictive/models).");
        }

        return View(model);
    }

    /// <summary>The most versions one list answers.</summary>
    public const int MaxLimit = 200;

    public async Task<Result<IReadOnlyList<PredictiveModelView>>> ListAsync(int limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return ValidationError.For("limit", $"must be between 1 and {MaxLimit}");
        }

        // Projected: the list never loads the model bytes (the report is small: it holds the activation decision).
        var rows = await db.Set<PredictiveModel>().AsNoTracking()
            .OrderByDescending(m => m.Number).Take(limit)
            .Select(m => new
            {
                m.Id, m.Number, m.Target, m.Status, m.IsActive, m.Trigger, m.RequestedBy, m.RequestedAt, m.StartedAt, m.FinishedAt, m.ActivatedAt, m.Error,
                m.Auc, m.LogLoss, m.TrainingSeconds, m.TrainRows, m.TestRows, m.Positives, m.Negatives, m.Parameters, m.Features,
            })
            .ToListAsync(ct);
        return rows.Select(m =>
        {
            var report = ModelReport.Read(m.Features);
            return new PredictiveModelView(
                m.Id, m.Number, m.Target, m.Status, m.IsActive, m.Trigger, m.RequestedBy, m.RequestedAt, m.StartedAt, m.FinishedAt, m.ActivatedAt, m.Error,
                report?.Activation,
                m.Status == PredictiveModelStatus.Ready
                    ? new PredictiveEvaluationView(m.Auc ?? 0, m.LogLoss ?? 0, report?.BaseLogLoss, m.TrainingSeconds ?? 0, m.TrainRows, m.TestRows, m.Positives, m.Negatives, m.Parameters)
                    : null,
                null,
                null);
        }).ToList();
    }

    public async Task<Result<PredictiveModelView>> GetAsync(Guid id, CancellationToken ct)
    {
        var model = await db.Set<PredictiveModel>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        return model is null ? NotFound(id) : View(model);
    }

    /// <summary>
    /// Makes a trained version the one that scores leads (the previous active one steps down). Explicit: it also
    /// activates a version that the quality gate kept inactive.
    /// </summary>
    public async Task<Result<PredictiveModelView>> ActivateAsync(Guid id, CancellationToken ct)
    {
        var model = await db.Set<PredictiveModel>().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null)
        {
            return NotFound(id);
        }

        if (model.Status != PredictiveModelStatus.Ready)
        {
            return new ConflictError("model-not-ready", $"Model {model.Number} is {model.Status}; only a trained (Ready) model can be activated.");
        }

        if (model.IsActive)
        {
            return new ConflictError("already-active", $"Model {model.Number} is already the active predictive model.");
        }

        await ActivateAsync(model, ct);
        return View(model);
    }

    /// <summary>
    /// Trains the oldest queued version, if this node holds the training lease. Returns the version trained, or null
    /// when there was nothing to do (or another node is on it).
    /// </summary>
    public async Task<Guid?> TrainNextAsync(string holder, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!await TryLeaseAsync(holder, now, ct))
        {
            return null;
        }

        // A node that died while training left its claim behind; put that version back in the queue.
        await db.Set<PredictiveModel>()
            .Where(m => m.Status == PredictiveModelStatus.Training && m.ClaimedUntil < now)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, PredictiveModelStatus.Queued), ct);

        var next = await db.Set<PredictiveModel>().AsNoTracking()
            .Where(m => m.Status == PredictiveModelStatus.Queued)
            .OrderBy(m => m.Number).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
        if (next is not { } id)
        {
            return null;
        }

        var until = now.AddMinutes(Settings.LeaseMinutes);
        var claimed = await db.Set<PredictiveModel>()
            .Where(m => m.Id == id && m.Status == PredictiveModelStatus.Queued)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, PredictiveModelStatus.Training)
                .SetProperty(m => m.ClaimedBy, holder)
                .SetProperty(m => m.ClaimedUntil, until)
                .SetProperty(m => m.StartedAt, now), ct);
        if (claimed == 0)
        {
            return null;
        }

        var model = await db.Set<PredictiveModel>().FirstAsync(m => m.Id == id, ct);
        var activate = false;
        try
        {
            var examples = await outcomes.LabelledAsync(model.Target, Settings.OutcomeDays, Settings.MaxTrainingLeads, now, ct);
            if (Enough(examples, model.Target) is { } refusal)
            {
                model.Failed(refusal.Message, clock.GetUtcNow().UtcDateTime);
            }
            else
            {
                var records = examples.Select(e => new TrainingRecord(e.LeadId.ToString(), e.Values, e.Label!.Value)).ToList();
                var watch = Stopwatch.StartNew();
                var result = await Task.Run(() => PredictiveTrainer.TrainAndEvaluate(records, Settings.Trainer, ct), ct);
                var schema = result.Model.Schema;
                var decision = await DecideAsync(model, result.Evaluation, ct);
                activate = decision.Activate;
                var report = new ModelReport(
                    schema.Columns.Select(c => new PredictiveFeatureView(c.Field, c.Kind, c.Categories.Count)).ToList(),
                    schema.Excluded,
                    result.Evaluation.BaseLogLoss,
                    decision.Reason.Replace("{id}", model.Id.ToString(), StringComparison.Ordinal));
                model.Trained(result.Model.Save(), report.Write(), result.Evaluation, clock.GetUtcNow().UtcDateTime);
                log.LogInformation(
                    "Predictive model {Number} trained on {Rows} leads in {Seconds:F1} s: AUC {Auc:F4}, log loss {LogLoss:F4} (base rate {BaseLogLoss:F4}). {Decision}",
                    model.Number, records.Count, watch.Elapsed.TotalSeconds, result.Evaluation.Auc, result.Evaluation.LogLoss, result.Evaluation.BaseLogLoss, report.Activation);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Predictive model {Number}: training failed", model.Number);
            model.Failed(e.Message, clock.GetUtcNow().UtcDateTime);
            activate = false;
        }

        // Ready and active in one commit: nobody sees a finished version that is about to become active.
        await SaveAsync(model, activate, ct);
        return model.Id;
    }

    /// <summary>Queues a retraining when the latest request is older than the interval (only the lease holder does).</summary>
    public async Task<Guid?> ScheduleAsync(string holder, CancellationToken ct)
    {
        if (Settings.RetrainEveryHours <= 0)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var latest = await db.Set<PredictiveModel>().MaxAsync(m => (DateTime?)m.RequestedAt, ct);
        if (latest is null || latest.Value.AddHours(Settings.RetrainEveryHours) > now || !await TryLeaseAsync(holder, now, ct))
        {
            return null; // nothing trained yet (the first model is asked for by a person), or not due
        }

        var queued = await RequestAsync(new TrainRequest(), Actor.System("predictive-schedule"), "schedule", ct);
        if (queued.Error is { } error)
        {
            log.LogInformation("Scheduled predictive retraining skipped: {Reason}", error.Message);
            return null;
        }

        return queued.Value!.Id;
    }

    /// <summary>The quality gate of <see cref="ActivationDecision.Decide"/>, against the version active now.</summary>
    private async Task<ActivationDecision> DecideAsync(PredictiveModel model, ModelEvaluation evaluation, CancellationToken ct)
    {
        var active = await db.Set<PredictiveModel>().AsNoTracking().Where(m => m.IsActive && m.Id != model.Id)
            .Select(m => new { m.Number, m.Target, m.Auc }).FirstOrDefaultAsync(ct);
        return ActivationDecision.Decide(
            model.ActivateWhenReady,
            model.Trigger == "schedule",
            model.Target,
            evaluation,
            Settings.MinimumAuc,
            active is null ? null : (active.Number, active.Target, active.Auc));
    }

    private Task ActivateAsync(PredictiveModel model, CancellationToken ct) => SaveAsync(model, activate: true, ct);

    private async Task SaveAsync(PredictiveModel model, bool activate, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (activate)
        {
            await db.Set<PredictiveModel>().Where(m => m.IsActive && m.Id != model.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsActive, false), ct);
            model.Activate(clock.GetUtcNow().UtcDateTime);
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task<bool> TryLeaseAsync(string holder, DateTime now, CancellationToken ct)
    {
        var until = now.AddMinutes(Settings.LeaseMinutes);
        var taken = await db.Set<PredictiveLease>()
            .Where(l => l.Name == PredictiveLease.Training && (l.Holder == null || l.Holder == holder || l.Until < now))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.Until, until), ct);
        if (taken == 1)
        {
            return true;
        }

        if (await db.Set<PredictiveLease>().AnyAsync(l => l.Name == PredictiveLease.Training, ct))
        {
            return false;
        }

        db.Add(PredictiveLease.Create(PredictiveLease.Training));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another node created it first.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        return await TryLeaseAsync(holder, now, ct);
    }

    private NotEnoughOutcomesError? Enough(List<LeadExample> examples, LeadStage target)
    {
        var positives = examples.Count(e => e.Label == true);
        var negatives = examples.Count(e => e.Label == false);
        var minimum = Math.Max(Settings.MinimumPerOutcome, 10);
        return positives >= minimum && negatives >= minimum
            ? null
            : new NotEnoughOutcomesError(
                $"Not enough outcomes to train: {positives} leads reached {target} and {negatives} did not; each needs at least {minimum}. "
                + $"A lead counts as 'did not' when it was disqualified, lost or nurtured, or is older than {Settings.OutcomeDays} days without reaching {target}.",
                positives,
                negatives,
                minimum);
    }

    private static NotFoundError NotFound(Guid id) => new($"No predictive model with id {id}.");

    private static PredictiveModelView View(PredictiveModel m)
    {
        var report = ModelReport.Read(m.Features);
        return new PredictiveModelView(
            m.Id,
            m.Number,
            m.Target,
            m.Status,
            m.IsActive,
            m.Trigger,
            m.RequestedBy,
            m.RequestedAt,
            m.StartedAt,
            m.FinishedAt,
            m.ActivatedAt,
            m.Error,
            report?.Activation,
            m.Status == PredictiveModelStatus.Ready
                ? new PredictiveEvaluationView(m.Auc ?? 0, m.LogLoss ?? 0, report?.BaseLogLoss, m.TrainingSeconds ?? 0, m.TrainRows, m.TestRows, m.Positives, m.Negatives, m.Parameters)
                : null,
            report?.Features,
            report?.Excluded);
    }
}
