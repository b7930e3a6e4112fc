using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Scoring;

/// <summary>
/// What a backtest counts, on a history built hour by hour in an app of its own: only leads that could become a new
/// MQL in the period, only outcomes within it, and only outcomes that came after the would-be MQL moment.
/// </summary>
public abstract class BacktestPeriodTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Backtest_CountsOnlyOutcomesWithinThePeriod_AfterTheMqlMoment_OfLeadsNotHandedOverBefore()
    {
        var client = App.Admin();
        var t0 = App.Clock.GetUtcNow().UtcDateTime;

        // Handed over before the period; its pricing views in the period would make it an MQL again.
        var handedOver = await LeadAsync(client, "Amara", "lagos-logistics.ng", 1200);
        await ToSqlAsync(client, handedOver);
        App.Clock.Advance(TimeSpan.FromDays(1));
        var from = t0.AddHours(12);

        // Reached SQL first, and only then looked at pricing: the score followed the outcome.
        var leaked = await LeadAsync(client, "Bruno", "recife-textiles.br", 700);
        await ToSqlAsync(client, leaked);
        App.Clock.Advance(TimeSpan.FromHours(1));
        await PricingAsync(client, leaked);
        await PricingAsync(client, handedOver);

        // Looked at pricing, then reached SQL an hour later: the one the model found in time.
        App.Clock.Advance(TimeSpan.FromHours(1));
        var found = await LeadAsync(client, "Chen", "suzhou-precision.cn", 650);
        await PricingAsync(client, found);
        var poorFit = await LeadAsync(client, "Dara", "galway-crafts.ie", null);
        await PricingAsync(client, poorFit);
        App.Clock.Advance(TimeSpan.FromHours(1));
        await ToSqlAsync(client, found);
        App.Clock.Advance(TimeSpan.FromHours(2));
        var to = App.Clock.GetUtcNow().UtcDateTime;

        var candidate = await (await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Leak check")))).ReadObjectAsync();
        var report = await BacktestAsync(client, candidate.Id(), from, to);
        Assert.Equal(3, report.GetProperty("leads").GetInt32());
        Assert.Equal(2, report.GetProperty("reachedSql").GetInt32());
        var result = report.GetProperty("candidate");
        Assert.Equal(1, result.GetProperty("mqls").GetInt32());
        Assert.Equal(1, result.GetProperty("sql").GetProperty("reached").GetInt32());
        Assert.Equal(1.0, result.GetProperty("sql").GetProperty("precision").GetDouble());
        Assert.Equal(0.5, result.GetProperty("sql").GetProperty("recall").GetDouble());

        // The last hour: nobody reached SQL in it, and the leads handed over before it are not in it.
        var lastHour = await BacktestAsync(client, candidate.Id(), to.AddHours(-1), to);
        Assert.Equal(0, lastHour.GetProperty("reachedSql").GetInt32());
        Assert.Equal(1, lastHour.GetProperty("leads").GetInt32());
        Assert.Equal(JsonValueKind.Null, lastHour.GetProperty("candidate").GetProperty("sql").GetProperty("recall").ValueKind);

        // A period long after: every SQL came before it.
        var later = await BacktestAsync(client, candidate.Id(), new DateTime(2090, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2099, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(0, later.GetProperty("reachedSql").GetInt32());
        Assert.Equal(1, later.GetProperty("leads").GetInt32());

        // The comparison is named after the active model; backtesting the active model compares it with itself.
        var active = (await (await client.GetAsync("/api/scoring/models")).ReadArrayAsync()).Single(m => m!["status"]!.GetValue<string>() == "Active")!;
        Assert.Equal(active["name"]!.GetValue<string>(), report.GetProperty("active").GetProperty("modelName").GetString());
        Assert.Equal(active["version"]!.GetValue<int>(), report.GetProperty("active").GetProperty("modelVersion").GetInt32());
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/scoring/models/{candidate.Id()}/activate", null)).StatusCode);
        var itself = await BacktestAsync(client, candidate.Id(), from, to);
        var side = itself.GetProperty("active");
        Assert.Equal(JsonValueKind.Object, side.ValueKind);
        Assert.Equal("Leak check", side.GetProperty("modelName").GetString());
        Assert.Equal(candidate["version"]!.GetValue<int>(), side.GetProperty("modelVersion").GetInt32());
        Assert.Equal(itself.GetProperty("candidate").GetProperty("mqls").GetInt32(), side.GetProperty("mqls").GetInt32());
    }

    private static async Task<JsonElement> BacktestAsync(HttpClient client, string model, DateTime from, DateTime to)
    {
        var response = await client.PostAsJsonAsync($"/api/scoring/models/{model}/backtest", new { from, to });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return Json.Problem(text);
    }

    private static async Task ToSqlAsync(HttpClient client, string lead)
    {
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "MQL" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "SAL", reason = "accepted" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "SQL" })).StatusCode);
    }

    private static async Task PricingAsync(HttpClient client, string lead)
    {
        for (var i = 0; i < 3; i++)
        {
            await ScoringApiTests<TApp>.TouchAsync(client, lead, "https://handoff.io/pricing");
        }
    }

    private static async Task<string> LeadAsync(HttpClient client, string first, string domain, int? employees) =>
        (await client.CreateLeadAsync(new { firstName = first, lastName = "Backtest", email = $"{first.ToLowerInvariant()}.{Guid.NewGuid():N}@{domain}", company = domain.Split('.')[0], employeeCount = employees })).Id();
}

public sealed class BacktestPeriodTests_Sqlite(ClockedSqliteApp app) : BacktestPeriodTests<ClockedSqliteApp>(app);

public sealed class BacktestPeriodTests_Postgres(ClockedPostgresApp app) : BacktestPeriodTests<ClockedPostgresApp>(app);
