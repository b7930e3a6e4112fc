using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Import;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Qualification;
using Handoff.Web.Tests.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Import;

/// <summary>
/// Imports run the lead automations in bulk: every imported lead ends as the same lead captured through the API would
/// (score, MQL check, routing by the active rules, SLA clocks), unless the import says <c>automation=false</c>.
/// Tests of one class share an app: each saves the rule set it needs (the newest version is the active one).
/// </summary>
public abstract class ImportAutomationTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private const string Header = "First Name,Last Name,Email,Company,Title,No. of Employees,Country,Lead Source";

    private static readonly string[] FirstNames = ["Maya", "Lucas", "Amara", "Jonas", "Priya", "Mateo", "Ingrid", "Kofi", "Elena", "Tobias", "Sofia", "Rafael"];

    private static string Token() => "t" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task ImportedLeads_EndLikeTheSameLeadsCaptured_Score_Stage_Owner_Assignment_AndClocks()
    {
        var client = app.Admin();
        var t = Token();
        var version = await client.DraftAsync(MqlForDecisionMakers());
        await client.SignBothAsync(version);
        await client.ActivateAsync(version);
        var (team, _) = await TeamOfAsync(client, 3);
        var rules = await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));
        await NewLeadPolicyAsync(client, t);
        var domain = $"harbor-{t}.io";

        // The same two people twice: captured through the API, and in a file.
        var hotCaptured = await client.CreateLeadAsync(Row("Helena", "Marsh", $"helena.marsh@{domain}", "VP of Operations", 500));
        var coldCaptured = await client.CreateLeadAsync(Row("Oskar", "Brandt", $"oskar.brandt@{domain}", "Analyst", 20));
        var job = await client.CompletedImportAsync(Csv(
            $"Henrik,Marsh,henrik.marsh@{domain},Harbor Logistics,VP of Operations,500,,Website",
            $"Olga,Brandt,olga.brandt@{domain},Harbor Logistics,Analyst,20,,Website"));
        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        Assert.True(job["automation"]!.GetValue<bool>());
        var hotImported = await client.LeadByEmailAsync($"henrik.marsh@{domain}");
        var coldImported = await client.LeadByEmailAsync($"olga.brandt@{domain}");

        Assert.Equal("MQL", hotCaptured.Stage());
        Assert.Equal("New", coldCaptured.Stage());
        foreach (var (captured, imported) in new[] { (hotCaptured, hotImported), (coldCaptured, coldImported) })
        {
            foreach (var field in new[] { "stage", "fitScore", "engagementScore", "intentScore", "fitGrade", "scoreModelVersion" })
            {
                Assert.True(
                    JsonNode.DeepEquals(captured[field], imported[field]),
                    $"{field}: captured {captured[field]?.ToJsonString()}, imported {imported[field]?.ToJsonString()}");
            }

            Assert.Equal("User", imported["owner"]!["kind"]!.GetValue<string>());
            var capturedAssignment = Assert.Single(await client.AssignmentsAsync(captured.Id()))!;
            var importedAssignment = Assert.Single(await client.AssignmentsAsync(imported.Id()))!;
            Assert.Equal(imported.OwnerId(), importedAssignment["owner"]!["id"]!.GetValue<string>());
            foreach (var field in new[] { "trigger", "purpose", "ruleSetVersion", "ruleIndex", "ruleName", "strategy" })
            {
                Assert.True(
                    JsonNode.DeepEquals(capturedAssignment[field], importedAssignment[field]),
                    $"assignment {field}: captured {capturedAssignment[field]?.ToJsonString()}, imported {importedAssignment[field]?.ToJsonString()}");
            }

            Assert.Equal(rules["version"]!.GetValue<int>(), importedAssignment["ruleSetVersion"]!.GetValue<int>());
            var why = importedAssignment["why"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
            Assert.Equal(capturedAssignment["why"]!.AsArray().Count, why.Count);
            Assert.StartsWith("rule 1 'Everyone' matched: ", why[^1], StringComparison.Ordinal);

            Assert.Equal(await ClocksAsync(client, captured.Id()), await ClocksAsync(client, imported.Id()));
            var speed = await (await client.GetAsync($"/api/leads/{imported.Id()}/speed-to-lead")).ReadObjectAsync();
            Assert.Equal(imported.OwnerId(), speed["assignedUserId"]!.GetValue<string>());
        }

        // The hot lead's MQL move is recorded as capture records it: by the MQL check, judged under the definition.
        var history = await (await client.GetAsync($"/api/leads/{hotImported.Id()}/history")).ReadArrayAsync();
        var mql = Assert.Single(history, h => h!["to"]?.GetValue<string>() == "MQL")!;
        Assert.Equal("mql-check", mql["actor"]!["id"]!.GetValue<string>());
        Assert.Equal(version, mql["definitionVersion"]!.GetValue<int>());
        Assert.Contains(history, h => h!["changes"]?.ToJsonString().Contains(hotImported.OwnerId(), StringComparison.Ordinal) == true);

        // The import's touch is of its own kind: the person submitted no form.
        var activities = await (await client.GetAsync($"/api/leads/{hotImported.Id()}/activities")).ReadArrayAsync();
        Assert.Equal("Import", Assert.Single(activities)!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task PersonTwiceInOneBatch_IsJudgedOnTheMergedLead_WithOneTouchAndOneAssignment()
    {
        var client = app.Admin();
        var t = Token();
        var version = await client.DraftAsync(MqlForDecisionMakers());
        await client.SignBothAsync(version);
        await client.ActivateAsync(version);
        var (team, _) = await TeamOfAsync(client, 2);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));
        var email = $"nadia.kovacs@danube-{t}.eu";

        // Alone, neither row meets the bar (no company size; then no title): merged, the lead does.
        var job = await client.CompletedImportAsync(Csv(
            $"Nadia,Kovacs,{email},Danube Shipping,VP of Procurement,,Hungary,Trade Show",
            $"Nadia,Kovacs,{email},Danube Shipping,,800,Hungary,Trade Show"));

        Assert.Equal(1, job["imported"]!.GetValue<int>());
        Assert.Equal(1, job["duplicates"]!.GetValue<int>());
        var lead = await client.LeadByEmailAsync(email);
        Assert.Equal("MQL", lead.Stage());
        Assert.Equal(800, lead["employeeCount"]!.GetValue<int>());
        Assert.Equal("User", lead["owner"]!["kind"]!.GetValue<string>());
        Assert.Single(await client.AssignmentsAsync(lead.Id()));
        Assert.Single(await (await client.GetAsync($"/api/leads/{lead.Id()}/activities")).ReadArrayAsync());
        var history = await (await client.GetAsync($"/api/leads/{lead.Id()}/history")).ReadArrayAsync();
        Assert.Equal(version, Assert.Single(history, h => h!["to"]?.GetValue<string>() == "MQL")!["definitionVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task RoundRobinTeamOfThree_GetsNineImportedLeads_ThreeEach()
    {
        var client = app.Admin();
        var t = Token();
        var (team, members) = await TeamOfAsync(client, 3);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));

        var job = await client.CompletedImportAsync(Csv(People(t, 9)));

        Assert.Equal(9, job["imported"]!.GetValue<int>());
        var leads = await client.SearchLeadsAsync(t);
        Assert.Equal(9, leads.Count);
        Assert.All(leads, l => Assert.Equal("User", l!["owner"]!["kind"]!.GetValue<string>()));
        var perOwner = leads.GroupBy(l => l!["owner"]!["id"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(members.Order(), perOwner.Keys.Order());
        Assert.All(perOwner.Values, count => Assert.Equal(3, count));
        foreach (var lead in leads)
        {
            var assignment = Assert.Single(await client.AssignmentsAsync(lead!["id"]!.GetValue<string>()))!;
            Assert.Equal("capture", assignment["trigger"]!.GetValue<string>());
            Assert.Equal("RoundRobin", assignment["strategy"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task MemberCapacity_IsRespected_AcrossTheBatch()
    {
        var client = app.Admin();
        var t = Token();
        var team = await client.TeamAsync();
        var capped = await client.UserAsync("Ingrid Lindqvist");
        var open = await client.UserAsync("Kofi Okafor");
        await client.MemberAsync(team, capped, new { weight = 1, capacity = 2 });
        await client.MemberAsync(team, open, new { weight = 1 });
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));

        await client.CompletedImportAsync(Csv(People(t, 6)));

        var leads = await client.SearchLeadsAsync(t);
        Assert.Equal(2, leads.Count(l => l!["owner"]!["id"]!.GetValue<string>() == capped));
        Assert.Equal(4, leads.Count(l => l!["owner"]!["id"]!.GetValue<string>() == open));
        var reasons = new List<string>();
        foreach (var lead in leads)
        {
            reasons.AddRange((await client.AssignmentsAsync(lead!["id"]!.GetValue<string>()))[0]!["why"]!.AsArray().Select(w => w!.GetValue<string>()));
        }

        Assert.Contains(reasons, r => r == "Ingrid Lindqvist skipped: at capacity (2 of 2 open leads)");
    }

    [Fact]
    public async Task AutomationFalse_OnlyInserts_AsBefore()
    {
        var client = app.Admin();
        var t = Token();
        var (team, _) = await TeamOfAsync(client, 2);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));

        var job = await client.CompletedImportAsync(Csv(People(t, 3)), automation: "false");

        Assert.False(job["automation"]!.GetValue<bool>());
        Assert.False((await (await client.GetAsync($"/api/imports/{job["id"]}")).ReadObjectAsync())["automation"]!.GetValue<bool>());
        var leads = await client.SearchLeadsAsync(t);
        Assert.Equal(3, leads.Count);
        foreach (var lead in leads)
        {
            var id = lead!["id"]!.GetValue<string>();
            Assert.Equal("Queue", lead["owner"]!["kind"]!.GetValue<string>());
            Assert.Equal("New", lead["stage"]!.GetValue<string>());
            Assert.Null(lead["scoreModelVersion"]?.GetValue<int?>());
            Assert.Empty(await client.AssignmentsAsync(id));
            Assert.Empty(await (await client.GetAsync($"/api/leads/{id}/sla")).ReadArrayAsync());
            Assert.Empty(await (await client.GetAsync($"/api/leads/{id}/activities")).ReadArrayAsync());
        }
    }

    [Fact]
    public async Task BadAutomationValue_IsRefused_NamingTheField()
    {
        var response = await app.Admin().UploadImportAsync(Encoding.UTF8.GetBytes(Csv(People(Token(), 1))), automation: "sometimes");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadObjectAsync();
        Assert.NotNull(problem["errors"]!["automation"]);
    }

    [Fact]
    public async Task ResumedImport_AssignsEveryLeadOnce_AndTheRotationOfTheLostBatchIsNotKept()
    {
        var client = app.Admin();
        var t = Token();
        var (team, _) = await TeamOfAsync(client, 3);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));
        var csv = Encoding.UTF8.GetBytes(Csv(People(t, 9)));
        var job = await app.StartInProcessAsync(csv, "trade-show.csv");

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var run = scope.ServiceProvider.GetRequiredService<RunImport>();
            run.BatchSize = 3;
            run.RowsPerTransaction = 3;
            run.BeforeCommit = batch => batch == 2 ? throw new IOException("the disk went away (simulated crash)") : Task.CompletedTask;
            var failed = await run.RunAsync(job.Id, "test-runner", null, CancellationToken.None);
            Assert.Equal(ImportStatus.Failed, failed!.Status);
            Assert.Equal(3, failed.Imported);
        }

        var resumed = await client.UploadImportAsync(csv);
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var done = await client.FinishedImportAsync(job.Id.ToString());

        Assert.Equal("Completed", done["status"]!.GetValue<string>());
        Assert.Equal(9, done["imported"]!.GetValue<int>());
        var leads = await client.SearchLeadsAsync(t);
        Assert.Equal(9, leads.Count);
        foreach (var lead in leads)
        {
            Assert.Single(await client.AssignmentsAsync(lead!["id"]!.GetValue<string>()));
        }

        Assert.All(leads.GroupBy(l => l!["owner"]!["id"]!.GetValue<string>()), g => Assert.Equal(3, g.Count()));
    }

    [Fact]
    public async Task RowOfAnOwnedLead_MergesAndCountsAsATouch_ButDoesNotReroute()
    {
        var client = app.Admin();
        var t = Token();
        var (team, _) = await TeamOfAsync(client, 2);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));
        var email = $"amara.okafor@lumen-{t}.io";
        var captured = await client.CreateLeadAsync(Row("Amara", "Okafor", email, "Head of Growth", 80));

        var job = await client.CompletedImportAsync(Csv($"Amara,Okafor,{email},Lumen Analytics,Head of Growth,120,Kenya,Trade Show"));

        Assert.Equal(1, job["merged"]!.GetValue<int>());
        var lead = await client.LeadByEmailAsync(email);
        Assert.Equal(captured.OwnerId(), lead.OwnerId());
        Assert.Equal(120, lead["employeeCount"]!.GetValue<int>());
        Assert.Single(await client.AssignmentsAsync(lead.Id()));
        var activities = await (await client.GetAsync($"/api/leads/{lead.Id()}/activities")).ReadArrayAsync();
        Assert.Equal(2, activities.Count);
        Assert.True(lead["engagementScore"]!.GetValue<int>() >= captured["engagementScore"]!.GetValue<int>());
    }

    [Fact]
    public async Task RoutingAtMql_RoutesNewAndMergedLeadsOfOneBatch_AndKeepsEveryTurn()
    {
        var client = app.Admin();
        var t = Token();
        var version = await client.DraftAsync(MqlForDecisionMakers());
        await client.SignBothAsync(version);
        await client.ActivateAsync(version);
        var (team, members) = await TeamOfAsync(client, 2);
        await client.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team), routeAt: "MQL"));
        var known = $"petra.novak@vltava-{t}.cz";
        var captured = await client.CreateLeadAsync(Row("Petra", "Novak", known, "VP of Operations", 30));
        Assert.Equal("Queue", captured["owner"]!["kind"]!.GetValue<string>());

        // The known lead grows past the bar (live routing, in the chain of a merged row); three new leads are MQLs at
        // once (the batch's routing); one new lead is not and stays unrouted.
        var job = await client.CompletedImportAsync(Csv(
            $"Petra,Novak,{known},Vltava Freight,VP of Operations,900,Czechia,Trade Show",
            $"Jana,Dvorak,jana.dvorak@vltava-{t}.cz,Vltava Freight,Director of Sales,900,Czechia,Trade Show",
            $"Marek,Svoboda,marek.svoboda@vltava-{t}.cz,Vltava Freight,Chief Executive Officer,900,Czechia,Trade Show",
            $"Lucie,Kral,lucie.kral@vltava-{t}.cz,Vltava Freight,VP of Finance,900,Czechia,Trade Show",
            $"Tomas,Cerny,tomas.cerny@vltava-{t}.cz,Vltava Freight,Analyst,900,Czechia,Trade Show"));

        Assert.Equal(1, job["merged"]!.GetValue<int>());
        var leads = await client.SearchLeadsAsync($"vltava-{t}");
        Assert.Equal(5, leads.Count);
        var routed = leads.Where(l => l!["stage"]!.GetValue<string>() == "MQL").ToList();
        Assert.Equal(4, routed.Count);
        Assert.All(routed, l => Assert.Equal("User", l!["owner"]!["kind"]!.GetValue<string>()));
        foreach (var lead in routed)
        {
            Assert.Equal("mql", Assert.Single(await client.AssignmentsAsync(lead!["id"]!.GetValue<string>()))!["trigger"]!.GetValue<string>());
        }

        Assert.Equal("Queue", Assert.Single(leads, l => l!["stage"]!.GetValue<string>() == "New")!["owner"]!["kind"]!.GetValue<string>());

        // Both routings' turns are saved: the members' counters add up to the four leads, two each.
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<Handoff.Data.HandoffDb>();
        var teamId = Guid.Parse(team);
        var taken = await db.TeamMembers.AsNoTracking().Where(m => m.TeamId == teamId).Select(m => m.Assigned).ToListAsync();
        Assert.Equal([2, 2], taken);
        Assert.Equal(members.Order(), routed.Select(l => l!["owner"]!["id"]!.GetValue<string>()).Distinct().Order());
    }

    /// <summary>MQL: 200+ employees and a director or above; no touch needed, so the capture's (or import's) own touch decides nothing.</summary>
    private static object MqlForDecisionMakers() => new
    {
        mql = new
        {
            minFitScore = 0,
            conditions = new object[]
            {
                new { field = "employeeCount", op = "gte", value = 200 },
                new { field = "seniority", op = "in", value = new[] { "Director", "VP", "CLevel" } },
            },
        },
        sql = new { framework = "BANT", requiredFields = new[] { "company" } },
        recycle = new { wakeAfterDays = 90, wakeTo = "MQL" },
    };

    /// <summary>A clock for New leads once a rep owns them (the seeded policies cover MQLs).</summary>
    private static async Task NewLeadPolicyAsync(HttpClient client, string t)
    {
        var response = await client.PostAsJsonAsync("/api/sla/policies", new
        {
            key = $"new-first-touch-{t}",
            name = "New lead: first touch within 4 hours",
            stage = "New",
            target = "FirstTouch",
            startOn = "Assignment",
            durationMinutes = 240,
            atRiskPercent = 50,
            businessTime = false,
            escalation = new[] { new { action = "NotifyOwner" } },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(string Team, List<string> Members)> TeamOfAsync(HttpClient client, int size)
    {
        var team = await client.TeamAsync();
        var members = new List<string>();
        for (var i = 0; i < size; i++)
        {
            members.Add(await client.UserAsync());
            await client.MemberAsync(team, members[^1]);
        }

        return (team, members);
    }

    private static object Row(string first, string last, string email, string title, int employees) => new
    {
        firstName = first,
        lastName = last,
        email,
        company = "Harbor Logistics",
        title,
        employeeCount = employees,
        source = "Website",
    };

    private static string[] People(string t, int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"{FirstNames[i % FirstNames.Length]},Varga,{FirstNames[i % FirstNames.Length].ToLowerInvariant()}.varga.{i}@{t}-freight.io,{t} Freight,Logistics Manager,40,Hungary,Trade Show")];

    private static string Csv(params string[] rows) => Header + "\n" + string.Join('\n', rows) + "\n";

    /// <summary>The clocks of a lead, as what they promise: policy, target, stage, status, and how long from start to due.</summary>
    private static async Task<List<string>> ClocksAsync(HttpClient client, string leadId)
    {
        var clocks = await (await client.GetAsync($"/api/leads/{leadId}/sla")).ReadArrayAsync();
        return [.. clocks.Select(c => string.Join(
                "|",
                c!["policy"]!.GetValue<string>(),
                c["target"]!.GetValue<string>(),
                c["stage"]!.GetValue<string>(),
                c["status"]!.GetValue<string>(),
                (c["dueAt"]!.GetValue<DateTime>() - c["startedAt"]!.GetValue<DateTime>()).TotalMinutes))
            .Order()];
    }

}

public sealed class ImportAutomationTests_Sqlite(ClockedSqliteApp app) : ImportAutomationTests<ClockedSqliteApp>(app);

public sealed class ImportAutomationTests_Postgres(ClockedPostgresApp app) : ImportAutomationTests<ClockedPostgresApp>(app);
