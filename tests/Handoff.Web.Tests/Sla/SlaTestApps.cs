using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Data;
using Handoff.Teams;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Sla;

/// <summary>SQLite on a moved clock, with the background sweep and delivery off: tests sweep and deliver by hand.</summary>
public class SlaSqliteApp : ClockedSqliteApp
{
    public SlaSqliteApp() => SlaSettings.ManualWorkers(Settings);
}

/// <summary>PostgreSQL on a moved clock, with the background sweep and delivery off.</summary>
public class SlaPostgresApp : ClockedPostgresApp
{
    public SlaPostgresApp() => SlaSettings.ManualWorkers(Settings);
}

/// <summary>A second app on the database of a running one (a restarted node): nothing in memory carries over.</summary>
public sealed class SameDatabaseApp : HandoffApp
{
    private readonly string _connectionString;

    public SameDatabaseApp(HandoffApp running)
    {
        Provider = running.Provider;
        _connectionString = running.Services.GetRequiredService<IConfiguration>()["ConnectionStrings:Handoff"]!;
        UsesFakeClock = true;
        Clock.SetUtcNow(running.Clock.GetUtcNow());
        SlaSettings.ManualWorkers(Settings);
    }

    public override DatabaseProvider Provider { get; }

    protected override string ConnectionString => _connectionString;
}

public static class SlaSettings
{
    public static void ManualWorkers(Dictionary<string, string> settings)
    {
        settings["Handoff:Sla:SeedDefaults"] = "true";
        settings["Handoff:Sla:SweepEnabled"] = "false";
        settings["Handoff:Delivery:Enabled"] = "false";
        settings["Handoff:Sla:PolicyCacheSeconds"] = "0";
    }
}

/// <summary>Helpers for service-level tests: people, policies, leads.</summary>
public static class SlaHelpers
{
    private static readonly string[] FirstNames = ["Marta", "Jonas", "Priya", "Tomas", "Ingrid", "Kwame", "Lucia", "Henrik", "Amara", "Dmitri"];
    private static readonly string[] LastNames = ["Keller", "Novak", "Iyer", "Berg", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Castillo", "Fischer"];

    public static string PersonName() =>
        $"{FirstNames[Random.Shared.Next(FirstNames.Length)]} {LastNames[Random.Shared.Next(LastNames.Length)]}";

    public static async Task<Guid> CreateUserAsync(this HttpClient client, Guid? teamId = null, string role = "Sdr")
    {
        var name = PersonName();
        var email = $"{name.Replace(' ', '.').ToLowerInvariant()}.{Guid.NewGuid().ToString("N")[..6]}@northwind-trading.io";
        var response = await client.PostAsJsonAsync("/api/users", new { email, name, role, teamId });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["id"]!.GetValue<Guid>();
    }

    /// <summary>A team with a manager and <paramref name="members"/> reps; returns (manager, reps by name order).</summary>
    public static async Task<(Guid Team, Guid Manager, List<Guid> Reps)> CreateTeamAsync(this HandoffApp app, int members)
    {
        var client = app.Admin();
        Guid teamId;
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var team = Team.Create($"Inbound SDR {Guid.NewGuid().ToString("N")[..8]}");
            db.Teams.Add(team);
            await db.SaveChangesAsync();
            teamId = team.Id;
        }

        var manager = await client.CreateUserAsync(null, "Manager");
        var reps = new List<Guid>();
        for (var i = 0; i < members; i++)
        {
            reps.Add(await client.CreateUserAsync(teamId));
        }

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var team = await db.Teams.FindAsync(teamId);
            team!.SetManager(manager);
            await db.SaveChangesAsync();
            var ordered = db.Users.Where(u => u.TeamId == teamId).OrderBy(u => u.Name).ThenBy(u => u.Id).Select(u => u.Id).ToList();
            return (teamId, manager, ordered);
        }
    }

    public static async Task<JsonObject> CreatePolicyAsync(this HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/sla/policies", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public static Task<JsonObject> CreateSourcedLeadAsync(this HttpClient client, string source) =>
        client.CreateLeadAsync(new
        {
            firstName = "Solveig",
            lastName = "Arnesen",
            email = $"solveig.arnesen.{Guid.NewGuid():N}@fjord-logistics.no",
            company = "Fjord Logistics",
            source,
        });

    public static async Task AssignAsync(this HttpClient client, string leadId, Guid userId)
    {
        var response = await client.PutAsJsonAsync($"/api/leads/{leadId}/owner", new { kind = "User", id = userId });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonArray> ClocksAsync(this HttpClient client, string leadId) =>
        await (await client.GetAsync($"/api/leads/{leadId}/sla")).ReadArrayAsync();

    public static async Task<JsonArray> NotificationsAsync(this HttpClient client, Guid userId) =>
        await (await client.GetAsync($"/api/notifications?userId={userId}&limit=500")).ReadArrayAsync();

    public static async Task<JsonArray> HistoryAsync(this HttpClient client, string leadId) =>
        await (await client.GetAsync($"/api/leads/{leadId}/history")).ReadArrayAsync();
}
