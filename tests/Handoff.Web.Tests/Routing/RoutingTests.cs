using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Accounts;
using Handoff.Data;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Routing;

/// <summary>Routing over HTTP: rules, strategies, availability, capacity, the test endpoint and bad input. Each test saves its own rule set.</summary>
public abstract class RoutingTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task DemoRequestFormCapture_IsOwnedByTheRightRep_WithTheRuleShown()
    {
        var client = App.Admin();
        var partnerRep = await client.UserAsync("Lucas Schneider");
        var demoRep = await client.UserAsync("Amara Okafor");
        var formResponse = await client.PostAsJsonAsync("/api/forms", new { name = $"Demo request {Guid.NewGuid():N}", activityType = "DemoRequest" });
        Assert.Equal(HttpStatusCode.Created, formResponse.StatusCode);
        var form = await formResponse.ReadObjectAsync();
        var formKey = form["key"]!.GetValue<string>();
        await client.RulesAsync(new
        {
            routeAt = "Capture",
            rules = new object[]
            {
                new { name = "Partner referrals", conditions = new[] { new { field = "source", op = "eq", value = "Partner" } }, target = RoutingSetup.User(partnerRep) },
                new { name = "Demo requests", conditions = new[] { new { field = "form", op = "eq", value = formKey } }, target = RoutingSetup.User(demoRep) },
            },
        });

        var email = $"grace.{Guid.NewGuid():N}@fabrikam-logistics.io";
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = App.Admin().BaseAddress };
        var posted = await browser.PostAsync(form["postUrl"]!.GetValue<string>(), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["first_name"] = "Grace", ["last_name"] = "Hopper", ["email"] = email, ["company"] = "Fabrikam Logistics",
        }));
        Assert.True(posted.IsSuccessStatusCode || posted.StatusCode == HttpStatusCode.Redirect, await posted.Content.ReadAsStringAsync());

        var page = await (await client.GetAsync($"/api/leads?q={email}")).ReadObjectAsync();
        var lead = page["items"]!.AsArray().Single()!.AsObject();
        Assert.Equal("User", lead["owner"]!["kind"]!.GetValue<string>());
        Assert.Equal(demoRep, lead.OwnerId());

        var assignment = Assert.Single(await client.AssignmentsAsync(lead.Id()))!;
        Assert.Equal("Demo requests", assignment["ruleName"]!.GetValue<string>());
        Assert.Equal(1, assignment["ruleIndex"]!.GetValue<int>());
        Assert.Equal("capture", assignment["trigger"]!.GetValue<string>());
        Assert.Equal("Amara Okafor", assignment["ownerName"]!.GetValue<string>());
        Assert.Contains(assignment["why"]!.AsArray(), w => w!.GetValue<string>().Contains("'Demo requests' matched", StringComparison.Ordinal));

        var history = await (await client.GetAsync($"/api/leads/{lead.Id()}/history")).ReadArrayAsync();
        Assert.Contains(history, h => h!["kind"]!.GetValue<string>() == "owner-changed" || (h["action"]?.GetValue<string>() ?? "") == "owner-changed");
    }

    [Fact]
    public async Task OutOfOfficeRep_IsSkipped_AndTheReasonRecorded()
    {
        var client = App.Admin();
        var away = await client.UserAsync("Ingrid Lindqvist");
        var here = await client.UserAsync("Kofi Mensah");
        var team = await client.TeamAsync();
        await client.MemberAsync(team, away);
        await client.MemberAsync(team, here);
        var now = App.Clock.GetUtcNow().UtcDateTime;
        var profile = await client.PutAsJsonAsync($"/api/users/{away}/routing", new
        {
            timeZone = "Europe/Stockholm",
            outOfOffice = new[] { new { from = now.AddDays(-1), to = now.AddDays(400), note = "parental leave" } },
        });
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Contains("out of office", (await profile.ReadObjectAsync())["unavailableNow"]!.GetValue<string>(), StringComparison.Ordinal);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));

        var owners = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            owners.Add((await client.CaptureAsync()).OwnerId());
        }

        Assert.All(owners, o => Assert.Equal(here, o));
        var lead = (await client.CaptureAsync()).Id();
        var why = (await client.AssignmentsAsync(lead)).Single()!["why"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        Assert.Contains(why, w => w.StartsWith("Ingrid Lindqvist skipped: out of office", StringComparison.Ordinal) && w.Contains("parental leave", StringComparison.Ordinal));

        // A rule that targets only the absent rep falls through to the fallback queue.
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.User(away)));
        var fallback = await client.CaptureAsync();
        Assert.Equal("Queue", fallback["owner"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task RoundRobin_StaysFair_WhenMembersJoinAndLeave()
    {
        var client = App.Admin();
        var team = await client.TeamAsync();
        var first = new[] { await client.UserAsync("Maya Patel"), await client.UserAsync("Jonas Weber"), await client.UserAsync("Elena Novak") };
        foreach (var user in first)
        {
            await client.MemberAsync(team, user);
        }

        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));
        var owners = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            owners.Add((await client.CaptureAsync()).OwnerId());
        }

        Assert.All(first, u => Assert.Equal(2, owners.Count(o => o == u)));

        // A newcomer joins the rotation at the front: one lead each, not a flood for the newcomer.
        var newcomer = await client.UserAsync("Tobias Fischer");
        await client.MemberAsync(team, newcomer);
        var round = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            round.Add((await client.CaptureAsync()).OwnerId());
        }

        Assert.Equal(4, round.Distinct().Count());
        Assert.Contains(newcomer, round);

        // Someone leaves: the rest keep their turns, the leaver gets nothing.
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/teams/{team}/members/{first[1]}")).StatusCode);
        var after = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            after.Add((await client.CaptureAsync()).OwnerId());
        }

        Assert.DoesNotContain(first[1], after);
        Assert.All(new[] { first[0], first[2], newcomer }, u => Assert.Equal(2, after.Count(o => o == u)));
        var detail = await (await client.GetAsync($"/api/teams/{team}")).ReadObjectAsync();
        Assert.Equal(3, detail["members"]!.AsArray().Count);
    }

    [Fact]
    public async Task WeightedRoundRobin_GivesLeadsInProportionToWeight()
    {
        var client = App.Admin();
        var team = await client.TeamAsync();
        var senior = await client.UserAsync("Priya Raman");
        var junior = await client.UserAsync("Mateo Alvarez");
        await client.MemberAsync(team, senior, new { weight = 3 });
        await client.MemberAsync(team, junior, new { weight = 1 });
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team, "Weighted")));

        var owners = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            owners.Add((await client.CaptureAsync()).OwnerId());
        }

        Assert.Equal(6, owners.Count(o => o == senior));
        Assert.Equal(2, owners.Count(o => o == junior));
    }

    [Fact]
    public async Task CapacityCaps_SkipFullMembers_AndLoadBalancing_FavoursTheLeastLoaded()
    {
        var client = App.Admin();
        var team = await client.TeamAsync();
        var capped = await client.UserAsync("Sofia Haddad");
        var open = await client.UserAsync("Rafael Moreau");
        await client.MemberAsync(team, capped, new { weight = 1, capacity = 1 });
        await client.MemberAsync(team, open);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));

        var owners = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            owners.Add((await client.CaptureAsync()).OwnerId());
        }

        Assert.Equal(1, owners.Count(o => o == capped));
        Assert.Equal(3, owners.Count(o => o == open));
        var last = (await client.CaptureAsync()).Id();
        var why = (await client.AssignmentsAsync(last)).Single()!["why"]!.AsArray().Select(w => w!.GetValue<string>());
        Assert.Contains(why, w => w == "Sofia Haddad skipped: at capacity (1 of 1 open leads)");

        // The user's own cap counts as well: with nobody able to take it, the lead waits in the fallback queue.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/users/{open}/routing", new { capacity = 2 })).StatusCode);
        Assert.Equal("Queue", (await client.CaptureAsync())["owner"]!["kind"]!.GetValue<string>());

        // Load balanced: the member with the least open work gets the next leads.
        var team2 = await client.TeamAsync("Enterprise SDRs");
        var busy = await client.UserAsync("Elena Tanaka");
        var idle = await client.UserAsync("Jonas Lindqvist");
        await client.MemberAsync(team2, busy);
        await client.MemberAsync(team2, idle);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.User(busy)));
        await client.CaptureAsync();
        await client.CaptureAsync();
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team2, "LoadBalanced")));
        var balanced = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            balanced.Add((await client.CaptureAsync()).OwnerId());
        }

        Assert.Equal([idle, idle], balanced.Take(2));
    }

    [Fact]
    public async Task TerritoryAndSegment_PickTheMemberWhoCoversTheLead()
    {
        var client = App.Admin();
        var team = await client.TeamAsync("Field sales");
        var dach = await client.UserAsync("Lena Fischer");
        var northAmerica = await client.UserAsync("Kofi Brown");
        await client.MemberAsync(team, dach, new { territories = new[] { "DE", "AT", "CH" }, segments = new[] { "Enterprise" } });
        await client.MemberAsync(team, northAmerica, new { territories = new[] { "US", "CA" }, segments = new[] { "SMB", "MidMarket" } });

        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team, "Territory")));
        Assert.Equal(dach, (await client.CaptureAsync(RoutingSetup.Person(country: "Germany"))).OwnerId());
        Assert.Equal(northAmerica, (await client.CaptureAsync(RoutingSetup.Person(country: "United States"))).OwnerId());
        Assert.Equal("Queue", (await client.CaptureAsync(RoutingSetup.Person(country: "Japan")))["owner"]!["kind"]!.GetValue<string>());

        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team, "Segment")));
        Assert.Equal(dach, (await client.CaptureAsync(RoutingSetup.Person(employees: 12_000))).OwnerId());
        Assert.Equal(northAmerica, (await client.CaptureAsync(RoutingSetup.Person(employees: 40))).OwnerId());
    }

    [Fact]
    public async Task AccountOwner_GetsTheLead_WhenTheRuleSetSaysSo()
    {
        var client = App.Admin();
        var owner = await client.UserAsync("Helena Varga", "Ae");
        var rep = await client.UserAsync("Marco Rossi");
        var domain = $"tailspin-{Guid.NewGuid():N}"[..21] + ".io";
        await using (var scope = App.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            db.Accounts.Add(Account.Create("Tailspin Toys", domain, DateTime.UtcNow, ownerUserId: Guid.Parse(owner)));
            await db.SaveChangesAsync();
        }

        await client.RulesAsync(new { routeAt = "Capture", useAccountOwner = true, rules = new[] { new { name = "Everyone", conditions = Array.Empty<object>(), target = RoutingSetup.User(rep) } } });
        var lead = await client.CaptureAsync(RoutingSetup.Person(domain: domain));
        Assert.Equal(owner, lead.OwnerId());
        var assignment = (await client.AssignmentsAsync(lead.Id())).Single()!;
        Assert.Equal("account owner", assignment["ruleName"]!.GetValue<string>());
        Assert.Contains(assignment["why"]!.AsArray(), w => w!.GetValue<string>() == "account Tailspin Toys is owned by Helena Varga");

        await client.RulesAsync(new { routeAt = "Capture", useAccountOwner = false, rules = new[] { new { name = "Everyone", conditions = Array.Empty<object>(), target = RoutingSetup.User(rep) } } });
        Assert.Equal(rep, (await client.CaptureAsync(RoutingSetup.Person(domain: domain))).OwnerId());
    }

    [Fact]
    public async Task NoMatchingRule_SendsTheLeadToTheFallbackQueue_AndDefaultRoutingWaitsForMql()
    {
        var client = App.Admin();
        var rep = await client.UserAsync("Nadia Karim");
        var saved = await client.RulesAsync(new
        {
            rules = new object[] { new { name = "Paid search", conditions = new[] { new { field = "utmMedium", op = "eq", value = "cpc" } }, target = RoutingSetup.User(rep) }, new { name = "Everyone else", conditions = Array.Empty<object>(), target = RoutingSetup.User(rep) } },
        });
        Assert.Equal("MQL", saved["routeAt"]!.GetValue<string>());

        // Default routeAt is MQL: capture leaves the lead in the fallback queue; the move to MQL routes it.
        var lead = await client.CaptureAsync();
        Assert.Equal("Queue", lead["owner"]!["kind"]!.GetValue<string>());
        Assert.Empty(await client.AssignmentsAsync(lead.Id()));
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead.Id(), new { to = "MQL" })).StatusCode);
        var routed = await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync();
        Assert.Equal(rep, routed.OwnerId());
        var assignment = (await client.AssignmentsAsync(lead.Id())).Single()!;
        Assert.Equal("mql", assignment["trigger"]!.GetValue<string>());
        Assert.Equal("Everyone else", assignment["ruleName"]!.GetValue<string>());

        await client.RulesAsync(new
        {
            routeAt = "Capture",
            rules = new[] { new { name = "Paid search", conditions = new[] { new { field = "utmMedium", op = "eq", value = "cpc" } }, target = RoutingSetup.User(rep) } },
        });
        var unmatched = await client.CaptureAsync();
        Assert.Equal("Queue", unmatched["owner"]!["kind"]!.GetValue<string>());
        var fallback = (await client.AssignmentsAsync(unmatched.Id())).Single()!;
        Assert.Contains(fallback["why"]!.AsArray(), w => w!.GetValue<string>() == "no rule matched");

        // Manual re-run and a hand reassignment are recorded too.
        var rerun = await client.PostAsync($"/api/leads/{unmatched.Id()}/route", null);
        Assert.Equal(HttpStatusCode.OK, rerun.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/leads/{unmatched.Id()}/owner", new { kind = "User", id = rep })).StatusCode);
        Assert.Equal(["capture", "manual-route", "reassign"], (await client.AssignmentsAsync(unmatched.Id())).Select(a => a!["trigger"]!.GetValue<string>()));
    }

    [Fact]
    public async Task LeadOwnedByARep_KeepsItsOwner_WhenNoRuleMatchesAtMql()
    {
        var client = App.Admin();
        var rep = await client.UserAsync("Camille Laurent");
        var other = await client.UserAsync("Diego Ramos");
        await client.RulesAsync(new
        {
            routeAt = "MQL",
            rules = new[] { new { name = "Partners", conditions = new[] { new { field = "source", op = "eq", value = "Partner" } }, target = RoutingSetup.User(other) } },
        });
        var lead = await client.CaptureAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/leads/{lead.Id()}/owner", new { kind = "User", id = rep })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead.Id(), new { to = "MQL" })).StatusCode);

        var now = await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync();
        Assert.Equal(rep, now.OwnerId());
        var routed = (await client.AssignmentsAsync(lead.Id())).Last()!;
        Assert.Equal("mql", routed["trigger"]!.GetValue<string>());
        Assert.Contains(routed["why"]!.AsArray(), w => w!.GetValue<string>() == "stays with its owner Camille Laurent");
    }

    [Fact]
    public async Task TestEndpoint_ExplainsTheDecision_AndChangesNothing()
    {
        var client = App.Admin();
        var team = await client.TeamAsync();
        var rep = await client.UserAsync("Yara Haddad");
        await client.MemberAsync(team, rep);
        var other = await client.UserAsync("Owen Clarke");
        await client.RulesAsync(new
        {
            routeAt = "Capture",
            rules = new object[]
            {
                new { name = "Enterprise", conditions = new[] { new { field = "employeeCount", op = "gte", value = 1000 } }, target = RoutingSetup.User(other) },
                new { name = "Germany", conditions = new[] { new { field = "countryCode", op = "eq", value = "DE" } }, target = RoutingSetup.Team(team) },
            },
        });

        var response = await client.PostAsJsonAsync("/api/routing/test", new { lead = new { firstName = "Greta", lastName = "Baum", email = "greta.baum@bosch-rexroth-partner.de", country = "Germany", employeeCount = 40 } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var decision = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(rep, decision["owner"]!["id"]!.GetValue<string>());
        Assert.Equal("Germany", decision["ruleName"]!.GetValue<string>());
        Assert.Equal("RoundRobin", decision["strategy"]!.GetValue<string>());
        var rules = decision["rules"]!.AsArray();
        Assert.False(rules[0]!["matched"]!.GetValue<bool>());
        Assert.Contains("employeeCount gte 1000 does not hold (the lead has 40)", rules[0]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(rules[1]!["matched"]!.GetValue<bool>());

        var member = (await (await client.GetAsync($"/api/teams/{team}")).ReadObjectAsync())["members"]!.AsArray().Single()!;
        Assert.Equal(0, member["assigned"]!.GetValue<int>());

        var existing = await client.CaptureAsync(RoutingSetup.Person(employees: 5000));
        var byId = await client.PostAsJsonAsync("/api/routing/test", new { leadId = existing.Id() });
        Assert.Equal(other, (await byId.ReadObjectAsync())["owner"]!["id"]!.GetValue<string>());
        Assert.Single(await client.AssignmentsAsync(existing.Id()));
    }

    [Fact]
    public async Task RuleSets_AreVersioned_AndEveryAssignmentNamesItsVersion()
    {
        var client = App.Admin();
        var rep = await client.UserAsync("Clara Jensen");
        var v1 = (await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.User(rep))))["version"]!.GetValue<int>();
        var v2 = (await client.RulesAsync(new { routeAt = "Capture", note = "demo week", rules = Array.Empty<object>() }))["version"]!.GetValue<int>();
        Assert.Equal(v1 + 1, v2);

        var versions = await (await client.GetAsync("/api/routing/rules/versions")).ReadArrayAsync();
        Assert.Equal(v2, versions[0]!["version"]!.GetValue<int>());
        Assert.Equal("demo week", versions[0]!["note"]!.GetValue<string>());
        var old = await (await client.GetAsync($"/api/routing/rules/versions/{v1}")).ReadObjectAsync();
        Assert.Equal(rep, old["rules"]![0]!["target"]!["id"]!.GetValue<string>());
        Assert.Equal(v2, (await (await client.GetAsync("/api/routing/rules")).ReadObjectAsync())["version"]!.GetValue<int>());

        var lead = await client.CaptureAsync();
        Assert.Equal(v2, (await client.AssignmentsAsync(lead.Id())).Single()!["ruleSetVersion"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/routing/rules/versions/9999")).StatusCode);
    }

    [Fact]
    public async Task ATargetWithoutItsKind_IsRefused_NotReadAsAUser()
    {
        var client = App.Admin();
        var team = await client.TeamAsync("Kindless pod");
        await client.MemberAsync(team, await client.UserAsync("Rosa Kind"));
        var before = await (await client.GetAsync("/api/routing/rules/versions")).ReadArrayAsync();

        foreach (var (target, field) in new (object Target, string Field)[] { (new { id = team }, "rules[0].target.kind"), (new { kind = "Team" }, "rules[0].target.id") })
        {
            var response = await client.PutAsJsonAsync("/api/routing/rules", new { rules = new[] { new { name = "Pod", target } } });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
            Assert.Equal("is required", errors.GetProperty(field)[0].GetString());
        }

        Assert.Equal(before.Count, (await (await client.GetAsync("/api/routing/rules/versions")).ReadArrayAsync()).Count);
    }

    [Fact]
    public async Task BadInput_IsRefused_NamingTheFieldAndTheProblem()
    {
        var client = App.Admin();
        var emptyTeam = await client.TeamAsync("Empty pod");
        var before = await (await client.GetAsync("/api/routing/rules/versions")).ReadArrayAsync();

        var response = await client.PutAsJsonAsync("/api/routing/rules", new
        {
            rules = new object[]
            {
                new { name = "Typo", conditions = new[] { new { field = "contry", op = "eq", value = "DE" } }, target = RoutingSetup.User(Guid.NewGuid().ToString()) },
                new { name = "Empty team", conditions = Array.Empty<object>(), target = RoutingSetup.Team(emptyTeam) },
                new { name = "No target", conditions = new[] { new { field = "employeeCount", op = "gte", value = "many" } } },
                new { name = "Queue with strategy", conditions = Array.Empty<object>(), target = new { kind = "Queue", id = Guid.NewGuid(), strategy = "Weighted" } },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Contains("not a lead field", errors.GetProperty("rules[0].conditions[0].field")[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("no active user", errors.GetProperty("rules[0].target.id")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("has no members", errors.GetProperty("rules[1].target.id")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("rules[2].target", out _));
        Assert.True(errors.TryGetProperty("rules[2].conditions[0].value", out _));
        Assert.True(errors.TryGetProperty("rules[3].target.id", out _));
        Assert.True(errors.TryGetProperty("rules[3].target.strategy", out _));
        Assert.Equal(before.Count, (await (await client.GetAsync("/api/routing/rules/versions")).ReadArrayAsync()).Count);

        var noRules = await client.PutAsJsonAsync("/api/routing/rules", new { routeAt = "Capture" });
        Assert.True(Json.Problem(await noRules.Content.ReadAsStringAsync()).GetProperty("errors").TryGetProperty("rules", out _));
        var aeAtMql = await client.PutAsJsonAsync("/api/routing/rules?purpose=AccountExecutive", new { routeAt = "MQL", rules = Array.Empty<object>() });
        Assert.True(Json.Problem(await aeAtMql.Content.ReadAsStringAsync()).GetProperty("errors").TryGetProperty("routeAt", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/api/routing/rules", new { routeAt = "Sometime", rules = Array.Empty<object>() })).StatusCode);

        var user = await client.UserAsync("Hugo Lambert");
        var zone = await client.PutAsJsonAsync($"/api/users/{user}/routing", new
        {
            timeZone = "Mars/Olympus_Mons",
            workingHours = new[] { new { days = new[] { "Monday" }, start = "17:00", end = "09:00" } },
            outOfOffice = new[] { new { from = "2026-12-10T00:00:00Z", to = "2026-12-01T00:00:00Z" } },
            capacity = -1,
        });
        Assert.Equal(HttpStatusCode.BadRequest, zone.StatusCode);
        var zoneErrors = Json.Problem(await zone.Content.ReadAsStringAsync()).GetProperty("errors");
        foreach (var field in new[] { "timeZone", "workingHours[0].end", "outOfOffice[0].to", "capacity" })
        {
            Assert.True(zoneErrors.TryGetProperty(field, out _), field);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/users/{Guid.NewGuid()}/routing", new { timeZone = "UTC" })).StatusCode);
        var weight = await client.PutAsJsonAsync($"/api/teams/{emptyTeam}/members/{user}", new { weight = 0 });
        Assert.True(Json.Problem(await weight.Content.ReadAsStringAsync()).GetProperty("errors").TryGetProperty("weight", out _));
        var stranger = await client.PutAsJsonAsync($"/api/teams/{emptyTeam}/members/{Guid.NewGuid()}", new { weight = 1 });
        Assert.True(Json.Problem(await stranger.Content.ReadAsStringAsync()).GetProperty("errors").TryGetProperty("userId", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/teams/{Guid.NewGuid()}/members/{user}", new { weight = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/teams/{emptyTeam}/members/{user}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/teams", new { name = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/queues", new { name = "" })).StatusCode);

        var both = await client.PostAsJsonAsync("/api/routing/test", new { leadId = Guid.NewGuid(), lead = new { email = "li.wei@harbin-steel.cn" } });
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/routing/test", new { leadId = Guid.NewGuid() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/leads/{Guid.NewGuid()}/route", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/leads/{Guid.NewGuid()}/assignments")).StatusCode);

        var closed = await client.CaptureAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(closed.Id(), new { to = "Disqualified", reason = "no-budget" })).StatusCode);
        var route = await client.PostAsync($"/api/leads/{closed.Id()}/route", null);
        Assert.Equal(HttpStatusCode.Conflict, route.StatusCode);
        var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/leads/{(await client.CaptureAsync()).Id()}/route");
        stale.Headers.TryAddWithoutValidation("If-Match", "\"99\"");
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(stale)).StatusCode);
    }
}

public sealed class RoutingTests_Sqlite(SqliteApp app) : RoutingTests<SqliteApp>(app);

public sealed class RoutingTests_Postgres(PostgresApp app) : RoutingTests<PostgresApp>(app);
