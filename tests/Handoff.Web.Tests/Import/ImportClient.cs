using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Common;
using Handoff.Import;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Import;

/// <summary>The import API as the import tests drive it: upload a CSV, wait for the job, find the leads it made.</summary>
internal static class ImportClient
{
    /// <summary><c>POST /api/imports</c> with the file and the optional form fields; the answer as it came.</summary>
    public static async Task<HttpResponseMessage> UploadImportAsync(this HttpClient client, byte[] csv, string fileName = "leads.csv", string? mapping = null, string? automation = null, string? unmapped = null)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(file, "file", fileName);
        if (mapping is not null)
        {
            content.Add(new StringContent(mapping), "mapping");
        }

        if (automation is not null)
        {
            content.Add(new StringContent(automation), "automation");
        }

        if (unmapped is not null)
        {
            content.Add(new StringContent(unmapped), "unmapped");
        }

        return await client.PostAsync("/api/imports", content);
    }

    /// <summary>Uploads, expects 202 with a Location, and waits for the background job to finish (Completed or Failed).</summary>
    public static async Task<JsonObject> ImportAsync(this HttpClient client, string csv, string? mapping = null, string? automation = null, string? unmapped = null)
    {
        var response = await client.UploadImportAsync(Encoding.UTF8.GetBytes(csv), mapping: mapping, automation: automation, unmapped: unmapped);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"upload: {(int)response.StatusCode} {text}");
        Assert.NotNull(response.Headers.Location);
        return await client.FinishedImportAsync(JsonNode.Parse(text)!["id"]!.GetValue<string>());
    }

    /// <summary>As <see cref="ImportAsync"/>, and the job must have completed.</summary>
    public static async Task<JsonObject> CompletedImportAsync(this HttpClient client, string csv, string? automation = null)
    {
        var job = await client.ImportAsync(csv, automation: automation);
        Assert.True(job["status"]!.GetValue<string>() == "Completed", job.ToJsonString());
        return job;
    }

    /// <summary>
    /// Receives and starts an import inside the app without running it (the worker picks it up, or the test runs it
    /// itself with <c>RunImport</c> to interrupt it); the job as it was created.
    /// </summary>
    public static async Task<ImportJobView> StartInProcessAsync(this HandoffApp app, byte[] csv, string fileName = "leads.csv")
    {
        await using var scope = app.Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<ImportJobs>();
        var received = await jobs.ReceiveAsync(new MemoryStream(csv), fileName, CancellationToken.None);
        var started = await jobs.StartAsync(received.Value!, new ImportRequest(), new Actor(ActorKind.Integration, "test", "test"), "test-runner", CancellationToken.None);
        Assert.Equal(ImportStartOutcome.Created, started.Value!.Outcome);
        return started.Value.Job;
    }

    /// <summary>The one lead with this email, found through the list's search.</summary>
    public static async Task<JsonObject> LeadByEmailAsync(this HttpClient client, string email)
    {
        var page = await (await client.GetAsync($"/api/leads?q={Uri.EscapeDataString(email)}&limit=10")).ReadObjectAsync();
        return Assert.Single(page["items"]!.AsArray(), l => l!["email"]?.GetValue<string>() == email)!.AsObject();
    }

    /// <summary>The leads the list's search finds for <paramref name="text"/> (up to 500).</summary>
    public static async Task<JsonArray> SearchLeadsAsync(this HttpClient client, string text)
    {
        var page = await (await client.GetAsync($"/api/leads?q={text}&limit=500")).ReadObjectAsync();
        return page["items"]!.AsArray();
    }
}
