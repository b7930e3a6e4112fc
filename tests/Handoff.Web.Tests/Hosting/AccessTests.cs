using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Hosting;

public sealed class AccessTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private async Task<string> KeyWith(params string[] scopes)
    {
        var response = await app.Admin().PostAsJsonAsync("/api/apikeys", new { name = $"test {string.Join('+', scopes)}", scopes });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadObjectAsync())["plainText"]!.GetValue<string>();
    }

    [Fact]
    public async Task NoKey_Is401_BadKey_Is401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(null).GetAsync("/api/leads")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey("hk_wrong").GetAsync("/api/leads")).StatusCode);
    }

    [Fact]
    public async Task Scopes_LimitWhatAKeyMayDo()
    {
        var capture = app.WithKey(await KeyWith("Capture"));
        var read = app.WithKey(await KeyWith("Read"));
        var write = app.WithKey(await KeyWith("Write"));

        var created = await capture.PostAsJsonAsync("/api/leads", new { email = $"c.{Guid.NewGuid():N}@acme-corp.io" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadObjectAsync())["lead"]!.AsObject().Id();
        Assert.Equal(HttpStatusCode.Forbidden, (await capture.GetAsync($"/api/leads/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await read.GetAsync($"/api/leads/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await read.MoveAsync(id, new { to = "MQL" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await read.PostAsJsonAsync("/api/leads", new { email = "r@acme-corp.io" })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await write.MoveAsync(id, new { to = "MQL" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await write.GetAsync("/api/apikeys")).StatusCode);
    }

    [Fact]
    public async Task ACaptureOnlyKey_LearnsTheLeadsIdStageOwnerAndScores_NotWhatTheCrmHoldsOnThePerson()
    {
        var email = $"private.{Guid.NewGuid():N}@acme-corp.io";
        await app.Admin().PostAsJsonAsync("/api/leads", new { email, phone = "+44 20 7946 0018", description = "Budget 2M, renewal in May" });
        var capture = app.WithKey(await KeyWith("Capture"));

        var again = await capture.PostAsJsonAsync("/api/leads", new { email });
        var text = await again.Content.ReadAsStringAsync();
        var answer = await again.ReadObjectAsync();

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.NotNull(answer["duplicateOf"]);
        Assert.Equal("New", answer["lead"]!["stage"]!.GetValue<string>());
        Assert.NotNull(answer["lead"]!["owner"]);
        Assert.NotNull(answer["lead"]!["fitScore"]);
        Assert.DoesNotContain("7946", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Budget", text, StringComparison.Ordinal);
        Assert.DoesNotContain(email, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_AreStoredHashed_ShownOnce_AndRevocable()
    {
        var admin = app.Admin();
        var created = await (await admin.PostAsJsonAsync("/api/apikeys", new { name = "revoke me", scopes = new[] { "Read" } })).ReadObjectAsync();
        var plain = created["plainText"]!.GetValue<string>();
        var keyId = created["key"]!["id"]!.GetValue<string>();

        var list = await (await admin.GetAsync("/api/apikeys")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(plain, list, StringComparison.Ordinal);
        Assert.DoesNotContain(plain[10..], list, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/apikeys/{keyId}")).StatusCode);
        // A revoked key that was never cached stops at once.
        var other = await (await admin.PostAsJsonAsync("/api/apikeys", new { name = "never used", scopes = new[] { "Read" } })).ReadObjectAsync();
        await admin.DeleteAsync($"/api/apikeys/{other["key"]!["id"]!.GetValue<string>()}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(other["plainText"]!.GetValue<string>()).GetAsync("/api/leads")).StatusCode);
    }

    [Fact]
    public async Task CreatingAKey_WithoutScopes_NamesTheField()
    {
        var response = await app.Admin().PostAsJsonAsync("/api/apikeys", new { name = "x", scopes = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("scopes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_OpenApi_AndReference_AreServed()
    {
        var anonymous = app.WithKey(null);

        Assert.Equal("Healthy", await anonymous.GetStringAsync("/health"));
        var document = await anonymous.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/leads/{id}/transitions", document, StringComparison.Ordinal);
        Assert.Contains("bearer", document, StringComparison.Ordinal);
        var openApi = System.Text.Json.Nodes.JsonNode.Parse(document)!;
        Assert.NotNull(openApi["components"]!["schemas"]!["CaptureReceipt"]);
        foreach (var status in new[] { "200", "201" })
        {
            // A full key gets the whole lead, a capture-only key the receipt: the document describes both.
            var answers = openApi["paths"]!["/api/leads"]!["post"]!["responses"]![status]!["content"]!["application/json"]!["schema"]!["oneOf"]!.AsArray();
            Assert.Equal(["#/components/schemas/CaptureAnswer", "#/components/schemas/CaptureReceipt"], answers.Select(a => a!["$ref"]!.GetValue<string>()));
        }

        // Headers the handlers read are declared (clients generated from the document can send them), and so are the
        // 401 and 403 of every endpoint that needs a key.
        string[] Headers(string path, string method) =>
            [.. (openApi["paths"]![path]![method]!["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "header").Select(p => p!["name"]!.GetValue<string>())];
        Assert.Contains("Idempotency-Key", Headers("/api/leads", "post"));
        Assert.Contains("Idempotency-Key", Headers("/api/activities", "post"));
        Assert.Contains("If-Match", Headers("/api/leads/{id}", "patch"));
        Assert.Contains("If-Match", Headers("/api/scoring/models/{id}/activate", "post"));
        Assert.DoesNotContain("If-Match", Headers("/api/leads", "post"));
        var listResponses = openApi["paths"]!["/api/leads"]!["get"]!["responses"]!.AsObject();
        Assert.True(listResponses.ContainsKey("401") && listResponses.ContainsKey("403"), listResponses.ToJsonString());
        Assert.False(openApi["paths"]!["/f/{formKey}"]!["post"]!["responses"]!.AsObject().ContainsKey("401"));

        var schemas = openApi["components"]!["schemas"]!.AsObject();
        var refs = System.Text.RegularExpressions.Regex.Matches(document, "\"#/components/schemas/([^\"]+)\"").Select(m => m.Groups[1].Value).Distinct();
        Assert.All(refs, r => Assert.True(schemas.ContainsKey(r), $"{r} is referenced and not described"));

        var reference = await anonymous.GetAsync("/reference");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
    }
}
