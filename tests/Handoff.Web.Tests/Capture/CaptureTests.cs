using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Capture;

public abstract class CaptureTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private static string UniqueEmail(string name = "p") => $"{name}.{Guid.NewGuid():N}@acme-{Guid.NewGuid():N}.io";

    [Fact]
    public async Task SamePersonTwice_UpdatesTheOpenLead_WithTwoActivities()
    {
        var client = app.Admin();
        var email = UniqueEmail();

        var first = await client.PostAsJsonAsync("/api/leads", new { email, firstName = "Ada", company = "Acme", title = "Engineer", utmSource = "google", utmCampaign = "spring" });
        var second = await client.PostAsJsonAsync("/api/leads", new { email = email.ToUpperInvariant(), title = "CTO", phone = "+1 555 010 0101", utmSource = "linkedin", utmCampaign = "summer", activityType = "DemoRequest" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var a = await first.ReadObjectAsync();
        var b = await second.ReadObjectAsync();
        var id = a["lead"]!["id"]!.GetValue<string>();
        Assert.False(b["created"]!.GetValue<bool>());
        Assert.Equal(id, b["duplicateOf"]!.GetValue<string>());
        var lead = b["lead"]!;
        Assert.Equal("CTO", lead["title"]!.GetValue<string>());
        Assert.Equal("Ada", lead["firstName"]!.GetValue<string>()); // an empty value never erases
        Assert.Equal("Acme", lead["company"]!.GetValue<string>());
        Assert.Equal("google", lead["utmSource"]!.GetValue<string>()); // first touch stays

        var activities = await (await client.GetAsync($"/api/leads/{id}/activities")).ReadArrayAsync();
        Assert.Equal(["DemoRequest", "FormSubmit"], activities.Select(x => x!["type"]!.GetValue<string>()).Order());
        Assert.Contains(activities, x => x!["campaign"]?.GetValue<string>() == "summer");
        var history = await (await client.GetAsync($"/api/leads/{id}/history")).ReadArrayAsync();
        Assert.Equal("fields-updated", history[^1]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task ADescriptionAsLongAsSalesforceAllows_IsKept_AndALongerOneIsRefused_NamingIt()
    {
        var client = app.Admin();
        var notes = string.Concat(Enumerable.Repeat("Met at the Lisbon expo; wants fleet pricing. ", 800))[..32_000];

        var kept = await client.PostAsJsonAsync("/api/leads", new { email = $"notes.{Guid.NewGuid():N}@harbor-freight.pt", lastName = "Sousa", description = notes });
        var refused = await client.PostAsJsonAsync("/api/leads", new { email = $"notes.{Guid.NewGuid():N}@harbor-freight.pt", lastName = "Sousa", description = notes + "!" });

        Assert.Equal(HttpStatusCode.Created, kept.StatusCode);
        var lead = await client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/leads/{(await kept.ReadObjectAsync())["lead"]!.AsObject().Id()}");
        Assert.Equal(notes, lead!["description"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("at most 32000", (await refused.ValidationErrorsAsync()).Error("description"));
    }

    [Fact]
    public async Task ARecaptureWithOtherCustomFields_KeepsTheLeadAtTheLimitOf100_SoItCanStillBeEdited()
    {
        var client = app.Admin();
        var email = $"fields.{Guid.NewGuid():N}@acme-corp.io";
        var older = Enumerable.Range(0, 80).ToDictionary(i => $"old{i}", _ => "o");
        var newer = Enumerable.Range(0, 50).ToDictionary(i => $"new{i}", _ => "n");
        newer["old0"] = "updated";

        await client.PostAsJsonAsync("/api/leads", new { email, lastName = "Fields", customFields = older });
        var again = await client.PostAsJsonAsync("/api/leads", new { email, customFields = newer });
        var lead = (await again.ReadObjectAsync())["lead"]!.AsObject();
        var edit = await client.PatchAsync($"/api/leads/{lead.Id()}", Json.Raw("""{"city":"Oslo"}""", "application/merge-patch+json"));

        var fields = lead["customFields"]!.AsObject();
        Assert.Equal(100, fields.Count);
        Assert.All(newer, f => Assert.Equal(f.Value, fields[f.Key]?.GetValue<string>())); // the newer values all survive
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
    }

    [Fact]
    public async Task ConcurrentCapturesOfOnePerson_MakeOneLead()
    {
        var client = app.Admin();
        var email = UniqueEmail();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => client.PostAsJsonAsync("/api/leads", new { email, lastName = new[] { "Ng", "Okafor", "Silva", "Tanaka", "Rossi", "Haddad" }[i] })));

        Assert.All(answers, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        var ids = await Task.WhenAll(answers.Select(async r => (await r.ReadObjectAsync())["lead"]!["id"]!.GetValue<string>()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        var activities = await (await client.GetAsync($"/api/leads/{ids[0]}/activities")).ReadArrayAsync();
        Assert.Equal(6, activities.Count);
    }

    [Theory]
    [InlineData("person@mailinator.com", "disposable-email")]
    [InlineData("qwxzkjhgf@acme-corp.io", "spam", "Qwxzkjhgf", "Zzzzzz")]
    [InlineData("jane@acme-corp.io", "spam", "Jane", "Doe <a href=\"http://x.io\">win</a>")]
    [InlineData("test@test.com", "test", "Test", "Test")]
    public async Task Junk_IsKeptApart_InJunk_WithItsReason(string email, string reason, string first = "Real", string last = "Person")
    {
        var client = app.Admin();
        var unique = email.Replace("@", $"+{Guid.NewGuid():N}@", StringComparison.Ordinal);

        var response = await client.PostAsJsonAsync("/api/leads", new { email = unique, firstName = first, lastName = last });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.ReadObjectAsync();
        Assert.Equal(reason, answer["junkReason"]!.GetValue<string>());
        Assert.Equal("Junk", answer["lead"]!["stage"]!.GetValue<string>());
        var history = await (await client.GetAsync($"/api/leads/{answer["lead"]!["id"]}/history")).ReadArrayAsync();
        Assert.Equal("hygiene", history[^1]!["actor"]!["id"]!.GetValue<string>());
        Assert.NotNull(history[^1]!["note"]);
    }

    [Fact]
    public async Task Enrichment_And_AccountMatching_HappenAtCapture()
    {
        var client = app.Admin();
        var domain = $"northwind-{Guid.NewGuid():N}.io";
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Handoff.Data.HandoffDb>();
            db.Accounts.Add(Handoff.Accounts.Account.Create("Northwind", domain, DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        var work = await (await client.PostAsJsonAsync("/api/leads", new { email = $"ana@{domain}", lastName = "Lima", title = "VP of Sales", country = "Deutschland", employeeCount = 350, phone = "+49 30 901820" })).ReadObjectAsync();
        var freeMail = await (await client.PostAsJsonAsync("/api/leads", new { email = $"ana.lima.{Guid.NewGuid():N}@gmail.com", lastName = "Lima" })).ReadObjectAsync();

        var lead = work["lead"]!;
        Assert.Equal("VP", lead["seniority"]!.GetValue<string>());
        Assert.Equal("Sales", lead["department"]!.GetValue<string>());
        Assert.Equal("DE", lead["countryCode"]!.GetValue<string>());
        Assert.Equal("EMEA", lead["region"]!.GetValue<string>());
        Assert.Equal("MidMarket", lead["segment"]!.GetValue<string>());
        Assert.Equal("+4930901820", lead["phoneE164"]!.GetValue<string>());
        Assert.NotNull(lead["accountId"]);
        Assert.True(freeMail["lead"]!["isFreeMail"]!.GetValue<bool>());
        Assert.Null(freeMail["lead"]!["accountId"]);
        Assert.Equal("New", freeMail["lead"]!["stage"]!.GetValue<string>()); // free webmail is a fit signal, not junk
    }

    [Fact]
    public async Task AccountMatching_PrefersTheWorkEmail_ThenTheWebsite_ThenTheParentDomain()
    {
        var client = app.Admin();
        var token = Guid.NewGuid().ToString("N")[..10];
        Guid emailAccount, websiteAccount;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Handoff.Data.HandoffDb>();
            var parent = Handoff.Accounts.Account.Create("Fabrikam", $"fabrikam-{token}.io", DateTime.UtcNow);
            var byEmail = Handoff.Accounts.Account.Create("Fabrikam Labs", $"labs.fabrikam-{token}.io", DateTime.UtcNow);
            var byWebsite = Handoff.Accounts.Account.Create("Tailspin", $"tailspin-{token}.com", DateTime.UtcNow);
            db.Accounts.AddRange(parent, byEmail, byWebsite);
            await db.SaveChangesAsync();
            (emailAccount, websiteAccount) = (byEmail.Id, byWebsite.Id);
        }

        var both = await (await client.PostAsJsonAsync("/api/leads", new { email = $"rui@labs.fabrikam-{token}.io", lastName = "Costa", website = $"https://tailspin-{token}.com" })).ReadObjectAsync();
        var websiteFirst = await (await client.PostAsJsonAsync("/api/leads", new { email = $"eva@mail.fabrikam-{token}.io", lastName = "Berg", website = $"https://tailspin-{token}.com" })).ReadObjectAsync();

        Assert.Equal(emailAccount, both["lead"]!["accountId"]!.GetValue<Guid>());
        Assert.Equal(websiteAccount, websiteFirst["lead"]!["accountId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task AccountMatching_AlsoHappens_WhenAnEditGivesTheLeadAWorkEmailOrWebsite()
    {
        var client = app.Admin();
        var domain = $"litware-{Guid.NewGuid():N}.io";
        Guid account;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Handoff.Data.HandoffDb>();
            var created = Handoff.Accounts.Account.Create("Litware", domain, DateTime.UtcNow);
            db.Accounts.Add(created);
            await db.SaveChangesAsync();
            account = created.Id;
        }

        var byEmail = await client.CreateLeadAsync(new { lastName = "Okafor", email = $"okafor.{Guid.NewGuid():N}@gmail.com" });
        var byWebsite = await client.CreateLeadAsync(new { lastName = "Adeyemi", email = $"adeyemi.{Guid.NewGuid():N}@outlook.com" });
        Assert.Null(byEmail["accountId"]);

        var emailEdit = await client.PatchAsync($"/api/leads/{byEmail.Id()}", JsonContent.Create(new { email = $"okafor@{domain}" }));
        var websiteEdit = await client.PatchAsync($"/api/leads/{byWebsite.Id()}", JsonContent.Create(new { website = $"https://www.{domain}/" }));

        Assert.Equal(account, (await emailEdit.ReadObjectAsync())["accountId"]!.GetValue<Guid>());
        Assert.Equal(account, (await websiteEdit.ReadObjectAsync())["accountId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task ClosedLead_DoesNotAbsorbANewCapture()
    {
        var client = app.Admin();
        var email = UniqueEmail();
        var old = await client.CreateLeadAsync(new { email });
        await client.MoveAsync(old.Id(), new { to = "Disqualified", reason = "poor-fit" });

        var again = await client.PostAsJsonAsync("/api/leads", new { email });

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.NotEqual(old.Id(), (await again.ReadObjectAsync())["lead"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task RestoringJunk_WhileAnotherLeadIsOpenForTheSameEmail_IsAConflict()
    {
        var client = app.Admin();
        var email = UniqueEmail();
        var junk = await client.CreateLeadAsync(new { email });
        await client.MoveAsync(junk.Id(), new { to = "Junk", reason = "test" });
        var open = await client.CreateLeadAsync(new { email });

        var restore = await client.MoveAsync(junk.Id(), new { to = "New" });

        Assert.Equal(HttpStatusCode.Conflict, restore.StatusCode);
        var problem = Json.Problem(await restore.Content.ReadAsStringAsync());
        Assert.Equal("duplicate-open-lead", problem.GetProperty("code").GetString());
        Assert.Contains(open.Id(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoringJunk_JoinsThePersonsAnonymousTouches_AndLinksTheirVisitor()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var email = UniqueEmail("restored");
        await client.PostAsJsonAsync("/api/activities", new { type = "PageView", visitorId = visitor, url = "/pricing" });
        await client.PostAsJsonAsync("/api/activities", new { type = "ContentDownload", email, url = "/whitepaper" });
        var junk = await client.CreateLeadAsync(new { email, lastName = "Marsh", visitorId = visitor, description = "We offer SEO services, and we need a CRM" });
        Assert.Equal("Junk", junk.Stage());
        Assert.Single(await (await client.GetAsync($"/api/leads/{junk.Id()}/activities")).ReadArrayAsync()); // junk takes no one's touches

        var restore = await client.MoveAsync(junk.Id(), new { to = "New", note = "a buyer after all" });

        Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        var touches = await (await client.GetAsync($"/api/leads/{junk.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(3, touches.Count);
        var later = await (await client.PostAsJsonAsync("/api/activities", new { type = "PageView", visitorId = visitor, url = "/demo" })).ReadObjectAsync();
        Assert.Equal(junk.Id(), later["items"]![0]!["leadId"]!.GetValue<string>());
    }

    [Fact]
    public async Task EditingAnEmail_IntoAnotherOpenLeads_IsAConflict_NotACrash()
    {
        var client = app.Admin();
        var taken = UniqueEmail("taken");
        await client.CreateLeadAsync(new { email = taken });
        var other = await client.CreateLeadAsync(new { email = UniqueEmail("other") });

        var response = await client.PatchAsync($"/api/leads/{other.Id()}", Json.Raw($$"""{"email":"{{taken.ToUpperInvariant()}}"}"""));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("duplicate-open-lead", Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnonymousVisitorTouches_JoinTheLead_WhenTheVisitorIdentifies()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var email = UniqueEmail();

        var anonymous = await client.PostAsJsonAsync("/api/activities", new[]
        {
            new { type = "PageView", visitorId = visitor, url = "/pricing" },
            new { type = "PageView", visitorId = visitor, url = "/compare" },
        });
        Assert.Equal(HttpStatusCode.Created, anonymous.StatusCode);
        Assert.Equal(2, (await anonymous.ReadObjectAsync())["anonymous"]!.GetValue<int>());

        var captured = await client.PostAsJsonAsync("/api/leads", new { email, visitorId = visitor, pageUrl = "/demo" });
        var id = (await captured.ReadObjectAsync())["lead"]!["id"]!.GetValue<string>();

        var later = await (await client.PostAsJsonAsync("/api/activities", new { type = "PageView", visitorId = visitor, url = "/docs" })).ReadObjectAsync();
        Assert.Equal(id, later["items"]![0]!["leadId"]!.GetValue<string>());
        Assert.Equal("Visitor", later["items"]![0]!["matchedBy"]!.GetValue<string>());

        var activities = await (await client.GetAsync($"/api/leads/{id}/activities")).ReadArrayAsync();
        Assert.Equal(4, activities.Count);
        Assert.Contains(activities, a => a!["url"]?.GetValue<string>() == "/pricing");
    }

    [Fact]
    public async Task ConcurrentCapturesOfOneVisitor_JoinAndScoreEachAnonymousTouchOnOneLeadOnly()
    {
        // Eight people captured at once with the same visitor id (a shared browser): the visitor's five pricing views
        // join one of them, and only that one scores them (on PostgreSQL the touches are claimed FOR UPDATE; without
        // it two captures could both load them, and both leads scored them).
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var touches = Enumerable.Range(0, 5).Select(i => new { type = "PageView", visitorId = visitor, url = $"/pricing?plan={i}" }).ToArray();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/activities", touches)).StatusCode);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.PostAsJsonAsync("/api/leads", new { email = UniqueEmail($"shared{i}"), firstName = "Robin", visitorId = visitor })));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var ids = await Task.WhenAll(answers.Select(async a => (await a.ReadObjectAsync())["lead"]!.AsObject().Id()));

        var joined = new List<int>();
        var intents = new List<int>();
        foreach (var id in ids)
        {
            var activities = await (await client.GetAsync($"/api/leads/{id}/activities")).ReadArrayAsync();
            joined.Add(activities.Count(a => a!["url"]?.GetValue<string>()?.StartsWith("/pricing?plan=", StringComparison.Ordinal) == true));
            intents.Add((await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync())["intentScore"]!.GetValue<int>());
        }

        Assert.Equal(5, joined.Sum());
        Assert.Single(joined, n => n > 0);
        var taker = joined.FindIndex(n => n > 0);
        Assert.True(intents[taker] > 0);
        Assert.All(intents.Where((_, i) => i != taker), intent => Assert.Equal(0, intent));
    }

    [Fact]
    public async Task AVisitorWhoIdentifiesInsideABatch_HasEveryTouchOfTheBatchOnTheLead_AndTheAnswerSaysSo()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var email = UniqueEmail();
        var id = (await (await client.PostAsJsonAsync("/api/leads", new { email })).ReadObjectAsync())["lead"]!.AsObject().Id();

        var answer = await (await client.PostAsJsonAsync("/api/activities", new object[]
        {
            new { type = "PageView", visitorId = visitor, url = "/pricing" },
            new { type = "EmailClick", email, visitorId = visitor, url = "/offer" },
            new { type = "PageView", visitorId = visitor, url = "/docs" },
        })).ReadObjectAsync();

        Assert.Equal(3, answer["matched"]!.GetValue<int>());
        Assert.Equal(0, answer["anonymous"]!.GetValue<int>());
        var items = answer["items"]!.AsArray();
        Assert.All(items, item => Assert.Equal(id, item!["leadId"]!.GetValue<string>()));
        Assert.Equal(["Visitor", "Email", "Visitor"], items.Select(item => item!["matchedBy"]!.GetValue<string>()));
        var urls = (await (await client.GetAsync($"/api/leads/{id}/activities")).ReadArrayAsync()).Select(a => a!["url"]?.GetValue<string>());
        Assert.Contains("/pricing", urls);
        Assert.Contains("/docs", urls);
    }

    [Fact]
    public async Task AJunkCapture_TakesNoOnesVisitorHistory()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var email = UniqueEmail();
        await client.PostAsJsonAsync("/api/activities", new { type = "PageView", visitorId = visitor, url = "/pricing" });

        var junk = await (await client.PostAsJsonAsync("/api/leads", new { email, firstName = "http://spam.example", visitorId = visitor })).ReadObjectAsync();
        Assert.Equal("Junk", junk["lead"]!["stage"]!.GetValue<string>());
        var real = await (await client.PostAsJsonAsync("/api/leads", new { email, firstName = "Dana", visitorId = visitor })).ReadObjectAsync();
        var later = await (await client.PostAsJsonAsync("/api/activities", new { type = "PageView", visitorId = visitor, url = "/docs" })).ReadObjectAsync();

        var id = real["lead"]!.AsObject().Id();
        Assert.Equal(id, later["items"]![0]!["leadId"]!.GetValue<string>());
        var activities = await (await client.GetAsync($"/api/leads/{id}/activities")).ReadArrayAsync();
        Assert.Contains(activities, a => a!["url"]?.GetValue<string>() == "/pricing");
        Assert.Single(await (await client.GetAsync($"/api/leads/{junk["lead"]!.AsObject().Id()}/activities")).ReadArrayAsync());
    }

    [Fact]
    public async Task ActivitiesSentAgainWithTheirIdempotencyKey_AreRecordedOnce()
    {
        var client = app.Admin();
        var email = UniqueEmail();
        var lead = (await (await client.PostAsJsonAsync("/api/leads", new { email })).ReadObjectAsync())["lead"]!.AsObject().Id();
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Batch()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/activities")
            {
                Content = JsonContent.Create(new[] { new { type = "EmailOpen", email }, new { type = "EmailClick", email } }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }

        var first = await client.SendAsync(Batch());
        var again = await client.SendAsync(Batch());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        var activities = await (await client.GetAsync($"/api/leads/{lead}/activities")).ReadArrayAsync();
        Assert.Equal(2, activities.Count(a => a!["type"]!.GetValue<string>() is "EmailOpen" or "EmailClick"));
    }

    [Fact]
    public async Task Activities_MatchByEmail_AndTouchesBeforeTheLeadJoinItLater()
    {
        var client = app.Admin();
        var email = UniqueEmail();

        var early = await (await client.PostAsJsonAsync("/api/activities", new { type = "WebinarRegistered", email, campaign = "webinar-q4" })).ReadObjectAsync();
        Assert.Equal("Anonymous", early["items"]![0]!["matchedBy"]!.GetValue<string>());
        var lead = await client.CreateLeadAsync(new { email });
        var late = await (await client.PostAsJsonAsync("/api/activities", new { type = "EmailClick", email = email.ToUpperInvariant(), source = "newsletter", campaign = "nov" })).ReadObjectAsync();

        Assert.Equal("Email", late["items"]![0]!["matchedBy"]!.GetValue<string>());
        var activities = await (await client.GetAsync($"/api/leads/{lead.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(3, activities.Count);
        var fresh = await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync();
        Assert.Equal("nov", fresh["latestCampaign"]!.GetValue<string>());
        Assert.Equal(1, fresh["version"]!.GetValue<int>()); // attribution is not an edit
    }

    [Fact]
    public async Task ActivityBatch_IsAllOrNothing_AndNamesTheBadItem()
    {
        var client = app.Admin();
        var lead = await client.CreateLeadAsync();

        var response = await client.PostAsync("/api/activities", Json.Raw($$"""
            [{"type":"PageView","leadId":"{{lead.Id()}}"},{"type":"Teleport","leadId":"{{lead.Id()}}"}]
            """));
        var unknownLead = await client.PostAsJsonAsync("/api/activities", new[] { new { type = "Call", leadId = Guid.NewGuid() } });
        var nobody = await client.PostAsJsonAsync("/api/activities", new[] { new { type = "Call" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Contains("PageView", errors.GetProperty("[1].type")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknownLead.StatusCode);
        Assert.Contains("[0].leadId", await unknownLead.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);
        var activities = await (await client.GetAsync($"/api/leads/{lead.Id()}/activities")).ReadArrayAsync();
        Assert.Single(activities); // only the capture itself
    }

    [Fact]
    public async Task ActivityBatch_Of10000_IsAccepted_AndMore_IsRefused()
    {
        var client = app.Admin();
        var lead = await client.CreateLeadAsync();
        var items = Enumerable.Range(0, 10_000).Select(i => new { type = "PageView", leadId = lead.Id(), url = $"/p/{i}" }).ToArray();

        var ok = await client.PostAsJsonAsync("/api/activities", items);
        var tooMany = await client.PostAsJsonAsync("/api/activities", items.Append(items[0]).ToArray());

        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal(10_000, (await ok.ReadObjectAsync())["matched"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }
}

public sealed class CaptureTests_Sqlite(SqliteApp app) : CaptureTests<SqliteApp>(app);

public sealed class CaptureTests_Postgres(PostgresApp app) : CaptureTests<PostgresApp>(app);
