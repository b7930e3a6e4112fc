using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Capture;

public abstract class IdempotencyTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private static HttpRequestMessage Post(string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task SameKey_SameBody_ReturnsTheFirstAnswer_AndCreatesOneLead()
    {
        var client = app.Admin();
        var key = Guid.NewGuid().ToString();
        var source = $"idem-{Guid.NewGuid():N}";
        var body = new { email = $"{source}@acme-corp.io", source };

        var first = await client.SendAsync(Post(key, body));
        var again = await client.SendAsync(Post(key, body));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal((await first.ReadObjectAsync())["lead"]!.AsObject().Id(), (await again.ReadObjectAsync())["lead"]!.AsObject().Id());
        var list = await (await client.GetAsync($"/api/leads?source={source}")).ReadObjectAsync();
        Assert.Single(list["items"]!.AsArray());
    }

    [Fact]
    public async Task ConcurrentDuplicates_CreateOneLead()
    {
        var client = app.Admin();
        var key = Guid.NewGuid().ToString();
        var source = $"idem-{Guid.NewGuid():N}";
        var body = new { email = $"{source}@acme-corp.io", source };

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.SendAsync(Post(key, body))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var ids = await Task.WhenAll(answers.Select(async a => (await a.ReadObjectAsync())["lead"]!.AsObject().Id()));
        Assert.Single(ids.Distinct());
        var list = await (await client.GetAsync($"/api/leads?source={source}")).ReadObjectAsync();
        Assert.Single(list["items"]!.AsArray());
    }

    [Fact]
    public async Task SameKey_DifferentBody_Is422_AndCreatesNothing()
    {
        var client = app.Admin();
        var key = Guid.NewGuid().ToString();
        var source = $"idem-{Guid.NewGuid():N}";

        await client.SendAsync(Post(key, new { email = $"a.{source}@acme-corp.io", source }));
        var other = await client.SendAsync(Post(key, new { email = $"b.{source}@acme-corp.io", source }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        var list = await (await client.GetAsync($"/api/leads?source={source}")).ReadObjectAsync();
        Assert.Single(list["items"]!.AsArray());
    }

    [Fact]
    public async Task SameKey_SameJson_WithOtherWhitespaceAndKeyOrder_IsAReplay()
    {
        var client = app.Admin();
        var key = Guid.NewGuid().ToString();
        var source = $"idem-{Guid.NewGuid():N}";
        HttpRequestMessage Raw(string json)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = Json.Raw(json) };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }

        var first = await client.SendAsync(Raw($$"""{"email":"{{source}}@acme-corp.io","source":"{{source}}","customFields":{"a":"1","b":"2"} }"""));
        var again = await client.SendAsync(Raw($$"""
            {
              "customFields": { "b": "2", "a": "1" },
              "source" : "{{source}}",
              "email": "{{source}}@acme-corp.io"
            }
            """));
        var other = await client.SendAsync(Raw($$"""{"email":"{{source}}@acme-corp.io","source":"{{source}}","customFields":{"a":"1","b":"3"} }"""));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        var list = await (await client.GetAsync($"/api/leads?source={source}")).ReadObjectAsync();
        Assert.Single(list["items"]!.AsArray());
    }

    [Fact]
    public async Task BadKey_IsRefused()
    {
        var response = await app.Admin().SendAsync(Post(new string('k', 201), new { email = "k@acme-corp.io" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Idempotency-Key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class IdempotencyTests_Sqlite(SqliteApp app) : IdempotencyTests<SqliteApp>(app);

public sealed class IdempotencyTests_Postgres(PostgresApp app) : IdempotencyTests<PostgresApp>(app);
