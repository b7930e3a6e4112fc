using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Routing;

/// <summary>Creating the people, teams and rules routing tests need, over HTTP.</summary>
internal static class RoutingSetup
{
    private static readonly string[] FirstNames = ["Maya", "Lucas", "Amara", "Jonas", "Priya", "Mateo", "Ingrid", "Kofi", "Elena", "Tobias", "Sofia", "Rafael"];
    private static readonly string[] LastNames = ["Patel", "Schneider", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Alvarez", "Novak", "Fischer", "Haddad"];

    public static async Task<string> UserAsync(this HttpClient client, string? name = null, string role = "Sdr")
    {
        name ??= $"{FirstNames[Random.Shared.Next(FirstNames.Length)]} {LastNames[Random.Shared.Next(LastNames.Length)]}";
        var email = $"{name.Replace(' ', '.').ToLowerInvariant()}.{Guid.NewGuid():N}@northwind-traders.io";
        var response = await client.PostAsJsonAsync("/api/users", new { email, name, role });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadObjectAsync())["id"]!.GetValue<string>();
    }

    public static async Task<string> TeamAsync(this HttpClient client, string name = "Inbound SDRs")
    {
        var response = await client.PostAsJsonAsync("/api/teams", new { name = $"{name} {Guid.NewGuid():N}" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadObjectAsync())["id"]!.GetValue<string>();
    }

    public static async Task MemberAsync(this HttpClient client, string team, string user, object? body = null)
    {
        var response = await client.PutAsJsonAsync($"/api/teams/{team}/members/{user}", body ?? new { weight = 1 });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonObject> RulesAsync(this HttpClient client, object body, string purpose = "Lead")
    {
        var response = await client.PutAsJsonAsync($"/api/routing/rules?purpose={purpose}", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadObjectAsync();
    }

    /// <summary>Captures a lead over the API and answers its owner id.</summary>
    public static async Task<JsonObject> CaptureAsync(this HttpClient client, object? body = null) => await client.CreateLeadAsync(body ?? Person());

    public static object Person(string? country = null, int? employees = null, string? domain = null, string? campaign = null) => new
    {
        firstName = FirstNames[Random.Shared.Next(FirstNames.Length)],
        lastName = LastNames[Random.Shared.Next(LastNames.Length)],
        email = $"jordan.{Guid.NewGuid():N}@{domain ?? "contoso-retail.io"}",
        company = "Contoso Retail",
        country,
        employeeCount = employees,
        campaign,
        source = "Website",
    };

    public static string OwnerId(this JsonObject lead) => lead["owner"]!["id"]!.GetValue<string>();

    public static async Task<JsonArray> AssignmentsAsync(this HttpClient client, string leadId)
    {
        var response = await client.GetAsync($"/api/leads/{leadId}/assignments");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadArrayAsync();
    }

    public static object Team(string team, string strategy = "RoundRobin") => new { kind = "Team", id = team, strategy };

    public static object User(string user) => new { kind = "User", id = user };

    public static object Everything(object target, string routeAt = "Capture") =>
        new { routeAt, rules = new[] { new { name = "Everyone", conditions = Array.Empty<object>(), target } } };
}
