using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Qualification;

/// <summary>Shared steps of the qualification tests: people, definitions, leads in a given state.</summary>
internal static class QualificationSetup
{
    /// <summary>
    /// The example contract of the issue: 50+ employees, director or above, at least one sales touchpoint (not only
    /// content) for MQL; BANT (timeline within 6 months) for SQL with a company; referrals fast-track on a custom scorecard.
    /// </summary>
    public static object Document(int wakeAfterDays = 90, int employees = 50) => new
    {
        mql = new
        {
            minFitScore = 0,
            conditions = new object[]
            {
                new { field = "employeeCount", op = "gte", value = employees },
                new { field = "seniority", op = "in", value = new[] { "Director", "VP", "CLevel" } },
            },
            activities = new[] { new { types = new[] { "SalesTouch", "Call", "Meeting", "EmailReply" }, atLeast = 1 } },
        },
        sql = new { framework = "BANT", requiredFields = new[] { "company" } },
        sources = new object[]
        {
            new
            {
                name = "Referral fast lane",
                when = new[] { new { field = "source", op = "eq", value = "Referral" } },
                mql = new { conditions = new[] { new { field = "employeeCount", op = "gte", value = 1 } } },
                sql = new
                {
                    scorecard = new
                    {
                        name = "Referral check",
                        passThreshold = 100,
                        criteria = new object[]
                        {
                            new { key = "introduced-by", label = "Who introduced them", type = "text", weight = 1, required = true },
                            new { key = "employees", label = "Company has 50+ employees", type = "number", min = 50, weight = 1, required = true, prefill = "employeeCount" },
                        },
                    },
                },
                fastTrack = true,
            },
        },
        recycle = new { wakeAfterDays, wakeTo = "MQL" },
        stageLimits = new Dictionary<string, int> { ["New"] = 7, ["MQL"] = 3, ["SAL"] = 14, ["SQL"] = 30 },
    };

    public static async Task<string> CreateUserAsync(this HttpClient client, string role, string name)
    {
        var local = name.ToLowerInvariant().Replace(' ', '.');
        var response = await client.PostAsJsonAsync("/api/users", new { email = $"{local}.{Guid.NewGuid():N}@northwind-traders.io", name, role });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadObjectAsync())["id"]!.GetValue<string>();
    }

    public static async Task<int> DraftAsync(this HttpClient client, object document, string name = "FY27 marketing–sales contract")
    {
        var response = await client.PostAsJsonAsync("/api/qualification/definitions", new { name, document });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadObjectAsync())["version"]!.GetValue<int>();
    }

    public static async Task SignBothAsync(this HttpClient client, int version)
    {
        var marketing = await client.CreateUserAsync("Marketing", "Maya Okafor");
        var sales = await client.CreateUserAsync("Manager", "Tomas Lindqvist");
        foreach (var (user, comment) in new[] { (marketing, "Marketing agrees to hand over only these leads"), (sales, "Sales agrees to work every lead that meets this") })
        {
            var signed = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/signoffs", new { userId = user, comment });
            Assert.True(signed.IsSuccessStatusCode, await signed.Content.ReadAsStringAsync());
        }
    }

    public static async Task<JsonObject> ActivateAsync(this HttpClient client, int version, DateTime? from = null)
    {
        var response = await client.PostAsJsonAsync($"/api/qualification/definitions/{version}/activate", new { activeFrom = from });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadObjectAsync();
    }

    /// <summary>The active definition's version, after drafting, signing and activating the example contract if none is active.</summary>
    public static async Task<int> EnsureActiveAsync(this HttpClient client)
    {
        var active = await client.GetAsync("/api/qualification/definitions/active");
        if (active.IsSuccessStatusCode)
        {
            return (await active.ReadObjectAsync())["version"]!.GetValue<int>();
        }

        var version = await client.DraftAsync(Document());
        await client.SignBothAsync(version);
        await client.ActivateAsync(version);
        return version;
    }

    /// <summary>A decision-maker at a mid-size company, with a unique company domain.</summary>
    public static Task<JsonObject> CreateProspectAsync(this HttpClient client, string? domain = null, string source = "Website", int employees = 250, string title = "VP of Operations") =>
        client.CreateLeadAsync(new
        {
            firstName = "Helena",
            lastName = "Marsh",
            email = $"helena.marsh.{Guid.NewGuid():N}@{domain ?? $"harbor-{Guid.NewGuid():N}.io"}",
            company = "Harbor Logistics",
            title,
            employeeCount = employees,
            source,
        });

    public static async Task<string> RecordActivityAsync(this HttpClient client, string leadId, string type, Dictionary<string, string>? properties = null, DateTime? at = null)
    {
        var response = await client.PostAsJsonAsync("/api/activities", new { leadId, type, occurredAt = at, subject = $"{type} with the buying team", properties });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadObjectAsync())["items"]![0]!["id"]!.GetValue<string>();
    }

    public static async Task<JsonObject> LeadAsync(this HttpClient client, string id) =>
        await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync();

    public static async Task<JsonArray> HistoryAsync(this HttpClient client, string id) =>
        await (await client.GetAsync($"/api/leads/{id}/history")).ReadArrayAsync();

    public static async Task<string> CodeAsync(this HttpResponseMessage response) =>
        Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString()!;

    public static async Task<IReadOnlyList<string>> ErrorFieldsAsync(this HttpResponseMessage response) =>
        [.. Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors").EnumerateObject().Select(p => p.Name)];
}
