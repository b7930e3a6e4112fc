using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Qualification;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Qualification;

/// <summary>
/// Conditions of a qualification definition that could never hold are refused when a draft is saved or activated;
/// a definition activated before that check keeps loading and judging leads as it did. Its own app (database):
/// one test activates a definition.
/// </summary>
public abstract class DefinitionConditionTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    /// <summary>What an earlier release let through: a seniority the enum spells differently, a quoted number, a text for a yes/no field.</summary>
    private const string StoredDocument = """
        {
          "mql": {
            "minFitScore": 0,
            "conditions": [
              {"field": "seniority", "op": "eq", "value": "Vice President"},
              {"field": "employeeCount", "op": "gte", "value": "50"}
            ]
          },
          "sql": {"framework": "BANT", "conditions": [{"field": "isFreeMail", "op": "eq", "value": "no"}]}
        }
        """;

    protected TApp App { get; } = app;

    [Fact]
    public async Task Draft_WithConditionsThatCouldNeverHold_IsRefused_WithEveryErrorAtOnce_AndNothingSaved()
    {
        var client = App.Admin();
        var before = await (await client.GetAsync("/api/qualification/definitions")).ReadArrayAsync();

        var response = await client.PostAsJsonAsync("/api/qualification/definitions", new
        {
            name = "Impossible bar",
            document = new
            {
                mql = new
                {
                    minFitScore = 0,
                    conditions = new object[]
                    {
                        new { field = "employeeCount", op = "gte", value = "lots" },
                        new { field = "seniority", op = "in", value = new[] { "Vice President", "VP" } },
                    },
                },
                sql = new
                {
                    framework = "BANT",
                    conditions = new object[]
                    {
                        new { field = "isFreeMail", op = "eq", value = "no" },
                        new { field = "country", op = "in", value = Array.Empty<string>() },
                    },
                },
                sources = new object[]
                {
                    new
                    {
                        name = "Enterprise",
                        when = new[] { new { field = "employeeCount", op = "gte", value = 500 }, new { field = "employeeCount", op = "lte", value = 100 } },
                        mql = new { conditions = new[] { new { field = "stage", op = "eq", value = "MQL" } } },
                    },
                    new { name = "Graded", when = new[] { new { field = "fitGrade", op = "eq", value = "Q" } } },
                },
            },
        });

        var errors = await response.ValidationErrorsAsync();

        Assert.Contains("'employeeCount' is a number: give a number (without quotes), not \"lots\"", errors.Error("document.mql.conditions[0].value"), StringComparison.Ordinal);
        var seniority = errors.Error("document.mql.conditions[1].value");
        Assert.Contains("'Vice President' is not a value of 'seniority'", seniority, StringComparison.Ordinal);
        Assert.Contains("Director, VP, CLevel", seniority, StringComparison.Ordinal);
        Assert.Contains("give true or false", errors.Error("document.sql.conditions[0].value"), StringComparison.Ordinal);
        Assert.Contains("non-empty array", errors.Error("document.sql.conditions[1].value"), StringComparison.Ordinal);
        Assert.Contains("no value of 'employeeCount' is at least 500 and at most 100", errors.Error("document.sources[0].when"), StringComparison.Ordinal);
        Assert.Contains("cannot test the lead's stage", errors.Error("document.sources[0].mql.conditions[0].field"), StringComparison.Ordinal);
        Assert.Contains("use one of: A, B, C, D", errors.Error("document.sources[1].when[0].value"), StringComparison.Ordinal);
        Assert.Equal(7, errors.Count);
        Assert.Equal(before.Count, (await (await client.GetAsync("/api/qualification/definitions")).ReadArrayAsync()).Count);
    }

    [Fact]
    public async Task Draft_WithConditionsOnTheLeadsScores_IsSaved_SinceTheMarketingBarIsMadeOfThem()
    {
        var client = App.Admin();

        var version = await client.DraftAsync(new
        {
            mql = new
            {
                conditions = new object[]
                {
                    new { field = "fitGrade", op = "in", value = new[] { "A", "B" } },
                    new { field = "engagementScore", op = "gte", value = 10 },
                    new { field = "seniority", op = "in", value = new[] { "director", "VP", "CLevel" } },
                },
            },
            sql = new { framework = "BANT" },
        });

        Assert.True(version > 0);
    }

    [Fact]
    public async Task Activate_OfADraftStoredBeforeTheChecks_IsRefused_NamingEveryPath()
    {
        var client = App.Admin();
        var version = await StoreAsync(active: false);
        await client.SignBothAsync(version);

        var response = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/activate", new { });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            ["document.mql.conditions[0].value", "document.mql.conditions[1].value", "document.sql.conditions[0].value"],
            (await response.ErrorFieldsAsync()).Order(StringComparer.Ordinal));
        Assert.Equal("Draft", (await (await client.GetAsync($"/api/qualification/definitions/{version}")).ReadObjectAsync())["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task ActiveDefinition_StoredBeforeTheChecks_StillLoads_AndJudgesLeadsAsItDid()
    {
        var client = App.Admin();
        var version = await StoreAsync(active: true);

        var lead = await client.CreateProspectAsync(title: "VP of Operations");
        var response = await client.GetAsync($"/api/leads/{lead.Id()}/evaluation");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var evaluation = await response.ReadObjectAsync();
        Assert.Equal(version, evaluation["definitionVersion"]!.GetValue<int>());
        var checks = evaluation["mql"]!["checks"]!.AsArray();
        var vicePresident = checks.Single(c => c!["rule"]!.GetValue<string>().StartsWith("seniority eq", StringComparison.Ordinal))!;
        Assert.False(vicePresident["passed"]!.GetValue<bool>()); // never held, as before the upgrade
        Assert.Contains("VP", vicePresident["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var quoted = checks.Single(c => c!["rule"]!.GetValue<string>().StartsWith("employeeCount gte", StringComparison.Ordinal))!;
        Assert.True(quoted["passed"]!.GetValue<bool>()); // the quoted number still compares as a number
        Assert.Equal("New", (await client.LeadAsync(lead.Id())).Stage());
    }

    /// <summary>Writes a definition with <see cref="StoredDocument"/> as an earlier release would have stored it.</summary>
    private async Task<int> StoreAsync(bool active)
    {
        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var version = (await db.QualificationDefinitions.MaxAsync(d => (int?)d.Version) ?? 0) + 1;
        var at = DateTime.UtcNow.AddSeconds(-1);
        var definition = QualificationDefinition.Draft(version, "Saved by release 1.0", StoredDocument, "migration", at);
        if (active)
        {
            definition.Activate(at, 91, "migration", at);
        }

        db.QualificationDefinitions.Add(definition);
        await db.SaveChangesAsync();
        scope.ServiceProvider.GetRequiredService<ActiveDefinitions>().Invalidate();
        return version;
    }
}

public sealed class DefinitionConditionTests_Sqlite(SqliteApp app) : DefinitionConditionTests<SqliteApp>(app);

public sealed class DefinitionConditionTests_Postgres(PostgresApp app) : DefinitionConditionTests<PostgresApp>(app);
