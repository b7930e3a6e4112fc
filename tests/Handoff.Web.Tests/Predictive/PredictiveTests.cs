using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Data;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Predictive;

/// <summary>
/// The predictive score over HTTP: a history where the plan a lead asked about decides (mostly) whether it reached
/// SQL; the model must find that, rank by it, explain with it, and refuse what it cannot do.
/// </summary>
public abstract class PredictiveTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private static readonly string[] FirstNames = ["Maria", "James", "Aisha", "Chen", "Olivia", "Mateo", "Priya", "Lukas", "Sofia", "Kwame", "Elena", "Hiroshi"];
    private static readonly string[] LastNames = ["Garcia", "Okafor", "Nakamura", "Schmidt", "Rossi", "Patel", "Kowalski", "Haddad", "Lindqvist", "Moreau"];
    private static readonly string[] Industries = ["Software", "Retail", "Manufacturing", "Healthcare"];
    private static int _crmId = 660_000;

    protected TApp App { get; } = app;

    [Fact]
    public async Task Model_Trains_OnStageHistory_RanksAndExplainsByTheSignalField()
    {
        var client = App.Admin();
        await SeedHistoryAsync(client, leads: 200);

        var response = await client.PostAsJsonAsync("/api/predictive/models", new { target = "SQL", activate = false });
        var queued = await response.ReadObjectAsync();
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/predictive/models/{queued["id"]}", response.Headers.Location?.OriginalString);
        Assert.Contains(queued["status"]!.GetValue<string>(), new[] { "Queued", "Training", "Ready" });

        var model = await WaitTrainedAsync(client, queued["id"]!.GetValue<string>());
        Assert.Equal("Ready", model["status"]!.GetValue<string>());
        Assert.False(model["isActive"]!.GetValue<bool>());
        var evaluation = model["evaluation"]!;
        Assert.True(evaluation["auc"]!.GetValue<double>() > 0.7, $"AUC {evaluation["auc"]}");
        // A tenth of the seeded outcomes go against the plan on purpose and the test split holds about 40 leads, so
        // the log loss swings with how many of those land in it (up to 0.77 seen); the ranking is checked by the AUC.
        Assert.InRange(evaluation["logLoss"]!.GetValue<double>(), 0.01, 1.0);
        Assert.True(evaluation["positives"]!.GetValue<int>() >= 20 && evaluation["negatives"]!.GetValue<int>() >= 20);
        // A held-out test split that is smaller than the training split (the sum of the two equals the leads by construction).
        Assert.InRange(evaluation["testRows"]!.GetValue<int>(), 1, evaluation["trainRows"]!.GetValue<int>() - 1);
        var features = model["features"]!.AsArray();
        Assert.Contains(features, f => f!["field"]!.GetValue<string>() == "custom.plan" && f["kind"]!.GetValue<string>() == "Categorical");
        Assert.Contains(features, f => f!["field"]!.GetValue<string>() == "custom.seats" && f["kind"]!.GetValue<string>() == "Numeric");
        // The imported CRM number is unique per lead: an identifier, never an input, and the model says so.
        Assert.DoesNotContain(features, f => f!["field"]!.GetValue<string>() == "custom.crmId");
        var crmId = Assert.Single(model["excluded"]!.AsArray(), f => f!["field"]!.GetValue<string>() == "custom.crmId")!;
        Assert.StartsWith("identifier: ", crmId["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(evaluation["baseLogLoss"]!.GetValue<double>() > evaluation["logLoss"]!.GetValue<double>(), $"{evaluation}");
        Assert.StartsWith("Not activated: the request said activate: false", model["activation"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains($"/api/predictive/models/{model["id"]}/activate", model["activation"]!.GetValue<string>(), StringComparison.Ordinal);

        // Not active yet: no prediction, and it says why.
        var enterprise = (await client.CreateLeadAsync(Lead("enterprise", "Software"))).Id();
        var starter = (await client.CreateLeadAsync(Lead("starter", "Software"))).Id();
        var none = await client.GetAsync($"/api/leads/{enterprise}/prediction");
        Assert.Equal(HttpStatusCode.Conflict, none.StatusCode);
        Assert.Contains("no-active-model", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var activated = await client.PostAsync($"/api/predictive/models/{model["id"]}/activate", null);
        Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        Assert.True((await activated.ReadObjectAsync())["isActive"]!.GetValue<bool>());

        var high = await (await client.GetAsync($"/api/leads/{enterprise}/prediction")).ReadObjectAsync();
        var low = await (await client.GetAsync($"/api/leads/{starter}/prediction")).ReadObjectAsync();
        Assert.True(high["probability"]!.GetValue<double>() > low["probability"]!.GetValue<double>() + 0.15, $"{high["probability"]} vs {low["probability"]}");
        Assert.Equal("SQL", high["target"]!.GetValue<string>());
        Assert.Equal(model["number"]!.GetValue<int>(), high["modelNumber"]!.GetValue<int>());
        var topFields = new[] { high, low }.Select(p => p["factors"]!.AsArray().FirstOrDefault()?["field"]?.GetValue<string>()).ToList();
        Assert.Contains("custom.plan", topFields);
        var planFactor = new[] { high, low }.SelectMany(p => p["factors"]!.AsArray()).First(f => f!["field"]!.GetValue<string>() == "custom.plan")!;
        Assert.NotNull(planFactor["typical"]);
        Assert.NotEqual(0, planFactor["effect"]!.GetValue<double>());
        Assert.StartsWith($"custom.plan is {planFactor["value"]} (typically {planFactor["typical"]}): ", planFactor["text"]!.GetValue<string>(), StringComparison.Ordinal);

        // A changed lead gets a fresh prediction.
        var patched = await client.PatchAsync($"/api/leads/{starter}", Json.Raw("""{"customFields":{"plan":"enterprise","seats":"400"}}""", "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var raised = await (await client.GetAsync($"/api/leads/{starter}/prediction")).ReadObjectAsync();
        Assert.True(raised["probability"]!.GetValue<double>() > low["probability"]!.GetValue<double>() + 0.15);

        // The worker scores the rest of the leads into their own table.
        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await db.LeadPredictions.CountAsync() < 200 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(await db.LeadPredictions.CountAsync() >= 200);
        Assert.Equal(1, await db.PredictiveModels.CountAsync(m => m.IsActive));

        var list = await (await client.GetAsync("/api/predictive/models")).ReadArrayAsync();
        Assert.Contains(list, m => m!["id"]!.GetValue<string>() == model["id"]!.GetValue<string>() && m["isActive"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Training_IsRefusedWith422_WhenAnOutcomeHasTooFewLeads()
    {
        // Nobody in this workspace has ever reached Won, whatever else the other tests add.
        var response = await App.Admin().PostAsJsonAsync("/api/predictive/models", new { target = "Won" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = Json.Problem(await response.Content.ReadAsStringAsync());
        Assert.Equal("not-enough-outcomes", problem.GetProperty("code").GetString());
        Assert.Equal(0, problem.GetProperty("positives").GetInt32());
        Assert.Equal(20, problem.GetProperty("minimum").GetInt32());
        Assert.Contains("reached Won", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"target":"MQL"}""", "target")]
    [InlineData("""{"target":"3"}""", "target")]
    [InlineData("""{"target":"Banana"}""", "target")]
    public async Task Training_RejectsABadTarget(string body, string field)
    {
        var response = await App.Admin().PostAsync("/api/predictive/models", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("""{"activate":"yes"}""")]
    [InlineData("""{"target":"SQL","extra":1}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"target":""")]
    public async Task Training_RejectsMalformedBodies(string body)
    {
        var response = await App.Admin().PostAsync("/api/predictive/models", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownModelsAndLeads_Are404()
    {
        var client = App.Admin();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/predictive/models/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/predictive/models/{Guid.NewGuid()}/activate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/leads/{Guid.NewGuid()}/prediction")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/predictive/models/not-a-guid")).StatusCode);
    }

    [Fact]
    public async Task Training_NeedsAnAdminKey()
    {
        var response = await App.WithKey(null).PostAsJsonAsync("/api/predictive/models", new { });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>
    /// Enterprise-plan leads mostly reach SQL, starter-plan leads mostly get disqualified; industry and seats are noise.
    /// With <paramref name="noise"/> the outcome is a coin toss (47 % yes) whatever the plan: nothing to learn.
    /// </summary>
    internal static async Task SeedHistoryAsync(HttpClient client, int leads, bool noise = false)
    {
        var random = new Random(42);
        var plans = Enumerable.Range(0, leads).Select(i => (Plan: i % 2 == 0 ? "enterprise" : "starter", Industry: Industries[random.Next(Industries.Length)], Roll: random.NextDouble())).ToList();
        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (p, ct) =>
        {
            var id = (await client.CreateLeadAsync(Lead(p.Plan, p.Industry))).Id();
            var reached = noise ? p.Roll < 0.47 : p.Plan == "enterprise" ? p.Roll < 0.9 : p.Roll < 0.1;
            var move = await client.MoveAsync(id, reached ? new { to = "SQL", note = "qualified on the first call" } : new { to = "Disqualified", reason = "poor-fit" });
            Assert.True(move.IsSuccessStatusCode, await move.Content.ReadAsStringAsync(ct));
        });
    }

    internal static object Lead(string plan, string industry)
    {
        var first = FirstNames[Random.Shared.Next(FirstNames.Length)];
        var last = LastNames[Random.Shared.Next(LastNames.Length)];
        var seats = Random.Shared.Next(1, 500); // noise: says nothing about the outcome
        return new
        {
            firstName = first,
            lastName = last,
            email = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}.{Guid.NewGuid():N}@northwind-traders.com",
            company = "Northwind Traders",
            industry,
            source = "Website",
            customFields = new Dictionary<string, string>
            {
                ["plan"] = plan,
                ["seats"] = seats.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // An imported CRM's lead number: unique per lead, so an identifier that must never be an input.
                ["crmId"] = Interlocked.Increment(ref _crmId).ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    internal static async Task<JsonObject> WaitTrainedAsync(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var model = await (await client.GetAsync($"/api/predictive/models/{id}")).ReadObjectAsync();
            var status = model["status"]!.GetValue<string>();
            if (status is "Ready" or "Failed" || DateTime.UtcNow > deadline)
            {
                Assert.True(status == "Ready", $"model {id}: {status} {model["error"]}");
                return model;
            }

            await Task.Delay(200);
        }
    }
}

/// <summary>A workspace where training is quick and the worker looks often.</summary>
public static class PredictiveSettings
{
    public static void Apply(HandoffApp app, double retrainEveryHours = 0)
    {
        app.Settings["Handoff:Predictive:Quick"] = "true";
        app.Settings["Handoff:Predictive:MinimumPerOutcome"] = "20";
        app.Settings["Handoff:Predictive:PollSeconds"] = "0.2";
        app.Settings["Handoff:Predictive:RetrainEveryHours"] = retrainEveryHours.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class PredictiveSqliteApp : SqliteApp
{
    public PredictiveSqliteApp() => PredictiveSettings.Apply(this);
}

public sealed class PredictivePostgresApp : PostgresApp
{
    public PredictivePostgresApp() => PredictiveSettings.Apply(this);
}

public sealed class PredictiveTests_Sqlite(PredictiveSqliteApp app) : PredictiveTests<PredictiveSqliteApp>(app);

public sealed class PredictiveTests_Postgres(PredictivePostgresApp app) : PredictiveTests<PredictivePostgresApp>(app);

/// <summary>
/// The activation gate over HTTP: on a history where the outcome is a coin toss, a trained version is kept with its
/// evaluation and the reason, not activated; an admin may still activate it explicitly, once.
/// </summary>
public abstract class PredictiveGateTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task AModelThatLearnedNothing_IsNotActivated_ButAnAdminMayActivateIt_Once()
    {
        var client = app.Admin();
        await PredictiveTests<TApp>.SeedHistoryAsync(client, leads: 200, noise: true);

        // activate defaults to true: the gate, not the request, keeps it inactive.
        var first = await (await client.PostAsJsonAsync("/api/predictive/models", new { target = "SQL" })).ReadObjectAsync();
        var model = await PredictiveTests<TApp>.WaitTrainedAsync(client, first["id"]!.GetValue<string>());

        Assert.False(model["isActive"]!.GetValue<bool>());
        var auc = model["evaluation"]!["auc"]!.GetValue<double>();
        var activation = model["activation"]!.GetValue<string>();
        Assert.StartsWith("Not activated: ", activation, StringComparison.Ordinal);
        Assert.Contains(FormattableString.Invariant($"AUC {auc:F2} is below 0.90"), activation, StringComparison.Ordinal);
        Assert.Contains("activate it explicitly", activation, StringComparison.Ordinal);
        Assert.NotNull(model["evaluation"]!["baseLogLoss"]);
        var listed = (await (await client.GetAsync("/api/predictive/models")).ReadArrayAsync()).Single(m => m!["id"]!.GetValue<string>() == model["id"]!.GetValue<string>())!;
        Assert.Equal(activation, listed["activation"]!.GetValue<string>());
        var lead = (await client.CreateLeadAsync(PredictiveTests<TApp>.Lead("starter", "Retail"))).Id();
        Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync($"/api/leads/{lead}/prediction")).StatusCode);

        var activated = await client.PostAsync($"/api/predictive/models/{model["id"]}/activate", null);
        Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        Assert.True((await activated.ReadObjectAsync())["isActive"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/leads/{lead}/prediction")).StatusCode);

        var again = await client.PostAsync($"/api/predictive/models/{model["id"]}/activate", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("already-active", Json.Problem(await again.Content.ReadAsStringAsync()).GetProperty("code").GetString());

        // A manual retraining goes through the same gate: it does not take over.
        var second = await (await client.PostAsJsonAsync("/api/predictive/models", new { })).ReadObjectAsync();
        var retrained = await PredictiveTests<TApp>.WaitTrainedAsync(client, second["id"]!.GetValue<string>());
        Assert.False(retrained["isActive"]!.GetValue<bool>());
        Assert.StartsWith("Not activated: ", retrained["activation"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True((await (await client.GetAsync($"/api/predictive/models/{model["id"]}")).ReadObjectAsync())["isActive"]!.GetValue<bool>());
    }
}

/// <summary>A strict floor (0.9): a coin-toss history cannot reach it by the luck of a 40-lead holdout, as it can 0.6.</summary>
public sealed class PredictiveGateSqliteApp : SqliteApp
{
    public PredictiveGateSqliteApp()
    {
        PredictiveSettings.Apply(this);
        Settings["Handoff:Predictive:MinimumAuc"] = "0.9";
    }
}

public sealed class PredictiveGatePostgresApp : PostgresApp
{
    public PredictiveGatePostgresApp()
    {
        PredictiveSettings.Apply(this);
        Settings["Handoff:Predictive:MinimumAuc"] = "0.9";
    }
}

public sealed class PredictiveGateTests_Sqlite(PredictiveGateSqliteApp app) : PredictiveGateTests<PredictiveGateSqliteApp>(app);

public sealed class PredictiveGateTests_Postgres(PredictiveGatePostgresApp app) : PredictiveGateTests<PredictiveGatePostgresApp>(app);

/// <summary>Retraining on a schedule: business time (the app's clock) decides when it is due.</summary>
public abstract class PredictiveScheduleTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task Retraining_IsQueuedAndTrained_WhenTheIntervalHasPassed()
    {
        var client = app.Admin();
        await PredictiveTests<TApp>.SeedHistoryAsync(client, leads: 200);
        var first = await (await client.PostAsJsonAsync("/api/predictive/models", new { })).ReadObjectAsync();
        await PredictiveTests<TApp>.WaitTrainedAsync(client, first["id"]!.GetValue<string>());

        // Not due yet: nothing new, however often the worker looks.
        app.Clock.Advance(TimeSpan.FromHours(23));
        await Task.Delay(1000);
        Assert.Single(await (await client.GetAsync("/api/predictive/models")).ReadArrayAsync());

        app.Clock.Advance(TimeSpan.FromHours(2));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        JsonNode? scheduled = null;
        while (DateTime.UtcNow < deadline)
        {
            var list = await (await client.GetAsync("/api/predictive/models")).ReadArrayAsync();
            scheduled = list.FirstOrDefault(m => m!["trigger"]!.GetValue<string>() == "schedule" && m["status"]!.GetValue<string>() is "Ready" or "Failed");
            if (scheduled is not null)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.NotNull(scheduled);
        Assert.Equal("Ready", scheduled["status"]!.GetValue<string>());
        Assert.Equal(2, scheduled["number"]!.GetValue<int>());
        Assert.Equal("predictive-schedule", scheduled["requestedBy"]!.GetValue<string>());
        // Same history, same holdout: it measures the same, so it takes over.
        Assert.True(scheduled["isActive"]!.GetValue<bool>(), $"{scheduled["activation"]} (evaluation {scheduled["evaluation"]?.ToJsonString()})");
    }
}

public sealed class PredictiveScheduleSqliteApp : ClockedSqliteApp
{
    public PredictiveScheduleSqliteApp() => PredictiveSettings.Apply(this, retrainEveryHours: 24);
}

public sealed class PredictiveSchedulePostgresApp : ClockedPostgresApp
{
    public PredictiveSchedulePostgresApp() => PredictiveSettings.Apply(this, retrainEveryHours: 24);
}

public sealed class PredictiveScheduleTests_Sqlite(PredictiveScheduleSqliteApp app) : PredictiveScheduleTests<PredictiveScheduleSqliteApp>(app);

public sealed class PredictiveScheduleTests_Postgres(PredictiveSchedulePostgresApp app) : PredictiveScheduleTests<PredictiveSchedulePostgresApp>(app);

/// <summary>Three nodes on one PostgreSQL database: one version in progress at a time, and one node trains it.</summary>
public sealed class PredictiveClusterTests : IAsyncLifetime
{
    private readonly PostgresCluster _cluster = new(size: 3, configure: node => PredictiveSettings.Apply(node));

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task SimultaneousRequestsOnThreeNodes_QueueOneVersion_WhichOneNodeTrains()
    {
        var clients = _cluster.Nodes.Select(n => n.Admin()).ToList();
        await PredictiveTests<PostgresApp>.SeedHistoryAsync(clients[0], leads: 200);

        // Hold the training lease for a node that does not exist, so that the version stays queued while the others ask.
        await using (var scope = _cluster.Nodes[0].Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO predictive_leases (name, holder, until) VALUES ('predictive-training', 'elsewhere', now() + interval '1 day') " +
                "ON CONFLICT (name) DO UPDATE SET holder = 'elsewhere', until = now() + interval '1 day'");
        }

        var answers = await Task.WhenAll(clients.Select(c => c.PostAsJsonAsync("/api/predictive/models", new { target = "SQL" })));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Accepted), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        var queued = await answers.Single(a => a.StatusCode == HttpStatusCode.Accepted).ReadObjectAsync();
        await Task.Delay(1000);
        Assert.Equal("Queued", (await (await clients[2].GetAsync($"/api/predictive/models/{queued["id"]}")).ReadObjectAsync())["status"]!.GetValue<string>());
        var early = await clients[2].PostAsync($"/api/predictive/models/{queued["id"]}/activate", null);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("model-not-ready", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The lease is free again: one of the nodes takes it and trains the version.
        await using (var scope = _cluster.Nodes[0].Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await db.PredictiveLeases.ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, (string?)null).SetProperty(l => l.Until, (DateTime?)null));
        }

        var model = await PredictiveTests<PostgresApp>.WaitTrainedAsync(clients[1], queued["id"]!.GetValue<string>());
        Assert.True(model["isActive"]!.GetValue<bool>());
        await using (var scope = _cluster.Nodes[0].Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var lease = await db.PredictiveLeases.SingleAsync();
            var trained = await db.PredictiveModels.SingleAsync();
            Assert.Equal(lease.Holder, trained.ClaimedBy);
            Assert.NotEqual("elsewhere", lease.Holder);
        }
    }
}
