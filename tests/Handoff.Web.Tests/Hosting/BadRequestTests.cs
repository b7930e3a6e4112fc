using System.Net;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Hosting;

/// <summary>
/// What the framework refuses before an endpoint runs (a missing or null body, a body of the wrong kind, a query value
/// of the wrong type) is answered like every other bad input: a 400 naming the field in words, not C# types.
/// </summary>
public sealed class BadRequestTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Theory]
    [InlineData("/api/scoring/models", "", "body", "is missing or null: send a JSON object with the fields")]
    [InlineData("/api/forms", "null", "body", "is missing or null: send a JSON object with the fields")]
    [InlineData("/api/webhooks", "[]", "body", "must be a JSON object with the fields")]
    [InlineData("/api/routing/test", "5", "body", "must be a JSON object with the fields")]
    [InlineData("/api/activities", "null", "body", "must be one activity (a JSON object) or an array of them, not null")]
    [InlineData("/api/activities", "\"page view\"", "body", "must be one activity (a JSON object) or an array of them, not string")]
    public async Task ABodyMissingOrOfTheWrongKind_NamesTheBody(string path, string body, string field, string message)
    {
        var response = await app.Admin().PostAsync(path, Json.Raw(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, Assert.Single((await response.ReadObjectAsync())["errors"]![field]!.AsArray())!.GetValue<string>());
    }

    [Theory]
    [InlineData("/api/users/01890a5d-ac96-7774-b47f-4f2b4c8e8a3c/routing", "{\"workingHours\":[{\"days\":[\"Monday\"],\"start\":\"9am\",\"end\":\"17:00\"}]}", "workingHours[0].start", "has the wrong type: expected a time of day such as 09:00")]
    [InlineData("/api/leads/01890a5d-ac96-7774-b47f-4f2b4c8e8a3c/convert", "{\"expectedCloseDate\":\"31/12/2026\"}", "expectedCloseDate", "has the wrong type: expected a date such as 2026-01-31")]
    public async Task ATimeOfDayOrADateOfTheWrongShape_SaysWhatShapeGoes(string path, string body, string field, string message)
    {
        var request = new HttpRequestMessage(path.EndsWith("/routing", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post, path) { Content = Json.Raw(body) };
        var response = await app.Admin().SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, Assert.Single((await response.ReadObjectAsync())["errors"]![field]!.AsArray())!.GetValue<string>());
    }

    [Theory]
    [InlineData("/api/imports?limit=abc", "limit", "'abc' is not a whole number")]
    [InlineData("/api/notifications?unread=maybe", "unread", "'maybe' is not true or false")]
    [InlineData("/api/leads/01890a5d-ac96-7774-b47f-4f2b4c8e8a3c/activities?limit=ten", "limit", "'ten' is not a whole number")]
    public async Task AQueryValueOfTheWrongType_NamesTheParameter(string path, string field, string message)
    {
        var response = await app.Admin().GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadObjectAsync();
        Assert.Equal(message, Assert.Single(problem["errors"]![field]!.AsArray())!.GetValue<string>());
        Assert.DoesNotContain("Nullable", problem.ToJsonString(), StringComparison.Ordinal);
    }
}

/// <summary>Times a client sends without an offset are UTC, whatever the server's time zone.</summary>
public sealed class UtcDateTimesTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new() { Converters = { new Api.UtcDateTimes() } };

    [Theory]
    [InlineData("\"2026-01-31T09:00:00\"", "2026-01-31T09:00:00.0000000Z")]
    [InlineData("\"2026-01-31\"", "2026-01-31T00:00:00.0000000Z")]
    [InlineData("\"2026-01-31T09:00:00Z\"", "2026-01-31T09:00:00.0000000Z")]
    [InlineData("\"2026-01-31T09:00:00+02:00\"", "2026-01-31T07:00:00.0000000Z")]
    public void ATime_IsReadAsUtc(string json, string utc)
    {
        var read = System.Text.Json.JsonSerializer.Deserialize<DateTime?>(json, Options)!.Value;
        Assert.Equal(DateTimeKind.Utc, read.Kind);
        Assert.Equal(utc, read.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NotATime_IsAConversionError_WithItsPath()
    {
        var error = Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, DateTime>>("{\"at\":\"soon\"}", Options));
        Assert.Equal("$.at", error.Path);
    }
}
