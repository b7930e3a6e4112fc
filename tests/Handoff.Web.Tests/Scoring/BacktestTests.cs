using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Scoring;

/// <summary>Backtests on a small known history, in an app of their own so that no other test's leads count.</summary>
public abstract class BacktestTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Backtest_CountsWouldBeMqls_AndTheirOutcomes_BesideTheActiveModel_ChangingNothing()
    {
        var client = App.Admin();
        var start = App.Clock.GetUtcNow().UtcDateTime;

        // Won big: big company, three pricing views, reached SQL. Missed: big company, one blog read, reached SQL anyway.
        // Wrong call: big company, three pricing views, never went further. Poor fit: no size, three pricing views.
        var wonBig = await LeadAsync(client, "Amara", "Okafor", "lagos-logistics.ng", 1200);
        var missed = await LeadAsync(client, "Bruno", "Farias", "recife-textiles.br", 700);
        var wrongCall = await LeadAsync(client, "Chen", "Wei", "suzhou-precision.cn", 650);
        var poorFit = await LeadAsync(client, "Dara", "Quinn", "galway-crafts.ie", null);
        foreach (var lead in new[] { wonBig, wrongCall, poorFit })
        {
            for (var i = 0; i < 3; i++)
            {
                await ScoringApiTests<TApp>.TouchAsync(client, lead, "https://handoff.io/pricing");
            }
        }

        await ScoringApiTests<TApp>.TouchAsync(client, missed, "https://handoff.io/blog/crm-hygiene");
        foreach (var lead in new[] { wonBig, missed })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "MQL" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "SAL", reason = "accepted" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "SQL" })).StatusCode);
        }

        var candidate = await (await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Candidate")))).ReadObjectAsync();
        var before = await (await client.GetAsync($"/api/leads/{wonBig}")).ReadObjectAsync();
        App.Clock.Advance(TimeSpan.FromMinutes(5));

        var response = await client.PostAsJsonAsync($"/api/scoring/models/{candidate.Id()}/backtest", new { from = start.AddDays(-1), to = App.Clock.GetUtcNow().UtcDateTime });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var report = Json.Problem(text);
        Assert.Equal(4, report.GetProperty("leads").GetInt32());
        Assert.Equal(2, report.GetProperty("reachedSql").GetInt32());
        var result = report.GetProperty("candidate");
        Assert.Equal(candidate["version"]!.GetValue<int>(), result.GetProperty("modelVersion").GetInt32());
        Assert.Equal(2, result.GetProperty("mqls").GetInt32());
        Assert.Equal(1, result.GetProperty("sql").GetProperty("reached").GetInt32());
        Assert.Equal(0.5, result.GetProperty("sql").GetProperty("precision").GetDouble());
        Assert.Equal(0.5, result.GetProperty("sql").GetProperty("recall").GetDouble());
        Assert.Equal(0, result.GetProperty("won").GetProperty("reached").GetInt32());
        Assert.Equal(1, report.GetProperty("active").GetProperty("modelVersion").GetInt32());

        // Nothing live changed: the candidate is still a draft and the lead's scores are as they were.
        var model = await (await client.GetAsync($"/api/scoring/models/{candidate.Id()}")).ReadObjectAsync();
        Assert.Equal("Draft", model["status"]!.GetValue<string>());
        var after = await (await client.GetAsync($"/api/leads/{wonBig}")).ReadObjectAsync();
        Assert.Equal(before["engagementScore"]!.GetValue<int>(), after["engagementScore"]!.GetValue<int>());
        Assert.Equal(before["scoreModelVersion"]!.GetValue<int>(), after["scoreModelVersion"]!.GetValue<int>());

        // A period before anything happened makes no MQLs.
        var early = await client.PostAsJsonAsync($"/api/scoring/models/{candidate.Id()}/backtest", new { from = start.AddDays(-30), to = start.AddDays(-20) });
        Assert.Equal(0, Json.Problem(await early.Content.ReadAsStringAsync()).GetProperty("candidate").GetProperty("mqls").GetInt32());
    }

    [Fact]
    public async Task Backtest_WithoutAPeriod_OrOfAnUnknownModel_IsRefused()
    {
        var client = App.Admin();
        var candidate = await (await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Candidate B")))).ReadObjectAsync();

        var noPeriod = await client.PostAsJsonAsync($"/api/scoring/models/{candidate.Id()}/backtest", new { from = (DateTime?)null });
        Assert.Equal(HttpStatusCode.BadRequest, noPeriod.StatusCode);
        var errors = Json.Problem(await noPeriod.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("from", out _));
        Assert.True(errors.TryGetProperty("to", out _));

        var reversed = await client.PostAsJsonAsync($"/api/scoring/models/{candidate.Id()}/backtest", new { from = DateTime.UtcNow, to = DateTime.UtcNow.AddDays(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, reversed.StatusCode);
        var unknown = await client.PostAsJsonAsync($"/api/scoring/models/{Guid.NewGuid()}/backtest", new { from = DateTime.UtcNow.AddDays(-1), to = DateTime.UtcNow });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<string> LeadAsync(HttpClient client, string first, string last, string domain, int? employees) =>
        (await client.CreateLeadAsync(new { firstName = first, lastName = last, email = $"{first.ToLowerInvariant()}.{Guid.NewGuid():N}@{domain}", company = domain.Split('.')[0], employeeCount = employees })).Id();
}

public sealed class BacktestTests_Sqlite(ClockedSqliteApp app) : BacktestTests<ClockedSqliteApp>(app);

public sealed class BacktestTests_Postgres(ClockedPostgresApp app) : BacktestTests<ClockedPostgresApp>(app);
