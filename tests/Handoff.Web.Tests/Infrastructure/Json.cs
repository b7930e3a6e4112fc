using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Handoff.Web.Tests.Infrastructure;

public static class Json
{
    public static StringContent Raw(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    public static async Task<JsonArray> ReadArrayAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonArray>())!;

    /// <summary>
    /// A <c>400</c> validation problem (asserted: status, media type, title) as its field errors: <c>Error(path)</c> is
    /// the message at a path (asserted: exactly one), <c>Count</c> how many paths have errors.
    /// </summary>
    public static async Task<FieldErrors> ValidationErrorsAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("One or more fields are invalid.", problem["title"]!.GetValue<string>());
        return new FieldErrors(problem["errors"]!.AsObject());
    }

    /// <summary>The errors of a validation problem, by path.</summary>
    public sealed class FieldErrors(JsonObject errors)
    {
        public int Count => errors.Count;

        public bool ContainsKey(string path) => errors.ContainsKey(path);

        public string Error(string path)
        {
            Assert.True(errors.ContainsKey(path), $"no error on {path}: {errors.ToJsonString()}");
            return Assert.Single(errors[path]!.AsArray())!.GetValue<string>();
        }
    }

    /// <summary>Creates a lead with a unique email and returns its JSON.</summary>
    public static async Task<JsonObject> CreateLeadAsync(this HttpClient client, object? body = null)
    {
        body ??= new { firstName = "Ada", lastName = "Lovelace", email = $"ada.{Guid.NewGuid():N}@acme-corp.io", company = "Analytical Engines", source = "Website" };
        var response = await client.PostAsJsonAsync("/api/leads", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"create lead: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["lead"]!.AsObject();
    }

    /// <summary>
    /// Subscribes a webhook (to a closed local port) to <paramref name="events"/>, so that events of those types are
    /// written to the outbox (only events some subscription wants are); disposing the result deletes the subscription.
    /// </summary>
    public static async Task<IAsyncDisposable> SubscribeAsync(this HttpClient client, params string[] events)
    {
        var response = await client.PostAsJsonAsync("/api/webhooks", new { url = "http://127.0.0.1:9/hook", secret = "a-test-secret-of-some-length", events });
        var created = await response.ReadObjectAsync();
        Assert.True(response.IsSuccessStatusCode, created.ToJsonString());
        return new Subscription(client, created["id"]!.GetValue<string>());
    }

    private sealed class Subscription(HttpClient client, string id) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/webhooks/{id}")).StatusCode);
    }

    /// <summary>Polls an import job until it has finished (Completed or Failed), for at most 90 seconds, and returns it.</summary>
    public static async Task<JsonObject> FinishedImportAsync(this HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var job = await (await client.GetAsync($"/api/imports/{id}")).ReadObjectAsync();
            var status = job["status"]!.GetValue<string>();
            if (status is "Completed" or "Failed")
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"import {id} still {status}");
            await Task.Delay(100);
        }
    }

    public static Task<HttpResponseMessage> MoveAsync(this HttpClient client, string id, object body) =>
        client.PostAsJsonAsync($"/api/leads/{id}/transitions", body);

    public static string Id(this JsonObject lead) => lead["id"]!.GetValue<string>();

    public static string Stage(this JsonObject lead) => lead["stage"]!.GetValue<string>();

    public static JsonElement Problem(string json) => JsonDocument.Parse(json).RootElement;
}
