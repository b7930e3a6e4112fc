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
    public void Learn_LeavesOutIdentifiers_AndSaysWhy_ButKeepsMeasurementsThatRarelyRepeat()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 120).Select(i => (IReadOnlyDictionary<string, string?>)Row(
            ("custom.Lead Number", (660_737 - i * 7).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("custom.Prospect ID", Guid.NewGuid().ToString()),
            ("custom.Page Views Per Visit", (random.Next(1, 4000) / 100.0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("custom.Total Time Spent", random.Next(0, 300).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("custom.plan", i % 3 == 0 ? "enterprise" : "starter"))).ToList();

        var schema = FeatureSchema.Learn(rows, new FeatureLimits());

        Assert.Equal(["custom.Page Views Per Visit", "custom.Total Time Spent", "custom.plan"], schema.Columns.Select(c => c.Field));
        var leadNumber = Assert.Single(schema.Excluded, e => e.Field == "custom.Lead Number");
        Assert.Equal("identifier: 120 distinct whole numbers in 120 training leads", leadNumber.Reason);
        Assert.StartsWith("identifier or free text: 120 distinct values", Assert.Single(schema.Excluded, e => e.Field == "custom.Prospect ID").Reason, StringComparison.Ordinal);

        // Kept in the stored model, so a loaded model says the same.
        var reloaded = System.Text.Json.JsonSerializer.Deserialize<FeatureSchema>(System.Text.Json.JsonSerializer.Serialize(schema))!;
        Assert.Equal(schema.Excluded, reloaded.Excluded);
        Assert.Equal(schema.Columns.Select(c => c.Field), reloaded.Columns.Select(c => c.Field));
    }

    [Fact]
    public void Learn_TooFewValues_AreNotCalledIdentifiers()
    {
        var rows = Enumerable.Range(0, 20).Select(i => (IReadOnlyDictionary<string, string?>)Row(("custom.seats", (i * 13).ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToList();

        var schema = FeatureSchema.Learn(rows, new FeatureLimits());

        Assert.Equal(FeatureKind.Numeric, Assert.Single(schema.Columns).Kind);
        Assert.Empty(schema.Excluded);
    }

    [Fact]
    public void Typical_CountsMissingAsAValue_KeepsTheSpellingOfTheData_AndReadsFormPlaceholdersAsMissing()
    {
        // 84 % without consent, industry mostly empty or the form default; country mostly "India" in its own casing.
        var rows = Enumerable.Range(0, 100).Select(i => (IReadOnlyDictionary<string, string?>)Row(
            ("emailConsent", i < 10 ? "false" : i < 16 ? "true" : null),
            ("industry", i < 10 ? "Education" : i < 15 ? "Retail" : i < 60 ? " Select " : null),
            ("country", i < 70 ? "India" : i < 75 ? "india" : i < 90 ? "United States" : "select"),
            ("score", i < 60 ? null : (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("visits", i < 30 ? null : (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToList();

        var schema = FeatureSchema.Learn(rows, new FeatureLimits());
        var column = schema.Columns.ToDictionary(c => c.Field);

        Assert.Null(column["emailConsent"].Reference);
        Assert.Null(column["industry"].Reference);
        Assert.Equal(["education", "retail"], column["industry"].Categories); // "Select" is no category
        Assert.Equal("India", column["country"].Reference);
        Assert.Null(column["score"].Reference); // more leads without a number than with one
        Assert.Equal("3", column["score"].Median);
        Assert.Equal("2", column["visits"].Reference);

        // A placeholder encodes as missing, like an empty value.
        Assert.Equal(schema.Encode(Row(("industry", null))), schema.Encode(Row(("industry", "please SELECT"))));
        Assert.Null(schema.Clean("Select"));
        Assert.Equal("Retail", schema.Clean(" Retail "));
    }

    [Fact]
    public void Learn_UsesTheConfiguredPlaceholders_AndAStoredModelKeepsThem()
    {
        var rows = Enumerable.Range(0, 40).Select(i => (IReadOnlyDictionary<string, string?>)Row(("source", i % 2 == 0 ? "Google" : i % 4 == 1 ? "n/a" : "Select"))).ToList();

        var custom = FeatureSchema.Learn(rows, new FeatureLimits { Placeholders = ["N/A"] });

        Assert.Equal(["google", "select"], custom.Columns[0].Categories);
        Assert.Null(custom.Clean("N/A"));
        var reloaded = System.Text.Json.JsonSerializer.Deserialize<FeatureSchema>(System.Text.Json.JsonSerializer.Serialize(custom))!;
        Assert.Null(reloaded.Clean("n/a"));
        Assert.Equal("Select", reloaded.Clean("Select"));
        // A model stored before placeholders existed reads every value as it did then.
        Assert.Equal("n/a", new FeatureSchema(custom.Columns).Clean("n/a"));
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
        // The base rate's log loss is the entropy of the outcome share: between 0.5 and ln 2 for a 30-70 % share.
        Assert.InRange(result.Evaluation.BaseLogLoss, 0.5, Math.Log(2) + 0.01);
        Assert.True(result.Evaluation.LogLoss < result.Evaluation.BaseLogLoss);
        Assert.Equal(600, result.Evaluation.TrainRows + result.Evaluation.TestRows);
        var lead = new Dictionary<string, string?> { ["custom.plan"] = "starter", ["activities.PageView"] = "2", ["industry"] = "Retail" };
        var (probability, factors) = result.Model.Explain(lead, top: 3);
        Assert.InRange(probability, 0, 0.4);
        Assert.Equal("custom.plan", factors[0].Field);
        Assert.True(factors[0].Effect < 0);
        Assert.Equal("starter", factors[0].Value);

        // Industry is missing for a third of the leads, Retail and Software for a third each: the typical lead's
        // industry is whichever is most frequent, in the data's spelling; a form placeholder reads as no value.
        var select = result.Model.Explain(new Dictionary<string, string?>(lead) { ["industry"] = "Select" }, top: 3);
        Assert.Equal(result.Model.Explain(new Dictionary<string, string?>(lead) { ["industry"] = null }, top: 3).Probability, select.Probability);
        var industry = result.Model.Schema.Columns.Single(c => c.Field == "industry");
        Assert.Contains(industry.Reference, new[] { "Retail", "Software", null });
        Assert.All(select.Factors.Where(f => f.Field == "industry"), f => Assert.Null(f.Value));

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

public sealed class ActivationDecisionTests
{
    private static ModelEvaluation Evaluation(double auc, double logLoss, double baseLogLoss = 0.69) =>
        new(auc, logLoss, baseLogLoss, 187, 47, 109, 125, 1.2, "leaves=8");

    [Fact]
    public void AModelWorseThanGuessing_IsNotActivated_AndTheReasonSaysWhy()
    {
        var decision = ActivationDecision.Decide(true, false, Handoff.Leads.LeadStage.SQL, Evaluation(0.54, 0.788), 0.6, null);

        Assert.False(decision.Activate);
        Assert.StartsWith("Not activated: AUC 0.54 is below 0.60 and log loss 0.788 is not better than always predicting the base rate (0.690)", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("activate it explicitly", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.59, 0.60, false)] // ranks too poorly
    [InlineData(0.80, 0.70, false)] // ranks, but its probabilities are worse than the base rate's
    [InlineData(0.80, 0.69, false)] // not better than the base rate
    [InlineData(0.60, 0.68, true)]
    public void TheFloor_NeedsBothTheMinimumAuc_AndALogLossBelowTheBaseRates(double auc, double logLoss, bool activated)
    {
        Assert.Equal(activated, ActivationDecision.Decide(true, false, Handoff.Leads.LeadStage.SQL, Evaluation(auc, logLoss), 0.6, null).Activate);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARetraining_ManualOrScheduled_NeverReplacesAClearlyBetterActiveModel(bool scheduled)
    {
        var worse = ActivationDecision.Decide(true, scheduled, Handoff.Leads.LeadStage.SQL, Evaluation(0.80, 0.50), 0.6, (3, Handoff.Leads.LeadStage.SQL, 0.85));
        var close = ActivationDecision.Decide(true, scheduled, Handoff.Leads.LeadStage.SQL, Evaluation(0.845, 0.50), 0.6, (3, Handoff.Leads.LeadStage.SQL, 0.85));

        Assert.False(worse.Activate);
        Assert.Equal("Not activated: the active model 3 measured AUC 0.8500, more than 0.01 above this one's 0.8000. An admin can still activate it explicitly.", worse.Reason);
        Assert.True(close.Activate);
        Assert.StartsWith("Activated in place of model 3: AUC ", close.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyAPerson_ChangesTheTarget_AndActivateFalse_IsRespected()
    {
        var active = (3, Handoff.Leads.LeadStage.SQL, (double?)0.85);

        Assert.False(ActivationDecision.Decide(true, true, Handoff.Leads.LeadStage.Won, Evaluation(0.9, 0.3), 0.6, active).Activate);
        Assert.True(ActivationDecision.Decide(true, false, Handoff.Leads.LeadStage.Won, Evaluation(0.9, 0.3), 0.6, active).Activate);
        var declined = ActivationDecision.Decide(false, false, Handoff.Leads.LeadStage.SQL, Evaluation(0.9, 0.3), 0.6, null);
        Assert.False(declined.Activate);
        Assert.StartsWith("Not activated: the request said activate: false", declined.Reason, StringComparison.Ordinal);
    }
}
