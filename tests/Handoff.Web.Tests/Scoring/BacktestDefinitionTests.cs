using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Qualification;

namespace Handoff.Web.Tests.Scoring;

/// <summary>A model without an MQL bar of its own is backtested against the active definition's, as leads become MQLs live.</summary>
public abstract class BacktestDefinitionTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task Backtest_WithoutAModelBar_AppliesTheDefinitionsThresholdsConditionsAndActivityRules()
    {
        var client = app.Admin();
        var start = app.Clock.GetUtcNow().UtcDateTime;
        var definition = await client.DraftAsync(new
        {
            mql = new
            {
                minEngagementScore = 10,
                conditions = new[] { new { field = "employeeCount", op = "gte", value = 100 } },
                activities = new[] { new { types = new[] { "Meeting" }, atLeast = 1 } },
            },
            sql = new { framework = "BANT" },
        });
        await client.SignBothAsync(definition);
        await client.ActivateAsync(definition);

        // Under the candidate a pricing view is worth 10. Only the first lead meets all three parts of the bar.
        await LeadAsync(client, "Ada", 500, pricing: true, meeting: true);
        await LeadAsync(client, "Ben", 500, pricing: true, meeting: false);   // no meeting
        await LeadAsync(client, "Cy", 20, pricing: true, meeting: true);      // too small
        await LeadAsync(client, "Dee", 500, pricing: false, meeting: true);   // not engaged enough
        var own = ScoringModels.Test("No bar of its own").Replace("\"mql\": { \"fit\": 20, \"engagement\": 20 }", "\"description\": \"tested against the definition\"", StringComparison.Ordinal);
        var candidate = await client.PostAsync("/api/scoring/models", Json.Raw(own));
        Assert.True(candidate.StatusCode == HttpStatusCode.Created, await candidate.Content.ReadAsStringAsync());
        app.Clock.Advance(TimeSpan.FromMinutes(5));

        var response = await client.PostAsJsonAsync($"/api/scoring/models/{(await candidate.ReadObjectAsync()).Id()}/backtest", new { from = start.AddDays(-1), to = app.Clock.GetUtcNow().UtcDateTime });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var result = Json.Problem(text).GetProperty("candidate");
        Assert.Equal($"definition v{definition}", result.GetProperty("barFrom").GetString());
        Assert.Equal(1, result.GetProperty("mqls").GetInt32());
    }

    private static async Task<string> LeadAsync(HttpClient client, string name, int employees, bool pricing, bool meeting)
    {
        var id = (await client.CreateLeadAsync(new { firstName = name, email = $"{name.ToLowerInvariant()}.{Guid.NewGuid():N}@oslo-freight.no", employeeCount = employees })).Id();
        if (pricing)
        {
            await ScoringApiTests<TApp>.TouchAsync(client, id, "https://handoff.io/pricing");
        }

        if (meeting)
        {
            await client.RecordActivityAsync(id, "Meeting");
        }

        return id;
    }
}

/// <summary>A lead from a source with a variation of its own is held to that variation's MQL bar, as live.</summary>
public abstract class BacktestSourceVariationTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task Backtest_HoldsALeadFromAVariedSource_ToItsVariationsBar()
    {
        var client = app.Admin();
        var start = app.Clock.GetUtcNow().UtcDateTime;
        var definition = await client.DraftAsync(new
        {
            mql = new { minEngagementScore = 10 },
            sql = new { framework = "BANT" },
            sources = new[]
            {
                new { name = "Events", when = new[] { new { field = "source", op = "eq", value = "Event" } }, mql = new { minEngagementScore = 30 } },
            },
        });
        await client.SignBothAsync(definition);
        await client.ActivateAsync(definition);

        // A pricing view is worth 10 under the candidate: enough for the default bar, not for the events' one.
        foreach (var (name, source) in new[] { ("Ada", "Website"), ("Eve", "Event") })
        {
            var id = (await client.CreateLeadAsync(new { firstName = name, email = $"{name.ToLowerInvariant()}.{Guid.NewGuid():N}@oslo-freight.no", source })).Id();
            await ScoringApiTests<TApp>.TouchAsync(client, id, "https://handoff.io/pricing");
        }

        var own = ScoringModels.Test("No bar of its own").Replace("\"mql\": { \"fit\": 20, \"engagement\": 20 }", "\"description\": \"tested against the definition\"", StringComparison.Ordinal);
        var candidate = await client.PostAsync("/api/scoring/models", Json.Raw(own));
        Assert.True(candidate.StatusCode == HttpStatusCode.Created, await candidate.Content.ReadAsStringAsync());
        app.Clock.Advance(TimeSpan.FromMinutes(5));

        var response = await client.PostAsJsonAsync($"/api/scoring/models/{(await candidate.ReadObjectAsync()).Id()}/backtest", new { from = start.AddDays(-1), to = app.Clock.GetUtcNow().UtcDateTime });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(1, Json.Problem(text).GetProperty("candidate").GetProperty("mqls").GetInt32());
    }
}

public sealed class BacktestSourceVariationTests_Sqlite(ClockedSqliteApp app) : BacktestSourceVariationTests<ClockedSqliteApp>(app);

public sealed class BacktestSourceVariationTests_Postgres(ClockedPostgresApp app) : BacktestSourceVariationTests<ClockedPostgresApp>(app);

public sealed class BacktestDefinitionTests_Sqlite(ClockedSqliteApp app) : BacktestDefinitionTests<ClockedSqliteApp>(app);

public sealed class BacktestDefinitionTests_Postgres(ClockedPostgresApp app) : BacktestDefinitionTests<ClockedPostgresApp>(app);
