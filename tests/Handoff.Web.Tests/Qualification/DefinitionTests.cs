using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Qualification;

/// <summary>The life of a qualification definition: draft, sign-off by both sides, activation (now or scheduled), review, diff.</summary>
public abstract class DefinitionTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task SignedByMarketingOnly_CannotBeActivated_UntilSalesSigns()
    {
        var client = App.Admin();
        var version = await client.DraftAsync(QualificationSetup.Document());
        var marketing = await client.CreateUserAsync("Marketing", "Maya Okafor");
        var sdr = await client.CreateUserAsync("Sdr", "Diego Ramirez");
        var admin = await client.CreateUserAsync("Admin", "Ingrid Solberg");

        var byAdmin = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/signoffs", new { userId = admin, comment = "looks fine" });
        var noComment = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/signoffs", new { userId = marketing, comment = " " });
        var signed = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/signoffs", new { userId = marketing, comment = "Marketing signs" });
        var twice = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/signoffs", new { userId = marketing, comment = "again" });
        var early = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/activate", new { });

        Assert.Equal(HttpStatusCode.BadRequest, byAdmin.StatusCode);
        Assert.Contains("userId", await byAdmin.ErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noComment.StatusCode);
        Assert.Contains("comment", await noComment.ErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(["Sales"], (await signed.ReadObjectAsync())["missingSignOffs"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("sign-off-missing", await early.CodeAsync());
        Assert.Equal("Draft", (await (await client.GetAsync($"/api/qualification/definitions/{version}")).ReadObjectAsync())["state"]!.GetValue<string>());

        await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/signoffs", new { userId = sdr, comment = "Sales signs: we work every MQL within 4 hours" });
        var activated = await client.ActivateAsync(version);

        Assert.Equal("Active", activated["state"]!.GetValue<string>());
        var signOffs = activated["signOffs"]!.AsArray();
        Assert.Equal(["Marketing", "Sales"], signOffs.Select(s => s!["side"]!.GetValue<string>()));
        Assert.Equal("Diego Ramirez", signOffs[1]!["userName"]!.GetValue<string>());
        Assert.Equal("Sales signs: we work every MQL within 4 hours", signOffs[1]!["comment"]!.GetValue<string>());
        var active = await (await client.GetAsync("/api/qualification/definitions/active")).ReadObjectAsync();
        Assert.Equal(version, active["version"]!.GetValue<int>());
        var late = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/signoffs", new { userId = await client.CreateUserAsync("Ae", "Priya Natarajan"), comment = "me too" });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("not-a-draft", await late.CodeAsync());
        var again = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/activate", new { });
        Assert.Equal("already-activated", await again.CodeAsync());
    }

    [Fact]
    public async Task ScheduledVersion_TakesOverOnItsDate_AndReviewFallsDueQuarterly()
    {
        var client = App.Admin();
        var current = await client.DraftAsync(QualificationSetup.Document());
        await client.SignBothAsync(current);
        await client.ActivateAsync(current);
        var next = await client.DraftAsync(QualificationSetup.Document(wakeAfterDays: 60));
        await client.SignBothAsync(next);
        var past = await client.PostAsJsonAsync($"/api/qualification/definitions/{next}/activate", new { activeFrom = App.Clock.GetUtcNow().UtcDateTime.AddDays(-2) });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("activeFrom", await past.ErrorFieldsAsync());

        var scheduled = await client.ActivateAsync(next, App.Clock.GetUtcNow().UtcDateTime.AddDays(10));

        Assert.Equal("Scheduled", scheduled["state"]!.GetValue<string>());
        Assert.Equal(current, (await (await client.GetAsync("/api/qualification/definitions/active")).ReadObjectAsync())["version"]!.GetValue<int>());

        App.Clock.Advance(TimeSpan.FromDays(11));
        var list = await (await client.GetAsync("/api/qualification/definitions")).ReadArrayAsync();
        var active = list.Where(d => d!["state"]!.GetValue<string>() == "Active").ToList();
        Assert.Single(active);
        Assert.Equal(next, active[0]!["version"]!.GetValue<int>());
        Assert.Equal("Superseded", list.Single(d => d!["version"]!.GetValue<int>() == current)!["state"]!.GetValue<string>());
        Assert.Equal("ok", active[0]!["reviewStatus"]!.GetValue<string>());

        App.Clock.Advance(TimeSpan.FromDays(80)); // 81 of 91 days: due within two weeks
        Assert.Equal("due", (await (await client.GetAsync($"/api/qualification/definitions/{next}")).ReadObjectAsync())["reviewStatus"]!.GetValue<string>());
        App.Clock.Advance(TimeSpan.FromDays(20));
        Assert.Equal("overdue", (await (await client.GetAsync($"/api/qualification/definitions/{next}")).ReadObjectAsync())["reviewStatus"]!.GetValue<string>());

        var reviewer = await client.CreateUserAsync("Marketing", "Maya Okafor");
        var reviewed = await client.PostAsJsonAsync($"/api/qualification/definitions/{next}/reviews", new { userId = reviewer, comment = "Still matches what sales closes" });
        Assert.Equal("ok", (await reviewed.ReadObjectAsync())["reviewStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task Diff_NamesEveryChangedPath()
    {
        var client = App.Admin();
        var v1 = await client.DraftAsync(QualificationSetup.Document(), "Contract A");
        var v2 = await client.DraftAsync(QualificationSetup.Document(wakeAfterDays: 120, employees: 100), "Contract B");

        var response = await client.GetAsync($"/api/qualification/definitions/diff?from={v1}&to={v2}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var changes = (await response.ReadObjectAsync())["changes"]!.AsArray();
        var byPath = changes.ToDictionary(c => c!["path"]!.GetValue<string>(), c => c!);
        Assert.Equal(["document.mql.conditions[0].value", "document.recycle.wakeAfterDays", "name"], byPath.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(50, byPath["document.mql.conditions[0].value"]["from"]!.GetValue<int>());
        Assert.Equal(100, byPath["document.mql.conditions[0].value"]["to"]!.GetValue<int>());
        Assert.Equal(120, byPath["document.recycle.wakeAfterDays"]["to"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/qualification/definitions/diff?from=x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/qualification/definitions/diff?from={v1}&to=9999")).StatusCode);
    }

    [Fact]
    public async Task BadDocument_Is400_NamingEachField()
    {
        var client = App.Admin();

        var response = await client.PostAsJsonAsync("/api/qualification/definitions", new
        {
            name = "Broken",
            document = new
            {
                mql = new { conditions = new[] { new { field = "shoeSize", op = "gte", value = 42 } } },
                sql = new { framework = "SPIN" },
                recycle = new { wakeAfterDays = 0, wakeTo = "SAL" },
            },
        });
        var unknown = await client.PostAsync("/api/qualification/definitions", Json.Raw("""{"name":"x","document":{"mql":{"minFitScore":10,"bogus":1}}}"""));
        var empty = await client.PostAsJsonAsync("/api/qualification/definitions", new { name = "Empty bar", document = new { mql = new { } } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = await response.ErrorFieldsAsync();
        Assert.Contains("document.mql.conditions[0].field", fields);
        Assert.Contains("document.sql.framework", fields);
        Assert.Contains("document.recycle.wakeAfterDays", fields);
        Assert.Contains("document.recycle.wakeTo", fields);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("document.mql", await empty.ErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/qualification/definitions/9999")).StatusCode);
    }
}

public sealed class DefinitionTests_Sqlite(ClockedSqliteApp app) : DefinitionTests<ClockedSqliteApp>(app);

public sealed class DefinitionTests_Postgres(ClockedPostgresApp app) : DefinitionTests<ClockedPostgresApp>(app);
