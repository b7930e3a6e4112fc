using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Handoff.Bench.Load;

/// <summary>
/// For <c>--route-team N</c>: N reps in one team, and a rule set that routes every lead to that team by round robin
/// at capture, made through the API (the key must be an admin key).
/// </summary>
internal static class RoutingSetup
{
    private static readonly string[] Names =
        ["Maya Patel", "Lucas Schneider", "Amara Okafor", "Jonas Lindqvist", "Priya Raman", "Mateo Alvarez", "Ingrid Novak", "Kofi Mensah", "Elena Moreau", "Tobias Fischer"];

    public static async Task RouteAtCaptureAsync(HttpClient client, int size)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var team = await CreateAsync(client, "api/teams", new { name = $"Load pod {run}" });
        for (var i = 0; i < size; i++)
        {
            var name = Names[i % Names.Length];
            var user = await CreateAsync(client, "api/users", new { email = $"{name.Replace(' ', '.').ToLowerInvariant()}.{run}.{i}@northwind-traders.io", name, role = "Sdr" });
            (await client.PutAsJsonAsync($"api/teams/{team}/members/{user}", new { weight = 1 })).EnsureSuccessStatusCode();
        }

        var rules = new { routeAt = "Capture", rules = new[] { new { name = "Everyone", conditions = Array.Empty<object>(), target = new { kind = "Team", id = team, strategy = "RoundRobin" } } } };
        var saved = await client.PutAsJsonAsync("api/routing/rules", rules);
        if (!saved.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"saving the routing rules: {(int)saved.StatusCode} {await saved.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<string> CreateAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }

        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }
}
