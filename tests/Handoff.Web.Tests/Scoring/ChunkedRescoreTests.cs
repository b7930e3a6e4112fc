using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Scoring;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Tests.Scoring;

/// <summary>
/// The rescore in small chunks (7 leads over 50, so that chunks end on leads with and without activities) gives every
/// lead what scoring it alone gives, whether its activities come from the one pass's spill file or from the lead index.
/// </summary>
public abstract class ChunkedRescoreTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Rescore_InChunksOfSeven_GivesFiftyLeadsTheScoresEachLeadAloneGets_InOnePassAndLeadByLead()
    {
        var client = App.Admin();
        await ScoringApiTests<TApp>.ActivateTestModelAsync(client);
        var now = App.Clock.GetUtcNow().UtcDateTime;
        var firstNames = new[] { "Amara", "Bruno", "Chen", "Dara", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas" };
        var lastNames = new[] { "Okafor", "Farias", "Petrova", "Haddad", "Larsen" };
        var domains = new[] { "lagos-logistics.ng", "recife-textiles.br", "rival-crm.io", "galway-crafts.ie", "baltic-freight.eu" };
        var urls = new[] { "/pricing", "/blog/speed-to-lead", "/careers", "/product/routing", "/pricing?plan=team" };
        var leads = new List<Guid>();
        for (var p = 0; p < 50; p++)
        {
            var (first, last) = (firstNames[p % firstNames.Length], lastNames[p / firstNames.Length]);
            var lead = await client.CreateLeadAsync(new
            {
                firstName = first,
                lastName = last,
                email = $"{first.ToLowerInvariant()}.{Guid.NewGuid():N}@{domains[p % domains.Length]}",
                company = domains[p % domains.Length],
                title = p % 3 == 0 ? "VP of Sales" : "Software Engineer",
                employeeCount = 100 * (p % 8),
            });
            var id = lead.Id();
            leads.Add(Guid.Parse(id));

            // 0 to 8 touches per lead (some leads have none, some chunks end on a lead without any), out of time order.
            var touches = Enumerable.Range(0, p % 9).Select(i =>
            {
                var at = now.AddDays(-((i * 5 + p) % 40)).AddHours(-(i % 4));
                return ((i + p) % 4) switch
                {
                    0 or 1 => (object)new { type = "PageView", leadId = id, url = "https://handoff.io" + urls[(i + p) % urls.Length], occurredAt = at },
                    2 => new { type = "EmailClick", leadId = id, occurredAt = at },
                    _ => new { type = "FormSubmit", leadId = id, occurredAt = at, properties = new Dictionary<string, string> { ["form"] = i % 2 == 0 ? "demo-request" : "newsletter" } },
                };
            }).ToArray();
            if (touches.Length > 0)
            {
                var response = await client.PostAsJsonAsync("/api/activities", touches);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            }
        }

        // Every lead of the workspace scored by the check model first, so that only these fifty are stale below (the
        // app runs no rescore worker of its own, which would sweep them between the steps).
        var model = await (await client.PostAsync("/api/scoring/models", Json.Raw(RescoreTests<TApp>.Model.Replace("Rescore check", "Chunk check", StringComparison.Ordinal)))).ReadObjectAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/scoring/models/{model.Id()}/activate", null)).StatusCode);
        await App.Services.GetRequiredService<RescoreWorker>().RunOnceAsync(CancellationToken.None);

        foreach (var scanShare in new[] { 0.0, 2.0 })
        {
            await using (var scope = App.Scope())
            {
                var services = scope.ServiceProvider;
                var db = services.GetRequiredService<HandoffDb>();
                await LeadScoreRows.ForgetAsync(db, leads, ", engagement_score = -1, fit_score = -1");
                var rules = (await services.GetRequiredService<ActiveScoring>().GetAsync(CancellationToken.None, fresh: true))!;
                var rescore = new RescoreLeads(db, services.GetRequiredService<ScoringModelCache>(), services.GetRequiredService<TimeProvider>(),
                    services.GetRequiredService<SqliteWriteGate>(), Options.Create(new RescoreOptions { BatchSize = 7, ScanShare = scanShare }));
                var progress = new List<int>();
                var done = await rescore.RescoreStaleAsync(rules, written =>
                {
                    progress.Add(written);
                    return Task.CompletedTask;
                }, CancellationToken.None);
                Assert.True(done == 50, $"scan share {scanShare}: {done} leads rescored ({rescore.Phases}; progress {string.Join(", ", progress)})");
                Assert.Equal([7, 14, 21, 28, 35, 42, 49, 50], progress);
                Assert.Equal(8, rescore.Phases.Chunks);
                Assert.Equal(scanShare == 0 ? 1 : 0, rescore.Phases.SpillBytes > 0 ? 1 : 0);
            }

            await RescoreTests<TApp>.AssertScoredAsIfAloneAsync(App, leads);
        }
    }
    [Fact]
    public async Task RescoreJob_IsNeverRunningWithoutItsTotal_AndEndsWithEveryStaleLeadDone()
    {
        var client = App.Admin();
        var leads = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            leads.Add(Guid.Parse((await client.CreateLeadAsync()).Id()));
        }

        Guid job;
        await using (var scope = App.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var active = await db.ScoringModels.AsNoTracking().SingleAsync(m => m.Status == ScoringModelStatus.Active);
            await LeadScoreRows.ForgetAsync(db, leads);
            var queued = RescoreJob.Queue(active.Version, App.Clock.GetUtcNow().UtcDateTime);
            db.RescoreJobs.Add(queued);
            await db.SaveChangesAsync();
            job = queued.Id;
        }

        await using (var scope = App.Scope())
        {
            var rescore = scope.ServiceProvider.GetRequiredService<RescoreLeads>();
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var version = await db.RescoreJobs.Where(j => j.Id == job).Select(j => j.ModelVersion).SingleAsync();
            var stale = await rescore.CountStaleAsync(version, CancellationToken.None);
            Assert.True(stale >= leads.Count);
            while (await rescore.ClaimAsync("test-runner", CancellationToken.None) is { } claimed && claimed != job)
            {
                await rescore.RunJobAsync(claimed, "test-runner", afterScored: null, CancellationToken.None);
            }

            // Claimed: Running, and its total is already there for anyone who asks.
            var running = await db.RescoreJobs.AsNoTracking().SingleAsync(j => j.Id == job);
            Assert.Equal(RescoreStatus.Running, running.Status);
            Assert.Equal(stale, running.Total);
            Assert.Equal(0, running.Done);

            var finished = await rescore.RunJobAsync(job, "test-runner", afterScored: null, CancellationToken.None);
            Assert.Equal(RescoreStatus.Completed, finished.Status);
            Assert.Equal(stale, finished.Total);
            Assert.Equal(stale, finished.Done);
        }
    }
}

/// <summary>Without the background rescore worker: the test runs its passes itself, and nothing sweeps behind its back.</summary>
internal static class NoRescoreWorker
{
    public static void Remove(IServiceCollection services)
    {
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.Method.ReturnType == typeof(RescoreWorker)).ToList();
        Assert.Single(hosted);
        services.Remove(hosted[0]);
    }
}

public class QuietRescoreSqliteApp : ClockedSqliteApp
{
    protected override void ConfigureServices(IServiceCollection services) => NoRescoreWorker.Remove(services);
}

public class QuietRescorePostgresApp : ClockedPostgresApp
{
    protected override void ConfigureServices(IServiceCollection services) => NoRescoreWorker.Remove(services);
}

public sealed class ChunkedRescoreTests_Sqlite(QuietRescoreSqliteApp app) : ChunkedRescoreTests<QuietRescoreSqliteApp>(app);

public sealed class ChunkedRescoreTests_Postgres(QuietRescorePostgresApp app) : ChunkedRescoreTests<QuietRescorePostgresApp>(app);
