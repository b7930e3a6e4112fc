using Microsoft.Extensions.Options;

namespace Handoff.Predictive;

/// <summary>One pass of the predictive background work: schedule a retraining if due, train what is queued, refresh stale predictions.</summary>
public sealed class PredictiveJobs(PredictiveModels models, LeadPredictions predictions, IOptions<PredictiveOptions> options)
{
    /// <summary>At most this many refresh batches per pass, so that a queued training is not kept waiting by a big rescore.</summary>
    private const int MaxBatchesPerPass = 20;

    /// <summary>Runs one pass as <paramref name="holder"/> (this node's lease name); returns the leads rescored.</summary>
    public async Task<int> RunOnceAsync(string holder, CancellationToken ct)
    {
        await models.ScheduleAsync(holder, ct);
        await models.TrainNextAsync(holder, ct);
        var total = 0;
        for (var batch = 0; batch < MaxBatchesPerPass; batch++)
        {
            var scored = await predictions.RefreshAsync(ct);
            total += scored;
            if (scored < options.Value.RefreshBatch)
            {
                break;
            }
        }

        return total;
    }
}
