using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Scoring;

/// <summary>
/// Touches that reach a lead after touches that happened later (an anonymous visitor who identifies, a back-filled
/// batch) count in its score at once, as if they had come in the order they happened. The built-in model scores them.
/// </summary>
public abstract class EarlierTouchTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task AVisitorsAnonymousTouches_CountInTheScore_TheMomentTheVisitorIsCaptured()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var recorded = await (await client.PostAsJsonAsync("/api/activities", new object[]
        {
            new { type = "DemoRequest", visitorId = visitor },
            new { type = "PageView", visitorId = visitor, url = "https://handoff.io/pricing" },
        })).ReadObjectAsync();
        var demo = recorded["items"]![0]!["id"]!.GetValue<string>();

        var captured = await (await client.PostAsJsonAsync("/api/leads", new { firstName = "Carol", email = $"carol.{Guid.NewGuid():N}@northwind-traders.com", visitorId = visitor })).ReadObjectAsync();

        Assert.Equal(48, captured["lead"]!["intentScore"]!.GetValue<int>()); // demo request 40 + pricing page 8
        var score = await ScoringApiTests<TApp>.ScoreAsync(client, captured["lead"]!.AsObject().Id());
        Assert.Equal([demo], Rule(score, "demo-request")["evidence"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task AVisitorsAnonymousTouches_CountInTheScore_WhenATouchTiesTheVisitorToAKnownLead()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var email = $"fay.{Guid.NewGuid():N}@northwind-traders.com";
        var lead = (await (await client.PostAsJsonAsync("/api/leads", new { firstName = "Fay", email })).ReadObjectAsync())["lead"]!.AsObject().Id();
        await client.PostAsJsonAsync("/api/activities", new { type = "DemoRequest", visitorId = visitor });

        await client.PostAsJsonAsync("/api/activities", new object[]
        {
            new { type = "PageView", visitorId = visitor, url = "https://handoff.io/pricing" },
            new { type = "EmailClick", email, visitorId = visitor },
        });

        var stored = await (await client.GetAsync($"/api/leads/{lead}")).ReadObjectAsync();
        Assert.Equal(48, stored["intentScore"]!.GetValue<int>()); // the demo request before, the pricing view in the batch
    }

    [Fact]
    public async Task AVisitorWithAHistoryPastTheLimit_HasAllOfItJoined_TheLatestScoredAtOnce()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var history = Enumerable.Range(0, 1_050).Select(i => new { type = "PageView", visitorId = visitor, url = $"https://handoff.io/blog/{i}", occurredAt = DateTime.UtcNow.AddMinutes(-2_000 + i) });
        Assert.Equal(System.Net.HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/activities", history)).StatusCode);

        var captured = await (await client.PostAsJsonAsync("/api/leads", new { firstName = "Gil", email = $"gil.{Guid.NewGuid():N}@northwind-traders.com", visitorId = visitor })).ReadObjectAsync();

        var id = captured["lead"]!.AsObject().Id();
        Assert.Equal(1_000, (await (await client.GetAsync($"/api/leads/{id}/activities?limit=1000")).ReadArrayAsync()).Count);
        Assert.Equal(10, captured["lead"]!["engagementScore"]!.GetValue<int>()); // blog reads: 1 point each, capped at 10
        var left = await (await client.PostAsJsonAsync("/api/activities", new { type = "PageView", visitorId = $"v-{Guid.NewGuid():N}" })).ReadObjectAsync();
        Assert.Equal(1, left["anonymous"]!.GetValue<int>());
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<Handoff.Data.HandoffDb>();
        Assert.Equal(0, await db.Activities.CountAsync(a => a.VisitorId == visitor && a.LeadId == null));
        Assert.Equal(1_051, await db.Activities.CountAsync(a => a.LeadId == Guid.Parse(id)));
    }

    [Fact]
    public async Task ATouchOfAJunkLeadsEmail_DoesNotTieItsVisitorToTheJunkLead()
    {
        var client = app.Admin();
        var visitor = $"v-{Guid.NewGuid():N}";
        var email = $"hal.{Guid.NewGuid():N}@northwind-traders.com";
        var junk = await (await client.PostAsJsonAsync("/api/leads", new { firstName = "http://spam.example", email })).ReadObjectAsync();
        Assert.Equal("Junk", junk["lead"]!["stage"]!.GetValue<string>());
        await client.PostAsJsonAsync("/api/activities", new { type = "DemoRequest", visitorId = visitor });

        await client.PostAsJsonAsync("/api/activities", new { type = "EmailClick", email, visitorId = visitor });

        var real = await (await client.PostAsJsonAsync("/api/leads", new { firstName = "Hal", email, visitorId = visitor })).ReadObjectAsync();
        Assert.Equal(40, real["lead"]!["intentScore"]!.GetValue<int>()); // the demo request waited for the real person
    }

    [Fact]
    public async Task AnUnknownEmailsTouches_CountInTheScore_TheMomentTheLeadIsCaptured()
    {
        var client = app.Admin();
        var email = $"dora.{Guid.NewGuid():N}@northwind-traders.com";
        await client.PostAsJsonAsync("/api/activities", new { type = "PageView", email, url = "https://handoff.io/pricing" });

        var captured = await (await client.PostAsJsonAsync("/api/leads", new { firstName = "Dora", email })).ReadObjectAsync();

        Assert.Equal(8, captured["lead"]!["intentScore"]!.GetValue<int>());
    }

    [Fact]
    public async Task ABatchOfTouches_CountsAsIfTheyCameInTheOrderTheyHappened()
    {
        var client = app.Admin();
        var monthAgo = DateTime.UtcNow.AddDays(-30);
        var old = Enumerable.Range(0, 5).Select(i => (object)new { type = "PageView", url = "https://handoff.io/pricing", occurredAt = monthAgo.AddMinutes(i) });
        var now = new { type = "PageView", url = "https://handoff.io/pricing" };

        // The same six pricing views (8 points each, capped at 30, halved in 30 days): newest first, and oldest first.
        var newestFirst = await LeadWithTouchesAsync(client, [now, .. old]);
        var oldestFirst = await LeadWithTouchesAsync(client, [.. old, now]);

        var expected = Rule(await ScoringApiTests<TApp>.ScoreAsync(client, oldestFirst), "pricing-page")["points"]!.GetValue<double>();
        Assert.Equal(23, expected, 0); // capped at 30 a month ago, halved since, plus today's 8
        Assert.Equal(expected, Rule(await ScoringApiTests<TApp>.ScoreAsync(client, newestFirst), "pricing-page")["points"]!.GetValue<double>(), 2);
    }

    private static async Task<string> LeadWithTouchesAsync(HttpClient client, object[] touches)
    {
        var email = $"erin.{Guid.NewGuid():N}@northwind-traders.com";
        await client.PostAsJsonAsync("/api/leads", new { firstName = "Erin", email });
        var batch = touches.Select(t => JsonSerializer(t, email)).ToArray();
        var recorded = await (await client.PostAsJsonAsync("/api/activities", batch)).ReadObjectAsync();
        return recorded["items"]![0]!["leadId"]!.GetValue<string>();
    }

    private static JsonObject JsonSerializer(object touch, string email)
    {
        var node = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(touch))!.AsObject();
        node["email"] = email;
        return node;
    }

    private static JsonObject Rule(JsonObject score, string id) =>
        score["breakdown"]!.AsArray().Single(r => r!["rule"]!.GetValue<string>() == id)!.AsObject();
}

public sealed class EarlierTouchTests_Sqlite(SqliteApp app) : EarlierTouchTests<SqliteApp>(app);

public sealed class EarlierTouchTests_Postgres(PostgresApp app) : EarlierTouchTests<PostgresApp>(app);
