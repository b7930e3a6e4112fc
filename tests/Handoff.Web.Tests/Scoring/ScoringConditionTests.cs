using System.Net;
using System.Text.Json;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Scoring;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Scoring;

/// <summary>A scoring model draft stored before the condition checks existed is checked again when it is activated. Its own app (database).</summary>
public abstract class ScoringConditionTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Activate_OfADraftStoredBeforeTheChecks_IsRefused_NamingEveryPath_AndItStaysADraft()
    {
        var client = App.Admin();
        static LeadCondition Condition(string field, ConditionOperator op, object value) =>
            new() { Field = field, Operator = op, Value = JsonSerializer.SerializeToElement(value) };

        Guid id;
        await using (var scope = App.Scope())
        {
            // As an earlier release saved it: a seniority the enum spells differently, and a quoted number.
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var version = (await db.ScoringModels.MaxAsync(m => (int?)m.Version) ?? 0) + 1;
            var model = ScoringModel.Draft(version, new ScoringDocument
            {
                Name = "Saved by release 1.0",
                FitRules =
                [
                    new FieldRule { Id = "vp", When = [Condition("seniority", ConditionOperator.Equal, "Vice President")], Points = 20 },
                    new FieldRule { Id = "size", When = [Condition("employeeCount", ConditionOperator.GreaterOrEqual, "200")], Points = 10 },
                ],
            }, DateTime.UtcNow, basedOn: null);
            db.ScoringModels.Add(model);
            await db.SaveChangesAsync();
            id = model.Id;
        }

        var response = await client.PostAsync($"/api/scoring/models/{id}/activate", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["fitRules[0].when[0].value", "fitRules[1].when[0].value"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("'Vice President' is not a value of 'seniority'", errors["fitRules[0].when[0].value"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var stored = await (await client.GetAsync($"/api/scoring/models/{id}")).ReadObjectAsync();
        Assert.Equal("Draft", stored["status"]!.GetValue<string>());
    }
}

public sealed class ScoringConditionTests_Sqlite(SqliteApp app) : ScoringConditionTests<SqliteApp>(app);

public sealed class ScoringConditionTests_Postgres(PostgresApp app) : ScoringConditionTests<PostgresApp>(app);
