using System.Collections.Concurrent;
using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Predictive;

/// <summary>A lead's probability of reaching the model's target, with the factors that move it most.</summary>
public sealed record LeadPredictionView(
    Guid LeadId,
    double Probability,
    LeadStage Target,
    Guid ModelId,
    int ModelNumber,
    DateTime ScoredAt,
    IReadOnlyList<PredictionFactor> Factors);

/// <summary>Loaded models, by version id (loading one parses ML.NET model files, so it is done once per process).</summary>
public sealed class PredictiveModelCache
{
    private readonly ConcurrentDictionary<Guid, PredictiveEnsemble> _models = new();

    public PredictiveEnsemble Get(Guid id, Func<byte[]> content) => _models.GetOrAdd(id, _ => PredictiveEnsemble.Load(content()));
}

/// <summary>
/// Per-lead predictions of the active model, stored in <c>lead_predictions</c>. A read serves the stored one while
/// it is current (same model, same lead version, same activity count) and rescores it otherwise; the worker
/// rescores changed leads in batches after a training or activation.
/// </summary>
public sealed class LeadPredictions(HandoffDb db, LeadOutcomes outcomes, PredictiveModelCache cache, IOptions<PredictiveOptions> options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Result<LeadPredictionView>> GetAsync(Guid leadId, CancellationToken ct)
    {
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == leadId, ct);
        if (lead is null)
        {
            return new NotFoundError($"No lead with id {leadId}.");
        }

        var active = await db.Set<PredictiveModel>().AsNoTracking().Where(m => m.IsActive)
            .Select(m => new { m.Id, m.Number, m.Target }).FirstOrDefaultAsync(ct);
        if (active is null)
        {
            return new ConflictError("no-active-model", "No predictive model is active: train one (POST /api/predictive/models) and activate it.");
        }

        var activities = (await outcomes.ActivityCountsAsync([leadId], ct)).GetValueOrDefault(leadId);
        var stored = await db.Set<LeadPrediction>().FirstOrDefaultAsync(p => p.LeadId == leadId, ct);
        if (stored is null || stored.ModelId != active.Id || stored.LeadVersion != lead.Version || stored.ActivityCount != activities)
        {
            stored = await ScoreAsync([lead], active.Id, ct) is [var fresh] ? fresh : stored!;
        }

        return new LeadPredictionView(leadId, stored.Probability, active.Target, active.Id, active.Number, stored.ScoredAt, Factors(stored.Factors));
    }

    /// <summary>Rescores up to one batch of leads whose stored prediction is missing or stale; returns how many.</summary>
    public async Task<int> RefreshAsync(CancellationToken ct)
    {
        var active = await db.Set<PredictiveModel>().AsNoTracking().Where(m => m.IsActive).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
        if (active is not { } modelId)
        {
            return 0;
        }

        var predictions = db.Set<LeadPrediction>();
        var leads = await db.Leads.AsNoTracking()
            .Where(l => l.MergedIntoId == null)
            .Where(l => !predictions.Any(p => p.LeadId == l.Id && p.ModelId == modelId && p.LeadVersion == l.Version)
                || db.Activities.Any(a => a.LeadId == l.Id && predictions.Any(p => p.LeadId == l.Id && a.RecordedAt > p.ScoredAt)))
            .OrderBy(l => l.Id)
            .Take(Math.Max(options.Value.RefreshBatch, 1))
            .ToListAsync(ct);
        if (leads.Count > 0)
        {
            await ScoreAsync(leads, modelId, ct);
        }

        return leads.Count;
    }

    private async Task<List<LeadPrediction>> ScoreAsync(List<Lead> leads, Guid modelId, CancellationToken ct)
    {
        var model = cache.Get(modelId, () => db.Set<PredictiveModel>().AsNoTracking().Where(m => m.Id == modelId).Select(m => m.Content).First()
            ?? throw new InvalidOperationException($"Model {modelId} has no content."));
        var examples = await outcomes.OfAsync(leads, ct);
        var counts = await outcomes.ActivityCountsAsync(leads.Select(l => l.Id).ToList(), ct);
        var explained = await Task.Run(() => model.ExplainMany(examples.Select(e => e.Values).ToList(), options.Value.Factors), ct);
        var ids = leads.Select(l => l.Id).ToList();
        var existing = await db.Set<LeadPrediction>().Where(p => ids.Contains(p.LeadId)).ToDictionaryAsync(p => p.LeadId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var results = new List<LeadPrediction>();
        for (var i = 0; i < leads.Count; i++)
        {
            if (!existing.TryGetValue(leads[i].Id, out var prediction))
            {
                prediction = LeadPrediction.Create(leads[i].Id);
                db.Add(prediction);
            }

            var (probability, factors) = explained[i];
            prediction.Set(modelId, Math.Round(probability, 6), JsonSerializer.Serialize(factors, Json), leads[i].Version, counts.GetValueOrDefault(leads[i].Id), now);
            results.Add(prediction);
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another request scored the same new lead at the same moment: its row is as good as ours.
            db.ChangeTracker.Clear();
        }

        return results;
    }

    private static List<PredictionFactor> Factors(string json) => JsonSerializer.Deserialize<List<PredictionFactor>>(json, Json) ?? [];
}
