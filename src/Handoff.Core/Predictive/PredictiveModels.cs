using System.Diagnostics;
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
    PredictiveEvaluationView? Evaluation,
    IReadOnlyList<PredictiveFeatureView>? Features);

/// <summary>Measured on a holdout of the labelled leads before the final fit on all of them.</summary>
public sealed record PredictiveEvaluationView(double Auc, double LogLoss, double TrainingSeconds, int TrainRows, int TestRows, int Positives, int Negatives, string? Parameters);

/// <summary>One input field of a model: numeric, or categorical with its number of known categories.</summary>
public sealed record PredictiveFeatureView(string Field, FeatureKind Kind, int Categories);

/// <summary>Model versions: ask for a training, list and read them, activate one; and the training job itself.</summary>
public sealed class PredictiveModels(
    HandoffDb db,
    LeadOutcomes outcomes,
    IOptions<PredictiveOptions> options,
    TimeProvider clock,
    ILogger<PredictiveModels> log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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

    public async Task<IReadOnlyList<PredictiveModelView>> ListAsync(int limit, CancellationToken ct)
    {
        // Projected: the list never loads the model bytes.
        return await db.Set<PredictiveModel>().AsNoTracking()
            .OrderByDescending(m => m.Number).Take(Math.Clamp(limit, 1, 200))
            .Select(m => new PredictiveModelView(
                m.Id, m.Number, m.Target, m.Status, m.IsActive, m.Trigger, m.RequestedBy, m.RequestedAt, m.StartedAt, m.FinishedAt, m.ActivatedAt, m.Error,
                m.Status == PredictiveModelStatus.Ready
                    ? new PredictiveEvaluationView(m.Auc ?? 0, m.LogLoss ?? 0, m.TrainingSeconds ?? 0, m.TrainRows, m.TestRows, m.Positives, m.Negatives, m.Parameters)
                    : null,
                null))
            .ToListAsync(ct);
    }

    public async Task<Result<PredictiveModelView>> GetAsync(Guid id, CancellationToken ct)
    {
        var model = await db.Set<PredictiveModel>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        return model is null ? NotFound(id) : View(model);
    }

    /// <summary>Makes a trained version the one that scores leads (the previous active one steps down).</summary>
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
                var features = result.Model.Schema.Columns.Select(c => new PredictiveFeatureView(c.Field, c.Kind, c.Categories.Count)).ToList();
                model.Trained(result.Model.Save(), JsonSerializer.Serialize(features, Json), result.Evaluation, clock.GetUtcNow().UtcDateTime);
                log.LogInformation(
                    "Predictive model {Number} trained on {Rows} leads in {Seconds:F1} s: AUC {Auc:F4}, log loss {LogLoss:F4}",
                    model.Number, records.Count, watch.Elapsed.TotalSeconds, result.Evaluation.Auc, result.Evaluation.LogLoss);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Predictive model {Number}: training failed", model.Number);
            model.Failed(e.Message, clock.GetUtcNow().UtcDateTime);
        }

        // Ready and active in one commit: nobody sees a finished version that is about to become active.
        var activate = model.Status == PredictiveModelStatus.Ready && await ShouldActivateAsync(model, ct);
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

    private async Task<bool> ShouldActivateAsync(PredictiveModel model, CancellationToken ct)
    {
        if (model.Trigger != "schedule")
        {
            return model.ActivateWhenReady;
        }

        // A scheduled retrain replaces the active model unless it measures clearly worse.
        var active = await db.Set<PredictiveModel>().AsNoTracking().Where(m => m.IsActive).Select(m => new { m.Auc, m.Target }).FirstOrDefaultAsync(ct);
        return active is null || (active.Target == model.Target && model.Auc >= (active.Auc ?? 0) - 0.01);
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

    private static PredictiveModelView View(PredictiveModel m) => new(
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
        m.Status == PredictiveModelStatus.Ready
            ? new PredictiveEvaluationView(m.Auc ?? 0, m.LogLoss ?? 0, m.TrainingSeconds ?? 0, m.TrainRows, m.TestRows, m.Positives, m.Negatives, m.Parameters)
            : null,
        m.Features is { } f ? JsonSerializer.Deserialize<List<PredictiveFeatureView>>(f, Json) : null);
}
