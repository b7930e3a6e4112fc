using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Sla;

/// <summary>An SLA policy whose conditions no lead could meet (its clock would never start) is refused on save.</summary>
public abstract class SlaConditionTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Policy_WithConditionsThatCouldNeverHold_IsRefused_NamingEveryPath()
    {
        var client = App.Admin();

        var response = await client.PostAsJsonAsync("/api/sla/policies", new
        {
            key = $"vp-first-touch-{Guid.NewGuid().ToString("N")[..8]}",
            name = "VPs: first touch within an hour",
            target = "FirstTouch",
            durationMinutes = 60,
            conditions = new object[]
            {
                new { field = "seniority", op = "eq", value = "Vice President" },
                new { field = "employeeCount", op = "gte", value = "200" },
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["conditions[0].value", "conditions[1].value"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("'Vice President' is not a value of 'seniority'", errors["conditions[0].value"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var range = await client.PostAsJsonAsync("/api/sla/policies", new
        {
            key = $"mid-market-{Guid.NewGuid().ToString("N")[..8]}",
            name = "Mid-market: first touch within a day",
            target = "FirstTouch",
            durationMinutes = 1440,
            conditions = new object[]
            {
                new { field = "employeeCount", op = "gte", value = 500 },
                new { field = "employeeCount", op = "lte", value = 100 },
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, range.StatusCode);
        var rangeErrors = (await range.ReadObjectAsync())["errors"]!.AsObject();
        Assert.Contains("at least 500 and at most 100", rangeErrors["conditions"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

public sealed class SlaConditionTests_Sqlite(SlaSqliteApp app) : SlaConditionTests<SlaSqliteApp>(app);

public sealed class SlaConditionTests_Postgres(SlaPostgresApp app) : SlaConditionTests<SlaPostgresApp>(app);
