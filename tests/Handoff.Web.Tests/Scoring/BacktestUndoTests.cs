using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Scoring;

/// <summary>
/// A stage change that was undone is no outcome in a backtest (as for the predictive score's labels): an SQL reached by
/// mistake and undone neither counts as reached nor hands the lead over. In an app of its own, so that only these leads count.
/// </summary>
public abstract class BacktestUndoTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Backtest_DoesNotCountAnUndoneMoveToSql_AsReachingSql()
    {
        var client = App.Admin();
        var from = App.Clock.GetUtcNow().UtcDateTime.AddMinutes(-1);
        var kept = await LeadAsync(client, "Amara", "lagos-logistics.ng");
        var undone = await LeadAsync(client, "Bruno", "recife-textiles.br");
        foreach (var lead in new[] { kept, undone })
        {
            for (var i = 0; i < 3; i++)
            {
                await ScoringApiTests<TApp>.TouchAsync(client, lead, "https://handoff.io/pricing");
            }

            App.Clock.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "MQL" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "SAL", reason = "accepted" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead, new { to = "SQL" })).StatusCode);
        }

        var undo = await client.PostAsync($"/api/leads/{undone}/transitions/undo", null);
        Assert.Equal("SAL", (await undo.ReadObjectAsync()).Stage());
        App.Clock.Advance(TimeSpan.FromMinutes(5));
        var to = App.Clock.GetUtcNow().UtcDateTime;
        var candidate = await (await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Undo check")))).ReadObjectAsync();

        var report = await BacktestAsync(client, candidate.Id(), from, to);
        Assert.Equal(2, report.GetProperty("leads").GetInt32());
        Assert.Equal(1, report.GetProperty("reachedSql").GetInt32());
        var result = report.GetProperty("candidate");
        Assert.Equal(2, result.GetProperty("mqls").GetInt32());
        Assert.Equal(1, result.GetProperty("sql").GetProperty("reached").GetInt32());
        Assert.Equal(0.5, result.GetProperty("sql").GetProperty("precision").GetDouble());
        Assert.Equal(1.0, result.GetProperty("sql").GetProperty("recall").GetDouble());

        // After the period the lead whose SQL was undone was never handed over: it can still become an MQL.
        var later = await BacktestAsync(client, candidate.Id(), to.AddDays(1), to.AddDays(2));
        Assert.Equal(1, later.GetProperty("leads").GetInt32());
    }

    private static async Task<JsonElement> BacktestAsync(HttpClient client, string model, DateTime from, DateTime to)
    {
        var response = await client.PostAsJsonAsync($"/api/scoring/models/{model}/backtest", new { from, to });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return Json.Problem(text);
    }

    private static async Task<string> LeadAsync(HttpClient client, string first, string domain) =>
        (await client.CreateLeadAsync(new { firstName = first, lastName = "Undo", email = $"{first.ToLowerInvariant()}.{Guid.NewGuid():N}@{domain}", company = domain.Split('.')[0], employeeCount = 900 })).Id();
}

public sealed class BacktestUndoTests_Sqlite(ClockedSqliteApp app) : BacktestUndoTests<ClockedSqliteApp>(app);

public sealed class BacktestUndoTests_Postgres(ClockedPostgresApp app) : BacktestUndoTests<ClockedPostgresApp>(app);
