using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;

namespace Handoff.Predictive;

/// <summary>One example for training: a stable key (decides holdout and folds), named raw values, and the outcome.</summary>
public sealed record TrainingRecord(string Key, IReadOnlyDictionary<string, string?> Values, bool Label);

/// <summary>Hyper-parameters of one gradient-boosted tree model.</summary>
/// <remarks><paramref name="Bagged"/>: each tree sees 80 % of the rows and 70 % of the inputs (then the ensemble averages several seeds).</remarks>
public readonly record struct TreeParameters(int Leaves, double LearningRate, int Trees, int MinLeaf = 20, bool Bagged = false)
{
    public override string ToString() => $"leaves={Leaves} learningRate={LearningRate} trees={Trees} minLeaf={MinLeaf} bagged={Bagged}";
}

/// <summary>How <see cref="PredictiveTrainer"/> trains: the search grid, the ensemble size and the encoding limits.</summary>
public sealed record TrainerSettings
{
    /// <summary>The grid searched by cross-validation on the training rows; one entry means no search.</summary>
    public IReadOnlyList<TreeParameters> Grid { get; init; } = DefaultGrid;

    /// <summary>Folds of the cross-validation that picks the grid entry.</summary>
    public int Folds { get; init; } = 3;

    /// <summary>Members of the final ensemble when the chosen parameters are bagged (same parameters, different seeds and samples).</summary>
    public int Members { get; init; } = 5;

    /// <summary>Share of the records held out to measure the model (AUC, log loss) before the final fit on all of them.</summary>
    public double HoldoutShare { get; init; } = 0.2;

    public FeatureLimits Limits { get; init; } = new();

    /// <summary>The share of a logistic regression blended into the trees; null: chosen by cross-validation (0 to 0.6).</summary>
    public double? LinearWeight { get; init; }

    public int Seed { get; init; } = 20_240_611;

    /// <summary>3 tree sizes × 3 learning-rate/tree-count pairs × bagged or not.</summary>
    public static IReadOnlyList<TreeParameters> DefaultGrid { get; } =
    [
        .. from leaves in new[] { 8, 16, 32 }
           from rate in new[] { (0.1, 150), (0.05, 300), (0.025, 600) }
           from bagged in new[] { false, true }
           select new TreeParameters(leaves, rate.Item1, rate.Item2, Bagged: bagged),
    ];

    /// <summary>
    /// A small, fast setting for tests and tiny workspaces. Leaves of at least 10 leads and a slow learning rate keep
    /// its probabilities from overshooting on a few hundred leads, so that a model with a real signal beats the
    /// base rate's log loss (the activation gate); leaves of 5 at rate 0.1 missed it in 1 of 30 seeded histories.
    /// </summary>
    public static TrainerSettings Quick { get; } = new() { Grid = [new TreeParameters(8, 0.05, 60, 10)], Members = 1, LinearWeight = 0 };
}

/// <summary>What a training produced, with its measurements.</summary>
public sealed record TrainingResult(PredictiveEnsemble Model, ModelEvaluation Evaluation);

/// <summary>
/// The measured quality of a model on records it did not train on. <paramref name="BaseLogLoss"/> is the log loss of
/// always predicting the training rows' share of "yes" on the same records: a model must beat it to be of use.
/// </summary>
public sealed record ModelEvaluation(
    double Auc,
    double LogLoss,
    double BaseLogLoss,
    int TrainRows,
    int TestRows,
    int Positives,
    int Negatives,
    double TrainingSeconds,
    string Parameters);

/// <summary>
/// Trains the predictive score with ML.NET LightGBM: learns the feature encoding, picks tree parameters (including
/// whether to bag) by k-fold cross-validation on the training rows, averages several bagged models when bagging
/// won, and blends in a logistic regression at the weight that ranks the out-of-fold predictions best.
/// </summary>
public static class PredictiveTrainer
{
    /// <summary>
    /// Measures on a holdout (a fixed share chosen by key), then fits the final model on every record.
    /// </summary>
    public static TrainingResult TrainAndEvaluate(IReadOnlyList<TrainingRecord> records, TrainerSettings settings, CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var holdout = records.Where(r => Bucket(r.Key, 1000) < settings.HoldoutShare * 1000).ToList();
        var train = records.Where(r => Bucket(r.Key, 1000) >= settings.HoldoutShare * 1000).ToList();
        if (holdout.Count == 0 || holdout.All(r => r.Label) || holdout.All(r => !r.Label))
        {
            throw new InvalidOperationException("The holdout needs both outcomes; train on more records.");
        }

        var trial = Train(train, settings, ct);
        var probabilities = trial.Predict(holdout.Select(r => r.Values).ToList());
        var labels = holdout.Select(r => r.Label).ToArray();
        var auc = Metrics.Auc(labels, probabilities);
        var logLoss = Metrics.LogLoss(labels, probabilities);
        var baseRate = (double)train.Count(r => r.Label) / Math.Max(train.Count, 1);
        var baseLogLoss = Metrics.LogLoss(labels, labels.Select(_ => baseRate).ToArray());

        var final = Train(records, settings with { Grid = [trial.Parameters], LinearWeight = trial.LinearWeight }, ct);
        return new TrainingResult(final, new ModelEvaluation(
            auc,
            logLoss,
            baseLogLoss,
            train.Count,
            holdout.Count,
            records.Count(r => r.Label),
            records.Count(r => !r.Label),
            watch.Elapsed.TotalSeconds,
            $"{trial.Parameters} members={trial.MemberCount} linearWeight={trial.LinearWeight}"));
    }

    /// <summary>Fits on all <paramref name="records"/> (choosing parameters by cross-validation when the grid has several).</summary>
    public static PredictiveEnsemble Train(IReadOnlyList<TrainingRecord> records, TrainerSettings settings, CancellationToken ct = default)
    {
        var schema = FeatureSchema.Learn(records.Select(r => r.Values).ToList(), settings.Limits);
        var vectors = records.Select(r => schema.Encode(r.Values)).ToList();
        var labels = records.Select(r => r.Label).ToArray();
        var parameters = settings.Grid[0];
        var linearWeight = settings.LinearWeight ?? 0;
        if (settings.Grid.Count > 1 || settings.LinearWeight is null)
        {
            var folds = records.Select(r => Bucket(r.Key + "#fold", settings.Folds)).ToArray();
            (parameters, var outOfFold) = Tune(vectors, labels, folds, schema.Width, settings, ct);
            if (settings.LinearWeight is null)
            {
                linearWeight = BlendWeight(vectors, labels, folds, schema, outOfFold, settings, ct);
            }
        }

        // Without sampling every seed grows the same trees: one member is enough.
        var members = new List<ITransformer>();
        for (var m = 0; m < (parameters.Bagged ? settings.Members : 1); m++)
        {
            ct.ThrowIfCancellationRequested();
            members.Add(Fit(vectors, labels, schema.Width, parameters, settings.Seed + m));
        }

        var linear = linearWeight > 0 ? FitLinear(vectors.Select(schema.Linear).ToList(), labels, schema.LinearWidth, settings.Seed) : null;
        return new PredictiveEnsemble(schema, members, parameters, linear, linearWeight);
    }

    /// <summary>An L2-regularized logistic regression over <see cref="FeatureSchema.Linear"/> vectors (standardized).</summary>
    public static ITransformer FitLinear(IReadOnlyList<float[]> vectors, bool[] labels, int width, int seed)
    {
        var ml = new MLContext(seed);
        var data = PredictiveEnsemble.Load(ml, vectors, labels, width);
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                L2Regularization = 1f,
                L1Regularization = 0f,
                NumberOfThreads = 1,
            }));
        return pipeline.Fit(data);
    }

    /// <summary>One LightGBM model; bagged parameters subsample rows and features (for ensemble members).</summary>
    public static ITransformer Fit(IReadOnlyList<float[]> vectors, bool[] labels, int width, TreeParameters parameters, int seed)
    {
        var ml = new MLContext(seed);
        var data = PredictiveEnsemble.Load(ml, vectors, labels, width);
        var options = new LightGbmBinaryTrainer.Options
        {
            NumberOfLeaves = parameters.Leaves,
            LearningRate = parameters.LearningRate,
            NumberOfIterations = parameters.Trees,
            MinimumExampleCountPerLeaf = parameters.MinLeaf,
            Seed = seed,
            // One thread: the machines are shared, and LightGBM's spinning threads slow everything else down.
            NumberOfThreads = 1,
            Silent = true,
            Booster = parameters.Bagged
                ? new GradientBooster.Options { SubsampleFraction = 0.8, SubsampleFrequency = 1, FeatureFraction = 0.7, L2Regularization = 1 }
                : new GradientBooster.Options { L2Regularization = 1 },
        };
        return ml.BinaryClassification.Trainers.LightGbm(options).Fit(data);
    }

    /// <summary>Stable bucket of a key in [0, buckets): the holdout and the folds do not change between runs.</summary>
    public static int Bucket(string key, int buckets)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        hash ^= hash >> 15;
        hash *= 0x2c1b3c6du;
        hash ^= hash >> 12;
        return (int)(hash % (uint)buckets);
    }

    private static (TreeParameters Best, double[] OutOfFold) Tune(List<float[]> vectors, bool[] labels, int[] folds, int width, TrainerSettings settings, CancellationToken ct)
    {
        var best = settings.Grid[0];
        var bestAuc = double.MinValue;
        double[] bestOutOfFold = [];
        foreach (var candidate in settings.Grid)
        {
            var probabilities = OutOfFold(vectors, labels, folds, settings.Folds, (x, y) =>
            {
                var model = Fit(x, y, width, candidate, settings.Seed);
                return test => PredictiveEnsemble.Score(model, test, width);
            }, ct);
            var auc = Metrics.Auc(labels, probabilities);
            if (auc > bestAuc)
            {
                (best, bestAuc, bestOutOfFold) = (candidate, auc, probabilities);
            }
        }

        return (best, bestOutOfFold);
    }

    /// <summary>The share of the logistic regression that ranks the out-of-fold predictions best (0 when it does not help).</summary>
    private static double BlendWeight(List<float[]> vectors, bool[] labels, int[] folds, FeatureSchema schema, double[] trees, TrainerSettings settings, CancellationToken ct)
    {
        var linearVectors = vectors.Select(schema.Linear).ToList();
        var linear = OutOfFold(linearVectors, labels, folds, settings.Folds, (x, y) =>
        {
            var model = FitLinear(x, y, schema.LinearWidth, settings.Seed);
            return test => PredictiveEnsemble.Score(model, test, schema.LinearWidth);
        }, ct);
        var best = 0.0;
        var bestAuc = Metrics.Auc(labels, trees);
        for (var step = 1; step <= 6; step++)
        {
            var w = step / 10.0;
            var auc = Metrics.Auc(labels, trees.Select((t, i) => (1 - w) * t + w * linear[i]).ToArray());
            if (auc > bestAuc)
            {
                (best, bestAuc) = (w, auc);
            }
        }

        return best;
    }

    private static double[] OutOfFold(List<float[]> vectors, bool[] labels, int[] folds, int foldCount, Func<List<float[]>, bool[], Func<List<float[]>, double[]>> fit, CancellationToken ct)
    {
        var probabilities = new double[vectors.Count];
        for (var fold = 0; fold < foldCount; fold++)
        {
            ct.ThrowIfCancellationRequested();
            var trainIdx = Enumerable.Range(0, vectors.Count).Where(i => folds[i] != fold).ToList();
            var testIdx = Enumerable.Range(0, vectors.Count).Where(i => folds[i] == fold).ToList();
            var predict = fit(trainIdx.Select(i => vectors[i]).ToList(), trainIdx.Select(i => labels[i]).ToArray());
            var predicted = predict(testIdx.Select(i => vectors[i]).ToList());
            for (var i = 0; i < testIdx.Count; i++)
            {
                probabilities[testIdx[i]] = predicted[i];
            }
        }

        return probabilities;
    }
}

/// <summary>ROC AUC and log loss, computed directly so that ensembles and baselines are measured the same way.</summary>
public static class Metrics
{
    /// <summary>The probability that a random positive ranks above a random negative (ties count half).</summary>
    public static double Auc(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        var order = Enumerable.Range(0, labels.Count).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        var positives = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var rank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]])
                {
                    rankSum += rank;
                    positives++;
                }
            }

            i = j + 1;
        }

        var negatives = labels.Count - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>Mean negative log-likelihood in nats (probabilities clipped to [1e-15, 1 - 1e-15]).</summary>
    public static double LogLoss(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities)
    {
        double sum = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var p = Math.Clamp(probabilities[i], 1e-15, 1 - 1e-15);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }

        return sum / labels.Count;
    }
}
