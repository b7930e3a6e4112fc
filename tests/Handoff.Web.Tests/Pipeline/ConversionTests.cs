using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Teams;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Qualification;
using Handoff.Web.Tests.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Pipeline;

/// <summary>Conversion of SQL leads to opportunities (no definition active here, so SQL moves are free) and their outcome.</summary>
public abstract class ConversionTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task ConvertingTwice_GivesTheSameOpportunity_WithAccountContactAndHistoryLinks()
    {
        var client = App.Admin();
        var domain = $"fjord-{Guid.NewGuid():N}.no";
        var id = await SqlLeadAsync(client, domain);

        var first = await client.PostAsJsonAsync($"/api/leads/{id}/convert", new { name = "Fjord Freight — fleet rollout", amount = 52000.50m, currency = "nok", pipelineStage = "Demo", expectedCloseDate = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(45)) });
        var second = await client.PostAsJsonAsync($"/api/leads/{id}/convert", new { });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var opportunity = (await first.ReadObjectAsync())["opportunity"]!;
        var again = (await second.ReadObjectAsync())["opportunity"]!;
        Assert.Equal(opportunity["id"]!.GetValue<string>(), again["id"]!.GetValue<string>());
        Assert.Equal($"/api/opportunities/{opportunity["id"]!.GetValue<string>()}", first.Headers.Location?.OriginalString);
        Assert.Equal("Fjord Freight — fleet rollout", opportunity["name"]!.GetValue<string>());
        Assert.Equal(52000.50m, opportunity["amount"]!.GetValue<decimal>());
        Assert.Equal("NOK", opportunity["currency"]!.GetValue<string>());
        Assert.Equal("Demo", opportunity["pipelineStage"]!.GetValue<string>());
        Assert.Equal(domain, opportunity["accountDomain"]!.GetValue<string>());
        Assert.Equal($"/api/leads/{id}/history", opportunity["links"]!["history"]!.GetValue<string>());
        var lead = await client.LeadAsync(id);
        Assert.Equal("Opportunity", lead.Stage());
        Assert.Equal(opportunity["accountId"]!.GetValue<string>(), lead["accountId"]!.GetValue<string>());
        var move = (await client.HistoryAsync(id)).Last()!;
        Assert.Equal("Opportunity", move["to"]!.GetValue<string>());
        Assert.Equal(opportunity["id"]!.GetValue<string>(), move["evidence"]!["opportunityId"]!.GetValue<string>());

        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var leadId = Guid.Parse(id);
        Assert.Equal(1, await db.Opportunities.CountAsync(o => o.LeadId == leadId));
        Assert.Equal(1, await db.Contacts.CountAsync(c => c.LeadId == leadId));
    }

    [Fact]
    public async Task TwoLeadsOfOneCompany_ShareOneAccount_AndWebmailNeverMatches()
    {
        var client = App.Admin();
        var domain = $"alder-{Guid.NewGuid():N}.com";
        var a = await SqlLeadAsync(client, domain);
        var b = await SqlLeadAsync(client, domain);
        var gmailA = await SqlLeadAsync(client, "gmail.com");
        var gmailB = await SqlLeadAsync(client, "gmail.com");

        var accountA = await AccountOfAsync(client, a);
        var accountB = await AccountOfAsync(client, b);
        var webmailA = await AccountOfAsync(client, gmailA);
        var webmailB = await AccountOfAsync(client, gmailB);

        Assert.Equal(accountA, accountB);
        Assert.NotEqual(webmailA, webmailB);
        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        Assert.Equal(1, await db.Accounts.CountAsync(x => x.Domain == domain));
        Assert.Equal(0, await db.Accounts.CountAsync(x => x.Domain == "gmail.com"));
    }

    [Fact]
    public async Task ConcurrentConversions_OfOneCompany_CreateOneAccount_AndOfOneLead_OneOpportunity()
    {
        var client = App.Admin();
        var domain = $"birch-{Guid.NewGuid():N}.de";
        var leads = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            leads.Add(await SqlLeadAsync(client, domain));
        }

        var responses = await Task.WhenAll(leads.Select(id => App.Admin().PostAsJsonAsync($"/api/leads/{id}/convert", new { })));
        var sameLead = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => App.Admin().PostAsJsonAsync($"/api/leads/{leads[0]}/convert", new { })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.All(sameLead, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var accounts = new HashSet<string>();
        foreach (var r in responses)
        {
            accounts.Add((await r.ReadObjectAsync())["opportunity"]!["accountId"]!.GetValue<string>());
        }

        Assert.Single(accounts);
        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        Assert.Equal(1, await db.Accounts.CountAsync(x => x.Domain == domain));
        var ids = leads.Select(Guid.Parse).ToList();
        Assert.Equal(4, await db.Opportunities.CountAsync(o => ids.Contains(o.LeadId)));
    }

    [Fact]
    public async Task ParallelFirstConversions_OfOneLead_CreateOneOpportunity()
    {
        var client = App.Admin();
        var id = await SqlLeadAsync(client, $"cedar-{Guid.NewGuid():N}.fr");

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => App.Admin().PostAsJsonAsync($"/api/leads/{id}/convert", new { })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        var opportunityIds = new HashSet<string>();
        foreach (var r in responses)
        {
            opportunityIds.Add((await r.ReadObjectAsync())["opportunity"]!["id"]!.GetValue<string>());
        }

        Assert.Single(opportunityIds);
    }

    [Fact]
    public async Task Close_WonAndLost_MovesTheLead_AndALostOneCanBeRecycled()
    {
        var client = App.Admin();
        var won = await OpportunityAsync(client, await SqlLeadAsync(client, $"elm-{Guid.NewGuid():N}.com"));
        var lost = await OpportunityAsync(client, await SqlLeadAsync(client, $"oak-{Guid.NewGuid():N}.com"));

        var closedWon = await client.PostAsJsonAsync($"/api/opportunities/{won.Opportunity}/close", new { outcome = "Won" });
        var noReason = await client.PostAsJsonAsync($"/api/opportunities/{lost.Opportunity}/close", new { outcome = "Lost" });
        var badOutcome = await client.PostAsJsonAsync($"/api/opportunities/{lost.Opportunity}/close", new { outcome = "Maybe" });
        var closedLost = await client.PostAsJsonAsync($"/api/opportunities/{lost.Opportunity}/close", new { outcome = "Lost", reason = "price", note = "Went with the cheaper carrier" });
        var twice = await client.PostAsJsonAsync($"/api/opportunities/{won.Opportunity}/close", new { outcome = "Lost", reason = "price" });

        Assert.Equal(HttpStatusCode.OK, closedWon.StatusCode);
        Assert.Equal("Won", (await closedWon.ReadObjectAsync())["outcome"]!.GetValue<string>());
        Assert.Equal("Won", (await client.LeadAsync(won.Lead)).Stage());
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.ErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badOutcome.StatusCode);
        Assert.Equal(HttpStatusCode.OK, closedLost.StatusCode);
        var lostLead = await client.LeadAsync(lost.Lead);
        Assert.Equal("Lost", lostLead.Stage());
        Assert.Equal("price", lostLead["stageReason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal("already-closed", await twice.CodeAsync());

        var recycled = await client.PostAsJsonAsync($"/api/leads/{lost.Lead}/recycle", new { reason = "lost-recycle", note = "Try again at their renewal" });
        Assert.Equal(HttpStatusCode.OK, recycled.StatusCode);
        var nurture = await recycled.ReadObjectAsync();
        Assert.Equal("Nurture", nurture.Stage());
        Assert.True(nurture["wakeAt"]!.GetValue<DateTime>() > DateTime.UtcNow.AddDays(89));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/opportunities/{Guid.NewGuid()}/close", new { outcome = "Won" })).StatusCode);
    }

    [Fact]
    public async Task OwningAe_IsTheFirstActiveAeOfTheSdrsTeam()
    {
        var client = App.Admin();
        Guid sdr;
        Guid ae;
        await using (var scope = App.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var team = Team.Create($"Nordics {Guid.NewGuid():N}");
            db.Teams.Add(team);
            var now = DateTime.UtcNow;
            var sdrUser = User.Create($"linnea.berg.{Guid.NewGuid():N}@northwind-traders.io", "Linnea Berg", Role.Sdr, team.Id, now);
            var aeUser = User.Create($"oskar.holm.{Guid.NewGuid():N}@northwind-traders.io", "Oskar Holm", Role.Ae, team.Id, now.AddSeconds(1));
            db.Users.AddRange(sdrUser, aeUser);
            await db.SaveChangesAsync();
            (sdr, ae) = (sdrUser.Id, aeUser.Id);
        }

        var id = await SqlLeadAsync(client, $"spruce-{Guid.NewGuid():N}.se");
        await client.PutAsJsonAsync($"/api/leads/{id}/owner", new { kind = "User", id = sdr });

        var opportunity = (await (await client.PostAsJsonAsync($"/api/leads/{id}/convert", new { })).ReadObjectAsync())["opportunity"]!;

        Assert.Equal(ae.ToString(), opportunity["ownerUserId"]!.GetValue<string>());
    }

    [Fact]
    public async Task OwningAe_ComesFromTheAccountExecutiveRoutingRules_WhenOneMatches()
    {
        var client = App.Admin();
        var domain = $"alder-{Guid.NewGuid():N}.no";
        Guid ae;
        await using (var scope = App.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var aeUser = User.Create($"ragnhild.dahl.{Guid.NewGuid():N}@northwind-traders.io", "Ragnhild Dahl", Role.Ae, null, DateTime.UtcNow);
            db.Users.Add(aeUser);
            await db.SaveChangesAsync();
            ae = aeUser.Id;
        }

        // Only this company's leads match, so the other tests of the class keep their AE choice.
        var rules = await client.PutAsJsonAsync("/api/routing/rules?purpose=AccountExecutive", new
        {
            rules = new[] { new { name = "Alder", conditions = new[] { new { field = "companyDomain", op = "eq", value = domain } }, target = new { kind = "User", id = ae } } },
        });
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);

        var id = await SqlLeadAsync(client, domain);
        var opportunity = (await (await client.PostAsJsonAsync($"/api/leads/{id}/convert", new { })).ReadObjectAsync())["opportunity"]!;

        Assert.Equal(ae.ToString(), opportunity["ownerUserId"]!.GetValue<string>());
    }

    [Fact]
    public async Task ConcurrentConversions_TakeOneAeTurnPerLead_SoTheRotationStaysFair()
    {
        var client = App.Admin();
        var domain = $"birch-{Guid.NewGuid():N}.dk";
        var leads = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            leads.Add(await SqlLeadAsync(client, domain));
        }

        // The AE rules arrive after the leads became SQL, so conversion is what routes them: round robin over two AEs.
        var team = await client.TeamAsync("Nordic AEs");
        var aes = new List<string>();
        foreach (var name in new[] { "Freja Holm", "Mikkel Berg" })
        {
            var ae = await client.UserAsync(name, role: "Ae");
            await client.MemberAsync(team, ae);
            aes.Add(ae);
        }

        await client.RulesAsync(new { rules = new[] { new { name = "Birch", conditions = new[] { new { field = "companyDomain", op = "eq", value = domain } }, target = RoutingSetup.Team(team) } } }, "AccountExecutive");

        // Each lead converted by three requests at once: one opportunity, and a losing attempt gives back the turn it took.
        foreach (var lead in leads)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => App.Admin().PostAsJsonAsync($"/api/leads/{lead}/convert", new { })));
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        }

        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var ids = leads.Select(Guid.Parse).ToList();
        var owners = await db.Opportunities.Where(o => ids.Contains(o.LeadId)).GroupBy(o => o.OwnerUserId).Select(g => g.Count()).ToListAsync();
        Assert.Equal([3, 3], owners);
        var turns = await db.TeamMembers.Where(m => m.TeamId == Guid.Parse(team)).Select(m => m.Assigned).ToListAsync();
        Assert.Equal([3, 3], turns);
    }

    [Fact]
    public async Task BadInput_And_IllegalConversions()
    {
        var client = App.Admin();
        var id = await SqlLeadAsync(client, $"willow-{Guid.NewGuid():N}.ie");
        var fresh = (await client.CreateProspectAsync()).Id();

        var bad = await client.PostAsJsonAsync($"/api/leads/{id}/convert", new { name = "", amount = -5, currency = "EURO", pipelineStage = "Closing", expectedCloseDate = "2001-01-01" });
        var notSql = await client.PostAsJsonAsync($"/api/leads/{fresh}/convert", new { });
        var missing = await client.PostAsJsonAsync($"/api/leads/{Guid.NewGuid()}/convert", new { });
        var byHand = await client.MoveAsync(id, new { to = "Opportunity" });
        var evaluation = await client.GetAsync($"/api/leads/{id}/evaluation");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["amount", "currency", "expectedCloseDate", "name", "pipelineStage"], (await bad.ErrorFieldsAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, notSql.StatusCode);
        Assert.Equal("illegal-transition", await notSql.CodeAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("pipeline-controlled", await byHand.CodeAsync());
        Assert.Equal(HttpStatusCode.Conflict, evaluation.StatusCode);
        Assert.Equal("no-active-definition", await evaluation.CodeAsync());
        Assert.Equal("SQL", (await client.LeadAsync(id)).Stage());
    }

    private static async Task<string> SqlLeadAsync(HttpClient client, string domain)
    {
        var lead = await client.CreateLeadAsync(new
        {
            firstName = "Solveig",
            lastName = "Haugen",
            email = $"solveig.haugen.{Guid.NewGuid():N}@{domain}",
            company = "Fjord Freight",
            title = "Head of Logistics",
            source = "Website",
        });
        var moved = await client.MoveAsync(lead.Id(), new { to = "SQL", note = "Qualified on the first call" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        return lead.Id();
    }

    private static async Task<string> AccountOfAsync(HttpClient client, string leadId)
    {
        var response = await client.PostAsJsonAsync($"/api/leads/{leadId}/convert", new { });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadObjectAsync())["opportunity"]!["accountId"]!.GetValue<string>();
    }

    private static async Task<(string Lead, string Opportunity)> OpportunityAsync(HttpClient client, string leadId)
    {
        var response = await client.PostAsJsonAsync($"/api/leads/{leadId}/convert", new { });
        return (leadId, (await response.ReadObjectAsync())["opportunity"]!["id"]!.GetValue<string>());
    }
}

public sealed class ConversionTests_Sqlite(SqliteApp app) : ConversionTests<SqliteApp>(app);

public sealed class ConversionTests_Postgres(PostgresApp app) : ConversionTests<PostgresApp>(app);
