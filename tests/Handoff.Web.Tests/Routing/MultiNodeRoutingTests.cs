using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Routing;

/// <summary>
/// Three app nodes on one PostgreSQL database capture leads at the same time: each lead is assigned exactly once, and
/// equal-weight round robin stays even. <c>HANDOFF_MULTINODE_LEADS</c> sets how many leads (default 10,000, as the issue asks).
/// </summary>
public sealed class MultiNodeRoutingTests : IAsyncLifetime
{
    private readonly PostgresCluster _cluster = new(size: 3);

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    private static int LeadCount =>
        int.TryParse(Environment.GetEnvironmentVariable("HANDOFF_MULTINODE_LEADS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10_000;

    [Fact]
    public async Task LeadsCapturedConcurrentlyOnThreeNodes_AreEachAssignedOnce_AndRoundRobinStaysEven()
    {
        var admin = _cluster.Nodes[0].Admin();
        var team = await admin.TeamAsync("Inbound pod");
        var members = new List<string>();
        foreach (var name in new[] { "Maya Patel", "Lucas Schneider", "Amara Okafor", "Jonas Lindqvist", "Priya Raman" })
        {
            var user = await admin.UserAsync(name);
            await admin.MemberAsync(team, user);
            members.Add(user);
        }

        await admin.RulesAsync(RoutingSetup.Everything(RoutingSetup.Team(team)));

        var clients = _cluster.Nodes.Select(n => n.Admin()).ToArray();
        var failures = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, LeadCount), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, ct) =>
        {
            var response = await clients[i % clients.Length].PostAsJsonAsync("/api/leads", RoutingSetup.Person(), ct);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);

        await using var scope = _cluster.Nodes[0].Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var perLead = await db.Assignments.GroupBy(a => a.LeadId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(LeadCount, perLead.Count);
        Assert.All(perLead, count => Assert.Equal(1, count));

        var ids = members.Select(Guid.Parse).ToList();
        var owned = await db.Leads.Where(l => l.OwnerKind == OwnerKind.User && ids.Contains(l.OwnerId))
            .GroupBy(l => l.OwnerId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(members.Count, owned.Count);
        Assert.Equal(LeadCount, owned.Sum());
        Assert.True(owned.Max() - owned.Min() <= 1, $"round robin spread: {string.Join(", ", owned)}");
    }
}
