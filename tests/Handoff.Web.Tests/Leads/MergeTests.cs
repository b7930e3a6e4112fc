using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Leads;

public abstract class MergeTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task SamePersonUnderTwoEmails_IsSuggested_AndMerges_KeepingActivitiesAndBothHistories()
    {
        var client = app.Admin();
        var domain = $"initech-{Guid.NewGuid():N}.io";
        var last = "Lumbergh"; // a real-looking name: random letters could read as gibberish and be junked
        var older = await client.CreateLeadAsync(new { firstName = "Bill", lastName = last, email = $"bill@{domain}", company = "Initech", title = "Manager", utmSource = "google" });
        await client.PostAsJsonAsync("/api/activities", new { type = "PageView", leadId = older.Id(), url = "/pricing" });
        var newer = await client.CreateLeadAsync(new { firstName = "Bill", lastName = last, email = $"b.lumbergh@{domain}", company = "Initech, Inc.", title = "VP of Operations", phone = "+1 415 555 0134" });
        await client.MoveAsync(newer.Id(), new { to = "MQL" });

        var suggestions = await (await client.GetAsync($"/api/leads/{newer.Id()}/duplicates")).ReadArrayAsync();
        var suggestion = Assert.Single(suggestions);
        Assert.Equal(older.Id(), suggestion!["leadId"]!.GetValue<string>());
        Assert.True(suggestion["confidence"]!.GetValue<double>() >= 0.9);
        Assert.Contains("same name at the same company domain", suggestion["reasons"]!.AsArray().Select(r => r!.GetValue<string>()));

        var merged = await client.PostAsJsonAsync($"/api/leads/{newer.Id()}/merge", new { duplicateId = older.Id(), note = "same Bill" });

        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        var survivor = await merged.ReadObjectAsync();
        Assert.Equal("VP of Operations", survivor["title"]!.GetValue<string>()); // newest non-empty
        Assert.Equal("google", survivor["utmSource"]!.GetValue<string>());     // first touch from the lead captured first
        Assert.Equal("MQL", survivor.Stage());
        var loser = await (await client.GetAsync($"/api/leads/{older.Id()}")).ReadObjectAsync();
        Assert.Equal("Disqualified", loser.Stage());
        Assert.Equal("duplicate", loser["stageReason"]!.GetValue<string>());
        Assert.Equal(newer.Id(), loser["mergedIntoId"]!.GetValue<string>());
        Assert.Null(survivor["mergedIntoId"]);

        var activities = await (await client.GetAsync($"/api/leads/{newer.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(3, activities.Count); // two captures and the page view
        var history = await (await client.GetAsync($"/api/leads/{newer.Id()}/history")).ReadArrayAsync();
        Assert.Contains(history, h => h!["leadId"]!.GetValue<string>() == older.Id() && h["kind"]!.GetValue<string>() == "created");
        Assert.Contains(history, h => h!["kind"]!.GetValue<string>() == "merged" && h["changes"]!["mergedLeadId"]!.GetValue<string>() == older.Id());

        var again = await client.PostAsJsonAsync($"/api/leads/{newer.Id()}/merge", new { duplicateId = older.Id() });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Merge_TakesTheDuplicatesEmail_WhenTheSurvivorHasNone()
    {
        var client = app.Admin();
        var email = $"solo.{Guid.NewGuid():N}@umbrella-labs.io";
        var withEmail = await client.CreateLeadAsync(new { lastName = "Wesker", email });
        var phoneOnly = await client.CreateLeadAsync(new { lastName = "Wesker", phone = "+44 20 7946 0018" });

        var merged = await client.PostAsJsonAsync($"/api/leads/{phoneOnly.Id()}/merge", new { duplicateId = withEmail.Id() });

        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        Assert.Equal(email, (await merged.ReadObjectAsync())["email"]!.GetValue<string>());
        var recapture = await client.PostAsJsonAsync("/api/leads", new { email });
        Assert.Equal(phoneOnly.Id(), (await recapture.ReadObjectAsync())["lead"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Merge_RefusesItself_AndTheWrongDirection()
    {
        var client = app.Admin();
        var lead = await client.CreateLeadAsync();

        var self = await client.PostAsJsonAsync($"/api/leads/{lead.Id()}/merge", new { duplicateId = lead.Id() });
        var missing = await client.PostAsJsonAsync($"/api/leads/{lead.Id()}/merge", new { duplicateId = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var none = await client.PostAsJsonAsync($"/api/leads/{lead.Id()}/merge", new { note = "forgot the id" });
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        var error = Json.Problem(await none.Content.ReadAsStringAsync()).GetProperty("errors").GetProperty("duplicateId")[0].GetString();
        Assert.Contains("required", error, StringComparison.Ordinal);
    }
    [Fact]
    public async Task Merge_IsAConflict_NotACrash_WhenTheSurvivingEmailBelongsToAThirdOpenLead()
    {
        var client = app.Admin();
        var domain = $"hooli-{Guid.NewGuid():N}.io";
        var survivor = await client.CreateLeadAsync(new { lastName = "Belson", email = $"gavin@{domain}" });
        var closed = await client.CreateLeadAsync(new { lastName = "Belson", email = $"g.belson@{domain}" });
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(closed.Id(), new { to = "Disqualified", reason = "poor-fit" })).StatusCode);
        var third = await client.CreateLeadAsync(new { lastName = "Belson", email = $"g.belson@{domain}" }); // open again under that email

        // The closed lead changed last, so its email would survive onto the open survivor: a second open lead for it.
        var merged = await client.PostAsJsonAsync($"/api/leads/{survivor.Id()}/merge", new { duplicateId = closed.Id() });

        Assert.Equal(HttpStatusCode.Conflict, merged.StatusCode);
        var problem = Json.Problem(await merged.Content.ReadAsStringAsync());
        Assert.Equal("duplicate-open-lead", problem.GetProperty("code").GetString());
        Assert.Contains(third.Id(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var after = await (await client.GetAsync($"/api/leads/{survivor.Id()}")).ReadObjectAsync();
        Assert.Equal(survivor["version"]!.GetValue<int>(), after["version"]!.GetValue<int>()); // nothing written
        var history = await (await client.GetAsync($"/api/leads/{closed.Id()}/history")).ReadArrayAsync();
        Assert.DoesNotContain(history, h => h!["kind"]!.GetValue<string>() == "merged");
        var stillAlone = await (await client.GetAsync($"/api/leads/{survivor.Id()}/history")).ReadArrayAsync();
        Assert.All(stillAlone, h => Assert.Equal(survivor.Id(), h!["leadId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Merge_WhileTheSameLeadsAreEdited_AnswersAConflict_NeverAnError()
    {
        var client = app.Admin();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            var domain = $"pied-piper-{Guid.NewGuid():N}.io";
            var survivor = await client.CreateLeadAsync(new { lastName = "Hendricks", email = $"richard@{domain}" });
            var duplicate = await client.CreateLeadAsync(new { lastName = "Hendricks", email = $"r.hendricks@{domain}" });
            var responses = await Task.WhenAll(
                client.PostAsJsonAsync($"/api/leads/{survivor.Id()}/merge", new { duplicateId = duplicate.Id() }),
                client.PatchAsync($"/api/leads/{duplicate.Id()}", JsonContent.Create(new { title = $"CEO {i}" })),
                client.PatchAsync($"/api/leads/{survivor.Id()}", JsonContent.Create(new { city = "Palo Alto" })));
            statuses.AddRange(responses.Select(r => r.StatusCode));
        }

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict, $"got {(int)s}"));
    }

    [Fact]
    public async Task Merge_OfARealLeadIntoAJunkLead_IsRefused_TheOtherWayRoundWorks()
    {
        var client = app.Admin();
        var junk = await client.CreateLeadAsync(new { lastName = "Bachman", email = $"erlich.{Guid.NewGuid():N}@mailinator.com" });
        var real = await client.CreateLeadAsync(new { lastName = "Bachman", email = $"erlich@aviato-{Guid.NewGuid():N}.io", title = "Founder" });
        Assert.Equal("Junk", junk.Stage());

        var intoJunk = await client.PostAsJsonAsync($"/api/leads/{junk.Id()}/merge", new { duplicateId = real.Id() });

        Assert.Equal(HttpStatusCode.Conflict, intoJunk.StatusCode);
        Assert.Equal("merge-direction", Json.Problem(await intoJunk.Content.ReadAsStringAsync()).GetProperty("code").GetString());
        Assert.Equal("New", (await (await client.GetAsync($"/api/leads/{real.Id()}")).ReadObjectAsync()).Stage());

        var intoReal = await client.PostAsJsonAsync($"/api/leads/{real.Id()}/merge", new { duplicateId = junk.Id() });

        Assert.Equal(HttpStatusCode.OK, intoReal.StatusCode);
        Assert.Equal("New", (await intoReal.ReadObjectAsync()).Stage());
        var absorbed = await (await client.GetAsync($"/api/leads/{junk.Id()}")).ReadObjectAsync();
        Assert.Equal("Junk", absorbed.Stage()); // a closed lead only records where it went
        Assert.Equal(real.Id(), absorbed["mergedIntoId"]!.GetValue<string>());
    }
    [Fact]
    public async Task AfterAMerge_TheMergedAwayEmail_StillFindsThePerson_ThroughAChainOfMerges()
    {
        var client = app.Admin();
        var domain = $"hooli-{Guid.NewGuid():N}.io";
        var first = await client.CreateLeadAsync(new { firstName = "Jared", lastName = "Dunn", email = $"donald@{domain}" });
        var second = await client.CreateLeadAsync(new { firstName = "Jared", lastName = "Dunn", email = $"jared@{domain}" });
        var third = await client.CreateLeadAsync(new { firstName = "Jared", lastName = "Dunn", email = $"jd@{domain}" });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/leads/{second.Id()}/merge", new { duplicateId = first.Id() })).StatusCode);

        // The survivor kept its own (newer) address; the person writes in again under the old one.
        var recapture = await client.PostAsJsonAsync("/api/leads", new { email = $"Donald@{domain.ToUpperInvariant()}", title = "COO" });
        var touchByEmail = await client.PostAsJsonAsync("/api/activities", new { type = "PageView", email = $"donald@{domain}", url = "/pricing" });
        var touchById = await client.PostAsJsonAsync("/api/activities", new { type = "PageView", leadId = first.Id(), url = "/demo" });

        Assert.Equal(HttpStatusCode.OK, recapture.StatusCode);
        var answer = await recapture.ReadObjectAsync();
        Assert.Equal(second.Id(), answer["duplicateOf"]!.GetValue<string>());
        Assert.Equal("COO", answer["lead"]!["title"]!.GetValue<string>());
        Assert.Equal($"jared@{domain}", answer["lead"]!["email"]!.GetValue<string>());
        Assert.Equal(second.Id(), (await touchByEmail.ReadObjectAsync())["items"]![0]!["leadId"]!.GetValue<string>());
        Assert.Equal(second.Id(), (await touchById.ReadObjectAsync())["items"]![0]!["leadId"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/leads/{third.Id()}/merge", new { duplicateId = second.Id() })).StatusCode);
        var again = await client.PostAsJsonAsync("/api/leads", new { email = $"donald@{domain}" });

        Assert.Equal(third.Id(), (await again.ReadObjectAsync())["duplicateOf"]!.GetValue<string>());
        var activities = await (await client.GetAsync($"/api/leads/{third.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(7, activities.Count); // five captures and two page views, all on the last survivor
    }

    [Fact]
    public async Task Suggestions_SeeThroughTitlesSuffixesAndTransliteration_ButNotADifferentPersonWithTheSameFirstName()
    {
        var client = app.Admin();
        var domain = $"lima-corp-{Guid.NewGuid():N}.com.br";
        var doctor = await client.CreateLeadAsync(new { firstName = "Dr. Ana", lastName = "Lima", email = $"ana.lima@{domain}" });
        var junior = await client.CreateLeadAsync(new { firstName = "Ana", lastName = "Lima Jr.", email = $"ana@{domain}" });
        var colleague = await client.CreateLeadAsync(new { firstName = "Ana", lastName = "Souza", email = $"ana.souza@{domain}" });
        var mueller = await client.CreateLeadAsync(new { firstName = "Jürgen", lastName = "Mueller", email = $"jm@{domain}" });
        var mueller2 = await client.CreateLeadAsync(new { firstName = "Jurgen", lastName = "Müller", email = $"juergen@{domain}" });

        var forDoctor = await (await client.GetAsync($"/api/leads/{doctor.Id()}/duplicates")).ReadArrayAsync();
        var forMueller = await (await client.GetAsync($"/api/leads/{mueller.Id()}/duplicates")).ReadArrayAsync();

        var match = Assert.Single(forDoctor);
        Assert.Equal(junior.Id(), match!["leadId"]!.GetValue<string>());
        Assert.Equal(0.9, match["confidence"]!.GetValue<double>());
        Assert.DoesNotContain(forDoctor, s => s!["leadId"]!.GetValue<string>() == colleague.Id());
        Assert.Equal(mueller2.Id(), Assert.Single(forMueller)!["leadId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Suggestions_ASharedSwitchboardNumber_DoesNotMakeColleaguesDuplicates_ButTheSamePersonsPhoneDoes()
    {
        var client = app.Admin();
        var domain = $"switchboard-{Guid.NewGuid():N}.com";
        var number = $"+1 415 555 {Random.Shared.Next(1000, 9999)}";
        var ana = await client.CreateLeadAsync(new { firstName = "Ana", lastName = "Souza", email = $"ana@{domain}", phone = $"{number} ext. 101" });
        var bruno = await client.CreateLeadAsync(new { firstName = "Bruno", lastName = "Lima", email = $"bruno@{domain}", phone = $"{number} ext. 202" });
        var anaAtHome = await client.CreateLeadAsync(new { firstName = "Ana", lastName = "Souza", email = $"ana.souza.{Guid.NewGuid():N}@gmail.com", phone = number });
        var noName = await client.CreateLeadAsync(new { email = $"caller.{Guid.NewGuid():N}@gmail.com", phone = number });

        var suggestions = await (await client.GetAsync($"/api/leads/{ana.Id()}/duplicates")).ReadArrayAsync();

        var ids = suggestions.Select(s => s!["leadId"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(bruno.Id(), ids);
        Assert.Contains(anaAtHome.Id(), ids);
        Assert.Contains(noName.Id(), ids);
        Assert.True(suggestions.First(s => s!["leadId"]!.GetValue<string>() == anaAtHome.Id())!["confidence"]!.GetValue<double>() >= 0.8);
    }

    [Fact]
    public async Task NewestNonEmpty_GoesByWhenTheDataCame_NotByALaterStageMoveOrReassignment()
    {
        var client = app.Admin();
        var domain = $"raviga-{Guid.NewGuid():N}.io";
        var older = await client.CreateLeadAsync(new { firstName = "Monica", lastName = "Hall", email = $"monica@{domain}", title = "Associate", city = "Menlo Park" });
        await Task.Delay(20);
        var newer = await client.CreateLeadAsync(new { firstName = "Monica", lastName = "Hall", email = $"m.hall@{domain}", title = "Partner" });
        await Task.Delay(20);
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(older.Id(), new { to = "MQL" })).StatusCode); // the old record is worked on today

        var merged = await client.PostAsJsonAsync($"/api/leads/{older.Id()}/merge", new { duplicateId = newer.Id() });

        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        var survivor = await merged.ReadObjectAsync();
        Assert.Equal("Partner", survivor["title"]!.GetValue<string>()); // the newer data
        Assert.Equal($"m.hall@{domain}", survivor["email"]!.GetValue<string>());
        Assert.Equal("Menlo Park", survivor["city"]!.GetValue<string>()); // an empty newer value never erases
        var history = await (await client.GetAsync($"/api/leads/{older.Id()}/history")).ReadArrayAsync();
        var entry = Assert.Single(history, h => h!["kind"]!.GetValue<string>() == "merged");
        Assert.Equal("Partner", entry!["changes"]!["fields"]!["title"]!["to"]!.GetValue<string>());
    }

}

public sealed class MergeTests_Sqlite(SqliteApp app) : MergeTests<SqliteApp>(app);

public sealed class MergeTests_Postgres(PostgresApp app) : MergeTests<PostgresApp>(app);
