using System.Net;
using Handoff.Data;
using Handoff.Scoring;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Qualification;
using Microsoft.EntityFrameworkCore;
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

/// <summary>The MQL sweep is part of the rescore job: a job whose sweep did not finish is run again, and its leads move then.</summary>
public abstract class RescoreMqlRecoveryTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task AJobWhoseSweepStopped_StaysRunning_AndTheRunnerThatTakesItOver_MovesTheLeads()
    {
        var client = app.Admin();
        var definition = await client.DraftAsync(new { mql = new { minEngagementScore = 8 }, sql = new { framework = "BANT" } });
        await client.SignBothAsync(definition);
        await client.ActivateAsync(definition);
        await ScoringApiTests<TApp>.ActivateTestModelAsync(client);
        await app.Services.GetRequiredService<RescoreWorker>().RunOnceAsync(CancellationToken.None);
        var lead = await client.CreateLeadAsync(new { firstName = "Ines", email = $"ines.{Guid.NewGuid():N}@lyon-optics.fr", company = "Lyon Optics" });
        await ScoringApiTests<TApp>.TouchAsync(client, lead.Id(), "https://handoff.io/blog/routing-rules");
        var louder = ScoringModels.Test("Blog counts more").Replace("\"points\": 4", "\"points\": 9", StringComparison.Ordinal);
        var model = await (await client.PostAsync("/api/scoring/models", Json.Raw(louder))).ReadObjectAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/scoring/models/{model.Id()}/activate", null)).StatusCode);

        // The first runner scores every lead, then stops during the sweep (as a process that is killed would).
        Guid job;
        await using (var scope = app.Scope())
        {
            var rescore = scope.ServiceProvider.GetRequiredService<RescoreLeads>();
            job = (await rescore.ClaimAsync("runner-1", CancellationToken.None))!.Value;
            await Assert.ThrowsAsync<OperationCanceledException>(() =>
                rescore.RunJobAsync(job, "runner-1", _ => throw new OperationCanceledException("stopped"), CancellationToken.None));
        }

        Assert.Equal("New", (await client.LeadAsync(lead.Id())).Stage());
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            Assert.Equal(RescoreStatus.Running, (await db.RescoreJobs.AsNoTracking().SingleAsync(j => j.Id == job)).Status);
        }

        // Within the lease nobody takes the job over; after it, the worker does: nothing is stale, the sweep runs.
        var worker = app.Services.GetRequiredService<RescoreWorker>();
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal("New", (await client.LeadAsync(lead.Id())).Stage());
        app.Clock.Advance(RescoreLeads.Lease + TimeSpan.FromSeconds(1));
        await worker.RunOnceAsync(CancellationToken.None);

        Assert.Equal("MQL", (await client.LeadAsync(lead.Id())).Stage());
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var done = await db.RescoreJobs.AsNoTracking().SingleAsync(j => j.Id == job);
            Assert.Equal(RescoreStatus.Completed, done.Status);
            Assert.NotEqual("runner-1", done.Runner);
        }
    }
}

public sealed class RescoreMqlRecoveryTests_Sqlite(QuietRescoreSqliteApp app) : RescoreMqlRecoveryTests<QuietRescoreSqliteApp>(app);

public sealed class RescoreMqlRecoveryTests_Postgres(QuietRescorePostgresApp app) : RescoreMqlRecoveryTests<QuietRescorePostgresApp>(app);

public sealed class RescoreMqlTests_Sqlite(SqliteApp app) : RescoreMqlTests<SqliteApp>(app);

public sealed class RescoreMqlTests_Postgres(PostgresApp app) : RescoreMqlTests<PostgresApp>(app);
