using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Scoring;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Tests.Scoring;

/// <summary>
/// The bulk rescore gives every lead exactly the state, fit and scores that scoring the lead alone gives
/// (<see cref="ScoreEngine.Build"/> over its stored activities), both when it reads the whole activity table in one
/// pass and when it reads stale leads one by one.
/// </summary>
public abstract class RescoreTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    /// <summary>
    /// Fit on size, title, domain and work email (<c>isFreeMail</c> reads the email too: a lead without one is neither);
    /// engagement on URLs (decay, cap, window), a type alone, and a property.
    /// </summary>
    internal const string Model = """
        {
          "name": "Rescore check",
          "halfLifeDays": 7,
          "grades": { "a": 40, "b": 20, "c": 10 },
          "fitRules": [
            { "id": "big-company", "when": [{ "field": "employeeCount", "op": "gte", "value": 500 }], "points": 30 },
            { "id": "leader", "when": [{ "field": "seniority", "op": "in", "value": ["CLevel", "VP", "Director"] }], "points": 15 },
            { "id": "work-email", "when": [{ "field": "isFreeMail", "op": "eq", "value": false }], "points": 10 }
          ],
          "negativeRules": [{ "id": "competitor", "when": [{ "field": "companyDomain", "op": "eq", "value": "rival-crm.io" }], "points": -50 }],
          "engagementRules": [
            { "id": "pricing", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 10, "cap": 25, "intent": true },
            { "id": "pricing-2-in-14", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 20, "count": 2, "windowDays": 14, "intent": true },
            { "id": "blog", "activityTypes": ["PageView"], "urlPattern": "/blog/", "points": 3 },
            { "id": "careers", "urlPattern": "/careers", "points": -5 },
            { "id": "clicks", "activityTypes": ["EmailClick"], "points": 2, "cap": 6 },
            { "id": "demo-form", "activityTypes": ["FormSubmit"], "properties": { "form": "^demo" }, "points": 25, "intent": true }
          ]
        }
        """;

    /// <summary>
    /// An app without the background rescore worker (<see cref="QuietRescoreSqliteApp"/>): its passes, woken by every
    /// activation and each ending with a sweep of unscored leads, would score the leads a test has just made stale.
    /// </summary>
    protected TApp App { get; } = app;

    [Fact]
    public async Task Rescore_NeverOverwritesALeadScoredLiveAfterItStarted_AndStopsWhenAnotherModelIsActivated()
    {
        var client = App.Admin();
        var model = await (await client.PostAsync("/api/scoring/models", Json.Raw(Model.Replace("Rescore check", "Guard check", StringComparison.Ordinal)))).ReadObjectAsync();
        var job = await (await client.PostAsync($"/api/scoring/models/{model.Id()}/activate", null)).ReadObjectAsync();
        await App.Services.GetRequiredService<RescoreWorker>().RunOnceAsync(CancellationToken.None);
        // The activation's own rescore must be over before the leads below exist, or it would score some of them itself.
        var status = "Pending";
        for (var i = 0; i < 600 && status is "Pending" or "Running"; i++)
        {
            await Task.Delay(100);
            status = (await (await client.GetAsync(job["rescoreUrl"]!.GetValue<string>())).ReadObjectAsync())["status"]!.GetValue<string>();
        }

        Assert.False(status is "Pending" or "Running", "the activation's rescore did not finish within a minute");

        var names = new[] { "Greta Larsen", "Hiro Tanaka", "Ines Moreau", "Jonas Berg", "Kofi Mensah", "Lena Vogel", "Marta Kowalski", "Nikhil Rao" };
        var leads = new List<Guid>();
        for (var i = 0; i < 150; i++)
        {
            var (first, last) = (names[i % names.Length].Split(' ')[0], names[i % names.Length].Split(' ')[1]);
            var lead = await client.CreateLeadAsync(new { firstName = first, lastName = last, email = $"{first.ToLowerInvariant()}.{Guid.NewGuid():N}@nordic-kitchens.se", company = "Nordic Kitchens", employeeCount = 200 + i });
            leads.Add(Guid.Parse(lead.Id()));
        }

        await using var scope = App.Scope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<HandoffDb>();
        var rules = (await services.GetRequiredService<ActiveScoring>().GetAsync(CancellationToken.None, fresh: true))!;
        RescoreLeads Rescore() => new(db, services.GetRequiredService<ScoringModelCache>(), services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<SqliteWriteGate>(), Options.Create(new RescoreOptions { BatchSize = 100 }));
        Task ForgetScoresAsync() => LeadScoreRows.ForgetAsync(db, leads);

        // After the first batch, the leads not written yet are scored "live" by the same model a minute later.
        await ForgetScoresAsync();
        var live = App.Clock.GetUtcNow().UtcDateTime.AddMinutes(1);
        var done = await Rescore().RescoreStaleAsync(rules, async written =>
        {
            if (written == 100)
            {
                await LeadScoreRows.SetAsync(db, leads, "score_model_version = {0}, scored_at = {1}, engagement_score = 999", unscoredOnly: true, rules.Version, live);
            }
        }, CancellationToken.None);
        // The second chunk is read while the first is written: before the live scores (50 more, kept as they are by
        // the write's guard) or after them (nothing left to do), as the two threads happen to run.
        Assert.True(done is 100 or >= 150, $"the rescore went through every stale lead; it did {done}");
        var scores = await db.Leads.AsNoTracking().Where(l => leads.Contains(l.Id)).Select(l => new { l.ScoreModelVersion, l.EngagementScore }).ToListAsync();
        Assert.All(scores, s => Assert.Equal(rules.Version, s.ScoreModelVersion));
        Assert.Equal(50, scores.Count(s => s.EngagementScore == 999));

        // Another model is activated after the first batch: the run stops there and writes nothing with the old model.
        await ForgetScoresAsync();
        var newer = await (await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Newer than the rescore")))).ReadObjectAsync();
        done = await Rescore().RescoreStaleAsync(rules, async written =>
        {
            if (written == 100)
            {
                var activated = await client.PostAsync($"/api/scoring/models/{newer.Id()}/activate", null);
                Assert.Equal(HttpStatusCode.Accepted, activated.StatusCode);
            }
        }, CancellationToken.None);
        Assert.Equal(100, done);
        var versions = await db.Leads.AsNoTracking().Where(l => leads.Contains(l.Id)).Select(l => l.ScoreModelVersion).ToListAsync();
        Assert.True(versions.Count(v => v == rules.Version) <= 100, "no lead of the second batch gets the superseded model's scores");
    }

    [Fact]
    public async Task Rescore_GivesEveryLeadTheStateItsOwnActivitiesGive_InOnePassAndLeadByLead()
    {
        var client = App.Admin();
        await ScoringApiTests<TApp>.ActivateTestModelAsync(client);
        var now = App.Clock.GetUtcNow().UtcDateTime;
        var leads = new List<Guid>();
        var people = new (string First, string Last, string Domain, string Title, int Employees)[]
        {
            ("Amara", "Okafor", "lagos-logistics.ng", "VP of Sales", 1200),
            ("Bruno", "Farias", "recife-textiles.br", "Software Engineer", 40),
            ("Chen", "Wei", "rival-crm.io", "Director of Operations", 800),
            ("Dara", "Quinn", "galway-crafts.ie", "Marketing Manager", 15),
            ("Elena", "Petrova", "baltic-freight.eu", "CEO", 300),
        };
        var urls = new[] { "/pricing", "/blog/speed-to-lead", "/careers", "/product/routing", "/pricing?plan=team", "/blog/crm-hygiene" };
        for (var p = 0; p < people.Length; p++)
        {
            var (first, last, domain, title, employees) = people[p];
            var lead = await client.CreateLeadAsync(new { firstName = first, lastName = last, email = $"{first.ToLowerInvariant()}.{Guid.NewGuid():N}@{domain}", company = domain, title, employeeCount = employees });
            var id = lead.Id();
            leads.Add(Guid.Parse(id));

            // Touches out of time order, some at the same moment, spread over two months.
            for (var i = 0; i < 6 + (p * 3); i++)
            {
                var at = now.AddDays(-((i * 7 + p * 3) % 60)).AddHours(-(i % 3));
                object body = ((i + p) % 5) switch
                {
                    0 or 1 or 2 => (object)new { type = "PageView", leadId = id, url = "https://handoff.io" + urls[(i + p) % urls.Length], occurredAt = at },
                    3 => new { type = "EmailClick", leadId = id, occurredAt = at },
                    _ => new { type = "FormSubmit", leadId = id, occurredAt = at, properties = new Dictionary<string, string> { ["form"] = i % 2 == 0 ? "demo-request" : "newsletter" } },
                };
                var response = await client.PostAsJsonAsync("/api/activities", body);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            }
        }

        var model = await (await client.PostAsync("/api/scoring/models", Json.Raw(Model))).ReadObjectAsync();
        var activated = await client.PostAsync($"/api/scoring/models/{model.Id()}/activate", null);
        Assert.Equal(HttpStatusCode.Accepted, activated.StatusCode);
        var job = await activated.ReadObjectAsync();
        await App.Services.GetRequiredService<RescoreWorker>().RunOnceAsync(CancellationToken.None);
        var status = await (await client.GetAsync(job["rescoreUrl"]!.GetValue<string>())).ReadObjectAsync();
        for (var i = 0; i < 100 && status["status"]!.GetValue<string>() is "Pending" or "Running"; i++)
        {
            await Task.Delay(100);
            status = await (await client.GetAsync(job["rescoreUrl"]!.GetValue<string>())).ReadObjectAsync();
        }

        Assert.Equal("Completed", status["status"]!.GetValue<string>());
        await AssertScoredAsIfAloneAsync(leads);

        // Lead by lead: two leads lose their scores (as imported leads have none) and a rescore that never scans picks them up.
        await using (var scope = App.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var stale = leads.Take(2).ToList();
            await LeadScoreRows.ForgetAsync(db, stale, ", engagement_score = 0");
            var rules = (await scope.ServiceProvider.GetRequiredService<ActiveScoring>().GetAsync(CancellationToken.None, fresh: true))!;
            var byLead = new RescoreLeads(db, scope.ServiceProvider.GetRequiredService<ScoringModelCache>(), scope.ServiceProvider.GetRequiredService<TimeProvider>(),
                scope.ServiceProvider.GetRequiredService<SqliteWriteGate>(), Options.Create(new RescoreOptions { ScanShare = 2 }));
            Assert.Equal(2, await byLead.RescoreStaleAsync(rules, progress: null, CancellationToken.None));
        }

        await AssertScoredAsIfAloneAsync(leads);
    }

    private Task AssertScoredAsIfAloneAsync(List<Guid> leads) => AssertScoredAsIfAloneAsync(App, leads);

    /// <summary>Each lead's stored scores and state are those <see cref="ScoreEngine"/> gives it from its own activities.</summary>
    internal static async Task AssertScoredAsIfAloneAsync(HandoffApp app, List<Guid> leads)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var rules = (await scope.ServiceProvider.GetRequiredService<ActiveScoring>().GetAsync(CancellationToken.None, fresh: true))!;
        var engaged = 0;
        foreach (var id in leads)
        {
            var lead = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == id);
            var activities = await db.Activities.AsNoTracking().Where(a => a.LeadId == id)
                .Select(a => new ActivityFact(a.Id, a.Type, a.OccurredAt, a.Url, a.Properties)).ToListAsync();
            var expected = ScoreEngine.Build(rules, activities);
            Assert.Equal(rules.Version, lead.ScoreModelVersion);
            Assert.Equal(expected.ToText(), lead.ScoreState);
            var fit = ScoreEngine.FitOf(rules, new LeadFacts(lead));
            Assert.Equal(fit, lead.FitScore);
            Assert.Equal(rules.GradeOf(fit), lead.FitGrade);
            var (engagement, intent) = ScoreEngine.EngagementOf(rules, expected, lead.ScoredAt!.Value);
            Assert.Equal(ScoreEngine.Whole(engagement), lead.EngagementScore);
            Assert.Equal(ScoreEngine.Whole(intent), lead.IntentScore);
            engaged += expected.Rules.Count;
        }

        Assert.True(engaged >= 10, $"the leads should match many rules; matched {engaged}");
    }
}

public sealed class RescoreTests_Sqlite(QuietRescoreSqliteApp app) : RescoreTests<QuietRescoreSqliteApp>(app);

public sealed class RescoreTests_Postgres(QuietRescorePostgresApp app) : RescoreTests<QuietRescorePostgresApp>(app);
