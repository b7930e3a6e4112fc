using Handoff.Predictive;

namespace Handoff.Core.Tests.Predictive;

public sealed class FeatureSchemaTests
{
    private static readonly FeatureLimits Limits = new() { MinCategoryCount = 2, MaxCategories = 3 };

    [Fact]
    public void Learn_DetectsNumbers_OneHotsFrequentCategories_AndDropsConstantsAndRareValues()
    {
        var rows = new List<IReadOnlyDictionary<string, string?>>
        {
            Row(("seats", "12"), ("plan", "Enterprise"), ("region", "EMEA"), ("email", "maria.garcia@northwind-traders.com")),
            Row(("seats", "3.5"), ("plan", "enterprise"), ("region", "EMEA"), ("email", "james.okafor@contoso-retail.com")),
            Row(("seats", ""), ("plan", "starter"), ("region", "EMEA"), ("email", "aisha.haddad@fabrikam-labs.com")),
            Row(("seats", "40"), ("plan", "starter"), ("region", "EMEA"), ("email", "chen.rossi@tailspin-air.com")),
            Row(("seats", "7"), ("plan", "team"), ("region", "EMEA"), ("email", "olivia.patel@litware-health.com")),
        };

        var schema = FeatureSchema.Learn(rows, Limits);

        Assert.Equal(["plan", "seats"], schema.Columns.Select(c => c.Field));
        var plan = schema.Columns[0];
        Assert.Equal(FeatureKind.Categorical, plan.Kind);
        Assert.Equal(["enterprise", "starter"], plan.Categories);
        var seats = schema.Columns[1];
        Assert.Equal(FeatureKind.Numeric, seats.Kind);
        Assert.Equal("12", seats.Reference);
        Assert.Equal(4, schema.Width);

        var vector = schema.Encode(Row(("plan", "ENTERPRISE"), ("seats", "9")));
        Assert.Equal([1f, 0f, 0f, 9f], vector);
        Assert.Equal([0f, 0f, 1f], schema.Encode(Row(("plan", "team")))[..3]);
        Assert.True(float.IsNaN(schema.Encode(Row(("plan", "starter")))[3]));
        // The typical lead: the median number, the most frequent category (a tie goes to the first in order).
        Assert.Equal([1f, 0f, 0f, 12f], FeatureSchema.WithReference(FeatureSchema.WithReference(Row2(schema), seats), plan));
    }

    [Fact]
    public void Linear_FillsMissingNumbersWithTheTypicalValue_AndFlagsThem()
    {
        var schema = new FeatureSchema([new FeatureColumn("seats", FeatureKind.Numeric, 0, [], "9")]);

        var missing = schema.Linear([float.NaN]);
        var present = schema.Linear([0f]);

        Assert.Equal(2, schema.LinearWidth);
        Assert.Equal(MathF.Log(10), missing[0], 5);
        Assert.Equal(1f, missing[1]);
        Assert.Equal([0f, 0f], present);
    }

    private static float[] Row2(FeatureSchema schema) => schema.Encode(Row(("plan", "starter"), ("seats", "9")));

    private static Dictionary<string, string?> Row(params (string Key, string? Value)[] values) =>
        values.ToDictionary(v => v.Key, v => v.Value);
}

public sealed class PredictiveTrainerTests
{
    [Fact]
    public void Metrics_AreTheTextbookOnes()
    {
        Assert.Equal(1.0, Metrics.Auc([false, false, true, true], [0.1, 0.2, 0.8, 0.9]));
        Assert.Equal(0.0, Metrics.Auc([true, true, false, false], [0.1, 0.2, 0.8, 0.9]));
        Assert.Equal(0.5, Metrics.Auc([true, false], [0.4, 0.4]));
        Assert.Equal(0.75, Metrics.Auc([false, true, false, true], [0.1, 0.2, 0.3, 0.4]));
        Assert.Equal(Math.Log(2), Metrics.LogLoss([true, false], [0.5, 0.5]), 10);
    }

    [Fact]
    public void Trains_FindsTheSignal_ExplainsWithIt_AndSurvivesSaveAndLoad()
    {
        var random = new Random(7);
        var records = Enumerable.Range(0, 600).Select(i =>
        {
            var plan = i % 2 == 0 ? "enterprise" : "starter";
            var visits = random.Next(0, 30);
            var p = (plan == "enterprise" ? 0.6 : 0.1) + visits / 100.0;
            return new TrainingRecord(
                $"lead-{i}",
                new Dictionary<string, string?>
                {
                    ["custom.plan"] = plan,
                    ["activities.PageView"] = visits.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["industry"] = random.Next(3) switch { 0 => "Retail", 1 => "Software", _ => null },
                },
                random.NextDouble() < p);
        }).ToList();
        // Two settings and a free blend weight: the cross-validated path, kept small.
        var settings = new TrainerSettings
        {
            Grid = [new TreeParameters(4, 0.1, 40, 10), new TreeParameters(4, 0.1, 40, 10, Bagged: true)],
            Members = 2,
            Folds = 2,
        };

        var result = PredictiveTrainer.TrainAndEvaluate(records, settings);

        Assert.True(result.Evaluation.Auc > 0.7, $"AUC {result.Evaluation.Auc}");
        Assert.True(result.Evaluation.LogLoss < 0.69, $"log loss {result.Evaluation.LogLoss}");
        Assert.Equal(600, result.Evaluation.TrainRows + result.Evaluation.TestRows);
        var lead = new Dictionary<string, string?> { ["custom.plan"] = "starter", ["activities.PageView"] = "2", ["industry"] = "Retail" };
        var (probability, factors) = result.Model.Explain(lead, top: 3);
        Assert.InRange(probability, 0, 0.4);
        Assert.Equal("custom.plan", factors[0].Field);
        Assert.True(factors[0].Effect < 0);
        Assert.Equal("starter", factors[0].Value);

        var loaded = PredictiveEnsemble.Load(result.Model.Save());
        Assert.Equal(result.Model.Predict([lead]), loaded.Predict([lead]));
        Assert.Equal(result.Model.LinearWeight, loaded.LinearWeight);
        Assert.Equal(result.Model.Schema.Width, loaded.Schema.Width);
    }

    [Fact]
    public void Bucket_IsStableAndSpreads()
    {
        Assert.Equal(PredictiveTrainer.Bucket("0193a7c4-5b1e-7c3a-9d2f-1e2f3a4b5c6d", 5), PredictiveTrainer.Bucket("0193a7c4-5b1e-7c3a-9d2f-1e2f3a4b5c6d", 5));
        var counts = Enumerable.Range(0, 5000).GroupBy(i => PredictiveTrainer.Bucket(Guid.CreateVersion7().ToString(), 5)).Select(g => g.Count()).ToList();
        Assert.Equal(5, counts.Count);
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }
}
