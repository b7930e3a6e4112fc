using System.Net;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Qualification;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Scoring;

/// <summary>A new scoring model can lift leads over the MQL bar: the rescore moves them to MQL, as their own change would.</summary>
public abstract class RescoreMqlTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task ALeadThatANewModelLiftsOverTheMqlBar_BecomesAnMql_WithTheNewScoresAsEvidence()
    {
        var client = app.Admin();
        var definition = await client.DraftAsync(new { mql = new { minEngagementScore = 8 }, sql = new { framework = "BANT" } });
        await client.SignBothAsync(definition);
        await client.ActivateAsync(definition);
        await ScoringApiTests<TApp>.ActivateTestModelAsync(client); // a blog read is worth 4
        var lead = await client.CreateLeadAsync(new { firstName = "Ines", email = $"ines.{Guid.NewGuid():N}@lyon-optics.fr", company = "Lyon Optics" });
        var read = await ScoringApiTests<TApp>.TouchAsync(client, lead.Id(), "https://handoff.io/blog/routing-rules");
        var below = await client.CreateLeadAsync(new { firstName = "Ugo", email = $"ugo.{Guid.NewGuid():N}@lyon-optics.fr", company = "Lyon Optics" });
        Assert.Equal("New", (await client.LeadAsync(lead.Id())).Stage());

        var louder = ScoringModels.Test("Blog counts more").Replace("\"points\": 4", "\"points\": 9", StringComparison.Ordinal);
        var model = await (await client.PostAsync("/api/scoring/models", Json.Raw(louder))).ReadObjectAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/scoring/models/{model.Id()}/activate", null)).StatusCode);

        // The activation wakes the worker; a pass run here as well takes the job if the worker has not.
        var moved = await client.LeadAsync(lead.Id());
        for (var i = 0; i < 50 && moved.Stage() == "New"; i++)
        {
            await app.Services.GetRequiredService<RescoreWorker>().RunOnceAsync(CancellationToken.None);
            await Task.Delay(100);
            moved = await client.LeadAsync(lead.Id());
        }

        Assert.Equal("MQL", moved.Stage());
        Assert.Equal("New", (await client.LeadAsync(below.Id())).Stage()); // no touch, no engagement: still below the bar
        var mql = (await client.HistoryAsync(lead.Id())).Single(h => h!["kind"]!.GetValue<string>() == "stage-changed" && h["to"]!.GetValue<string>() == "MQL")!;
        Assert.Equal("mql-check", mql["actor"]!["id"]!.GetValue<string>());
        Assert.Equal(model["version"]!.GetValue<int>(), mql["evidence"]!["scoringModelVersion"]!.GetValue<int>());
        Assert.Contains(read, mql["evidence"]!["activityIds"]!.AsArray().Select(a => a!.GetValue<string>()));
    }
}

public sealed class RescoreMqlTests_Sqlite(SqliteApp app) : RescoreMqlTests<SqliteApp>(app);

public sealed class RescoreMqlTests_Postgres(PostgresApp app) : RescoreMqlTests<PostgresApp>(app);
