using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Qualification;

namespace Handoff.Web.Tests.Sla;

/// <summary>
/// The qualification definition names the SLA policies that apply under it: once it is active, only those start
/// clocks. An app of its own, since activating a definition changes the contract for every lead.
/// </summary>
public abstract class DefinitionSlaTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task OnlyThePoliciesTheActiveDefinitionNames_StartClocks()
    {
        var client = app.Admin();
        var before = (await client.CreateSourcedLeadAsync($"Partner referral {Guid.NewGuid():N}")).Id();
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(before, new { to = "MQL" })).StatusCode);
        Assert.Contains(await client.ClocksAsync(before), c => c!["policy"]!.GetValue<string>() == "mql-accept-or-reject");

        var version = await client.DraftAsync(new { mql = new { conditions = new[] { new { field = "employeeCount", op = "gte", value = 1_000_000 } } }, sql = new { framework = "BANT" }, slaPolicies = new[] { "sal-qualify" } });
        await client.SignBothAsync(version);
        await client.ActivateAsync(version);

        var after = (await client.CreateSourcedLeadAsync($"Partner referral {Guid.NewGuid():N}")).Id();
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(after, new { to = "MQL" })).StatusCode);
        Assert.DoesNotContain(await client.ClocksAsync(after), c => c!["policy"]!.GetValue<string>() == "mql-accept-or-reject");
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(after, new { to = "SAL" })).StatusCode);
        Assert.Contains(await client.ClocksAsync(after), c => c!["policy"]!.GetValue<string>() == "sal-qualify" && c["status"]!.GetValue<string>() == "OnTrack");
    }

    [Fact]
    public async Task ADraftNamingAnUnknownPolicy_Is400_NamingTheKey()
    {
        var response = await app.Admin().PostAsJsonAsync("/api/qualification/definitions", new
        {
            name = "Contract with a typo",
            document = new { mql = new { minFitScore = 40 }, sql = new { framework = "BANT" }, slaPolicies = new[] { "sal-qualify", "sal-qualfy" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["document.slaPolicies[1]"], errors.Select(e => e.Key));
        Assert.Contains("sal-qualfy", errors["document.slaPolicies[1]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

public sealed class DefinitionSlaTests_Sqlite(SlaSqliteApp app) : DefinitionSlaTests<SlaSqliteApp>(app);

public sealed class DefinitionSlaTests_Postgres(SlaPostgresApp app) : DefinitionSlaTests<SlaPostgresApp>(app);
