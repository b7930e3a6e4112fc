using System.Net;
using System.Text;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Sla;

namespace Handoff.Web.Tests.Leads;

/// <summary>Every shape of bad input gets a 4xx problem that names the problem; none gets a 500.</summary>
public abstract class BadInputTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Theory]
    [InlineData("""{"email":""", "body")]
    [InlineData("""{"email": 42}""", "email")]
    [InlineData("""{"email":"a@acme-corp.io","employeeCount":"lots"}""", "employeeCount")]
    [InlineData("""{"email":"a@acme-corp.io","stage":"SQL"}""", "stage")]
    [InlineData("""{"email":"a@acme-corp.io","ownerId":"00000000-0000-0000-0000-000000000001"}""", "ownerId")]
    [InlineData("""{"email":"a@acme-corp.io","customFields":{"x":1}}""", "customFields.x")]
    [InlineData("""{"email":"a@acme-corp.io","emailConsent":"yes"}""", "emailConsent")]
    [InlineData("""{"email":"nope"}""", "email")]
    [InlineData("""{"company":"Acme"}""", "email")]
    [InlineData("[1,2,3]", "body")]
    [InlineData("""{"email":"\ud800"}""", "email")]
    public async Task Create_WithBadBody_Answers400NamingTheField(string body, string field)
    {
        var response = await app.Admin().PostAsync("/api/leads", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"expected an error for '{field}', got {errors}");
    }

    [Theory]
    [InlineData("/api/leads?limit=0")]
    [InlineData("/api/imports?limit=0")]
    [InlineData("/api/imports?limit=-1")]
    [InlineData("/api/imports?limit=201")]
    [InlineData("/api/predictive/models?limit=-5")]
    [InlineData("/api/predictive/models?limit=1000")]
    public async Task AList_WithALimitOutOfRange_Answers400NamingTheLimit(string path)
    {
        var response = await app.Admin().GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("limit", out _), $"expected an error for 'limit', got {errors}");
    }

    [Theory]
    [InlineData("", "the body is empty")]
    [InlineData("   ", "the body is empty")]
    [InlineData("[]", "must be a JSON object, not an array")]
    [InlineData("[{\"email\":\"a@acme-corp.io\"}]", "must be a JSON object, not an array")]
    [InlineData("\"a@acme-corp.io\"", "must be a JSON object, not a string")]
    [InlineData("42", "must be a JSON object, not a number")]
    [InlineData("null", "must be a JSON object, not null")]
    public async Task Create_WithABodyThatIsNotAnObject_SaysSo(string body, string expected)
    {
        var response = await app.Admin().PostAsync("/api/leads", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Contains(expected, errors.GetProperty("body")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11)] // inside a string value
    [InlineData(0)] // the first byte
    public async Task Create_WithBytesThatAreNotUtf8_NamesTheByteAndItsOffset(int offset)
    {
        var bytes = Encoding.UTF8.GetBytes("""{"email":"ab@acme-corp.io","lastName":"Lovelace"}""");
        bytes[offset] = 0xFF;
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await app.Admin().PostAsync("/api/leads", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Equal($"the body is not valid UTF-8 (byte 0xFF at offset {offset}); send JSON encoded as UTF-8", errors.GetProperty("body")[0].GetString());
    }

    [Fact]
    public async Task Create_WithSeveralBadFields_NamesEveryOne()
    {
        var body = $$"""{"email":"not-an-email","firstName":"{{new string('x', 101)}}","employeeCount":"many","emailConsent":"yes","stage":"SQL","phone":"12"}""";

        var response = await app.Admin().PostAsync("/api/leads", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Equal(
            ["email", "emailConsent", "employeeCount", "firstName", "phone", "stage"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Contains("whole number", errors.GetProperty("employeeCount")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("at most 100", errors.GetProperty("firstName")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("not a known field", errors.GetProperty("stage")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithSeveralBadValues_NamesEveryOne()
    {
        var body = $$"""{"email":"nope","lastName":"{{new string('y', 101)}}","website":"not a site"}""";

        var response = await app.Admin().PostAsync("/api/leads", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Equal(["email", "lastName", "website"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Create_WithOversizeField_NamesIt()
    {
        var body = $$"""{"email":"a@acme-corp.io","company":"{{new string('x', 5000)}}"}""";

        var response = await app.Admin().PostAsync("/api/leads", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("company", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithOversizeBody_Answers413()
    {
        var body = $$"""{"email":"a@acme-corp.io","description":"{{new string('x', 2 * 1024 * 1024)}}"}""";

        // Expect: 100-continue lets the server refuse by the declared length before the client sends 2 MiB, so the
        // answer cannot race a connection the server closes mid-upload (a broken pipe on a busy machine).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = Json.Raw(body) };
        request.Headers.ExpectContinue = true;

        var response = await app.Admin().SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Create_WithWrongContentType_Answers415()
    {
        var response = await app.Admin().PostAsync("/api/leads", new StringContent("email=a@acme-corp.io", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Transition_ToAnUnknownStage_NamesTheField()
    {
        var client = app.Admin();
        var id = (await client.CreateLeadAsync()).Id();

        var response = await client.PostAsync($"/api/leads/{id}/transitions", Json.Raw("""{"to":"Banana"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Contains("MQL", errors.GetProperty("to")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"to":null,"note":"restore?"}""")]
    public async Task Transition_WithoutATarget_NamesTheField_AndLeavesAJunkLeadInJunk(string body)
    {
        var client = app.Admin();
        var junk = await client.CreateLeadAsync(new { firstName = "Test", lastName = "Test", email = $"test.{Guid.NewGuid():N}@acme-corp.io" });
        Assert.Equal("Junk", junk.Stage());

        var response = await client.PostAsync($"/api/leads/{junk.Id()}/transitions", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.Contains("MQL", errors.GetProperty("to")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("Junk", (await (await client.GetAsync($"/api/leads/{junk.Id()}")).ReadObjectAsync()).Stage());
    }

    [Theory]
    [InlineData("""{"id":"{user}"}""", "kind", "User, Queue")]
    [InlineData("""{"id":"{user}","kind":null}""", "kind", "User, Queue")]
    [InlineData("""{"kind":"User"}""", "id", "required")]
    public async Task Reassign_WithoutAKindOrAnId_NamesTheMissingField_AndKeepsTheOwner(string body, string field, string expected)
    {
        var client = app.Admin();
        var lead = await client.CreateLeadAsync();
        var userId = (await client.CreateUserAsync()).ToString();

        var response = await client.PutAsync($"/api/leads/{lead.Id()}/owner", Json.Raw(body.Replace("{user}", userId, StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"expected an error for '{field}', got {errors}");
        Assert.Contains(expected, messages[0].GetString(), StringComparison.Ordinal);
        var owner = (await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync())["owner"]!;
        Assert.Equal("Queue", owner["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task NoShapeOfRequest_ProducesA500()
    {
        var client = app.Admin();
        var id = (await client.CreateLeadAsync()).Id();
        string[] bodies =
        [
            "", "null", "0", "\"text\"", "{}", "[]", "{\"to\":null}", "{\"to\":1}", "{\"to\":\"MQL\",\"wakeAt\":\"soon\"}",
            "{\"to\":\"MQL\",\"note\":" + new string('9', 400) + "}", "{\"kind\":\"User\",\"id\":\"x\"}", "{\"kind\":\"Robot\"}",
            "{\"a\":{\"b\":{\"c\":{\"d\":[[[[[]]]]]}}}}", "\u00ff\u00fe", "{\"email\":\"\\ud800\"}", "{\"email\":\"a@b.c\"}}",
            "{\"customFields\":[]}", "{\"customFields\":null}", "{\"title\":\"" + new string('t', 300) + "\"}",
        ];
        (HttpMethod Method, string Path)[] endpoints =
        [
            (HttpMethod.Post, "/api/leads"),
            (HttpMethod.Patch, $"/api/leads/{id}"),
            (HttpMethod.Post, $"/api/leads/{id}/transitions"),
            (HttpMethod.Post, $"/api/leads/{id}/transitions/undo"),
            (HttpMethod.Put, $"/api/leads/{id}/owner"),
            (HttpMethod.Post, "/api/apikeys"),
            (HttpMethod.Put, "/api/reason-codes"),
            (HttpMethod.Post, "/api/users"),
        ];

        foreach (var (method, path) in endpoints)
        {
            foreach (var body in bodies)
            {
                var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = Json.Raw(body) });
                Assert.True((int)response.StatusCode < 500, $"{method} {path} with {body[..Math.Min(body.Length, 40)]} gave {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        foreach (var path in new[] { "/api/leads/not-a-guid", "/api/leads?limit=99999999999999", "/api/leads?createdFrom=9999-99-99", "/api/leads?q=" + new string('%', 300) })
        {
            var response = await client.GetAsync(path);
            Assert.True((int)response.StatusCode < 500, $"GET {path} gave {(int)response.StatusCode}");
        }
    }
}

public sealed class BadInputTests_Sqlite(SqliteApp app) : BadInputTests<SqliteApp>(app);

public sealed class BadInputTests_Postgres(PostgresApp app) : BadInputTests<PostgresApp>(app);
