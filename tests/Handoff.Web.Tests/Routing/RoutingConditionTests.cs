using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Routing;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Routing;

/// <summary>
/// Conditions a routing rule could never meet are refused when the rules are saved; rule sets stored before that
/// check keep loading and routing as they did. Its own app (database): these tests save the active rule set.
/// </summary>
public abstract class RoutingConditionTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task RuleSet_WithConditionsThatCouldNeverHold_IsRefused_WithEveryErrorAtOnce_AndNothingSaved()
    {
        var client = App.Admin();
        var rep = await client.UserAsync("Amara Okafor");
        var before = await (await client.GetAsync("/api/routing/rules/versions")).ReadArrayAsync();
        object Rule(string name, params object[] conditions) => new { name, conditions, target = RoutingSetup.User(rep) };

        var response = await client.PutAsJsonAsync("/api/routing/rules", new
        {
            routeAt = "Capture",
            rules = new[]
            {
                Rule("Big companies", new { field = "employeeCount", op = "gte", value = "lots" }),
                Rule("VPs", new { field = "seniority", op = "eq", value = "Vice President" }),
                Rule("Nowhere", new { field = "country", op = "in", value = Array.Empty<string>() }),
                Rule("Mid-market", new { field = "employeeCount", op = "gte", value = 500 }, new { field = "employeeCount", op = "lte", value = 100 }),
                Rule("Quoted", new { field = "employeeCount", op = "eq", value = "200" }),
                Rule("Qualified", new { field = "stage", op = "eq", value = "Qualified" }),
                Rule("Business mail", new { field = "isFreeMail", op = "eq", value = "false" }),
                Rule("Fine", new { field = "seniority", op = "in", value = new[] { "vp", "CLevel" } }),
                Rule("Two problems", new { field = "employeeCount", op = "gt", value = 500 }, new { field = "employeeCount", op = "lt", value = 100 }, new { field = "region", op = "gte", value = 2 }),
            },
        });

        var errors = await response.ValidationErrorsAsync();

        Assert.Contains("'employeeCount' is a number: give a number (without quotes), not \"lots\"", errors.Error("rules[0].conditions[0].value"), StringComparison.Ordinal);
        var seniority = errors.Error("rules[1].conditions[0].value");
        Assert.Contains("'Vice President' is not a value of 'seniority'", seniority, StringComparison.Ordinal);
        Assert.Contains("Director, VP, CLevel", seniority, StringComparison.Ordinal);
        Assert.Contains("non-empty array", errors.Error("rules[2].conditions[0].value"), StringComparison.Ordinal);
        Assert.Contains("no value of 'employeeCount' is at least 500 and at most 100", errors.Error("rules[3].conditions"), StringComparison.Ordinal);
        Assert.Contains("without quotes", errors.Error("rules[4].conditions[0].value"), StringComparison.Ordinal);
        Assert.Contains("'Qualified' is not a value of 'stage'", errors.Error("rules[5].conditions[0].value"), StringComparison.Ordinal);
        Assert.Contains("give true or false", errors.Error("rules[6].conditions[0].value"), StringComparison.Ordinal);
        Assert.Contains("'region' holds one of", errors.Error("rules[8].conditions[2].op"), StringComparison.Ordinal);
        Assert.Contains("no value of 'employeeCount' is more than 500 and less than 100", errors.Error("rules[8].conditions"), StringComparison.Ordinal);
        Assert.Equal(9, errors.Count);
        Assert.Equal(before.Count, (await (await client.GetAsync("/api/routing/rules/versions")).ReadArrayAsync()).Count);
    }

    [Fact]
    public async Task RuleSet_OnTheLeadsStageAndScores_IsSaved_SinceRoutingHandsOverWhatQualificationDecided()
    {
        var client = App.Admin();
        var rep = await client.UserAsync("Kofi Mensah");

        var saved = await client.RulesAsync(new
        {
            routeAt = "Capture",
            rules = new object[]
            {
                new
                {
                    name = "Hot SQLs",
                    conditions = new object[]
                    {
                        new { field = "stage", op = "in", value = new[] { "SQL", "Opportunity" } },
                        new { field = "fitGrade", op = "in", value = new[] { "A", "B" } },
                        new { field = "engagementScore", op = "gte", value = 40 },
                    },
                    target = RoutingSetup.User(rep),
                },
            },
        });

        Assert.Equal(3, saved["rules"]![0]!["conditions"]!.AsArray().Count);
    }

    [Fact]
    public async Task RuleSet_StoredBeforeTheChecks_StillLoadsAndRoutesAsItDid_AndIsRefusedWhenSavedAgain()
    {
        var client = App.Admin();
        var vpRep = await client.UserAsync("Priya Patel");
        var othersRep = await client.UserAsync("Mateo Alvarez");
        static LeadCondition Condition(string field, ConditionOperator op, object value) =>
            new() { Field = field, Operator = op, Value = JsonSerializer.SerializeToElement(value) };

        int version;
        await using (var scope = App.Scope())
        {
            // As an earlier release saved it: a seniority the enum spells differently, and a quoted number.
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            version = (await db.RoutingRuleSets.Where(r => r.Purpose == RoutingPurpose.Lead).MaxAsync(r => (int?)r.Version) ?? 0) + 1;
            db.RoutingRuleSets.Add(RoutingRuleSet.Create(RoutingPurpose.Lead, version, RouteAt.Capture, false,
            [
                new RoutingRule("VPs", [Condition("seniority", ConditionOperator.Equal, "Vice President")], new RoutingTarget(TargetKind.User, Guid.Parse(vpRep))),
                new RoutingRule("Everyone else", [Condition("seniority", ConditionOperator.NotEqual, "Vice President"), Condition("employeeCount", ConditionOperator.GreaterOrEqual, "10")], new RoutingTarget(TargetKind.User, Guid.Parse(othersRep))),
            ], "saved by release 1.0", "migration", App.Clock.GetUtcNow().UtcDateTime));
            await db.SaveChangesAsync();
        }

        var stored = await client.GetAsync("/api/routing/rules");
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var rules = (await stored.ReadObjectAsync())["rules"]!.AsArray();
        Assert.Equal(version, (await (await client.GetAsync("/api/routing/rules")).ReadObjectAsync())["version"]!.GetValue<int>());

        var lead = await client.CaptureAsync(new
        {
            firstName = "Helena", lastName = "Marsh", email = $"helena.{Guid.NewGuid():N}@harbor-logistics.io",
            company = "Harbor Logistics", title = "VP of Operations", employeeCount = 250, source = "Website",
        });
        Assert.Equal(othersRep, lead.OwnerId());
        var assignment = Assert.Single(await client.AssignmentsAsync(lead.Id()))!;
        Assert.Equal("Everyone else", assignment["ruleName"]!.GetValue<string>());
        Assert.Equal(version, assignment["ruleSetVersion"]!.GetValue<int>());

        var resaved = await client.PutAsJsonAsync("/api/routing/rules", new { routeAt = "Capture", rules });
        Assert.Equal(HttpStatusCode.BadRequest, resaved.StatusCode);
        var errors = (await resaved.ReadObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["rules[0].conditions[0].value", "rules[1].conditions[0].value", "rules[1].conditions[1].value"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(version, (await (await client.GetAsync("/api/routing/rules")).ReadObjectAsync())["version"]!.GetValue<int>());
    }
}

public sealed class RoutingConditionTests_Sqlite(SqliteApp app) : RoutingConditionTests<SqliteApp>(app);

public sealed class RoutingConditionTests_Postgres(PostgresApp app) : RoutingConditionTests<PostgresApp>(app);
