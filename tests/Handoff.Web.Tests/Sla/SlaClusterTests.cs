using Handoff.Data;
using Handoff.Leads;
using Handoff.Sla;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Sla;

/// <summary>Three app nodes on one PostgreSQL database, each on a clock the test moves, sweeping by hand.</summary>
public sealed class SlaClusterFixture : IAsyncLifetime
{
    public PostgresCluster Cluster { get; } = new(3, fakeClock: true, configure: node => SlaSettings.ManualWorkers(node.Settings));

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}

public sealed class SlaClusterTests(SlaClusterFixture fixture) : IClassFixture<SlaClusterFixture>
{
    private const int Leads = 30;

    [Fact]
    public async Task EveryBreach_EscalatesExactlyOnce_WhenThreeNodesSweepAtTheSameTime()
    {
        var nodes = fixture.Cluster.Nodes;
        var (_, manager, reps) = await nodes[0].CreateTeamAsync(2);
        var source = $"Trade show {Guid.NewGuid().ToString("N")[..8]}";
        var key = $"cluster-{Guid.NewGuid().ToString("N")[..10]}";
        await nodes[0].Admin().CreatePolicyAsync(new
        {
            key,
            name = "Trade show: first touch within 10 minutes",
            order = 1,
            target = "FirstTouch",
            durationMinutes = 10,
            conditions = new[] { new { field = "source", op = "eq", value = source } },
            escalation = new object[]
            {
                new { action = "NotifyOwner", afterMinutes = 0 },
                new { action = "NotifyManager", afterMinutes = 0 },
                new { action = "Reassign", afterMinutes = 5, to = "Queue" },
            },
        });

        // Leads captured and assigned through all three nodes at once.
        var ids = await Task.WhenAll(Enumerable.Range(0, Leads).Select(async i =>
        {
            var client = nodes[i % nodes.Count].Admin();
            var id = (await client.CreateSourcedLeadAsync(source)).Id();
            await nodes[(i + 1) % nodes.Count].Admin().AssignAsync(id, reps[i % reps.Count]);
            return Guid.Parse(id);
        }));

        fixture.Cluster.Advance(TimeSpan.FromMinutes(11));
        var first = await SweepEverywhereAsync(nodes);
        fixture.Cluster.Advance(TimeSpan.FromMinutes(5));
        var second = await SweepEverywhereAsync(nodes);

        Assert.Equal(Leads * 2, first.Sum(r => r.Escalations));
        Assert.Equal(Leads, second.Sum(r => r.Escalations));
        await using var scope = nodes[2].Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var rungs = await db.AuditEntries.Where(a => ids.Contains(a.LeadId) && a.Action == "sla-escalated")
            .GroupBy(a => a.LeadId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(Leads, rungs.Count);
        Assert.All(rungs, count => Assert.Equal(3, count));
        var ownerNotes = await db.Notifications.Where(n => n.LeadId != null && ids.Contains(n.LeadId.Value) && n.Kind == "sla.breached").CountAsync();
        var managerNotes = await db.Notifications.Where(n => n.UserId == manager && n.LeadId != null && ids.Contains(n.LeadId.Value)).CountAsync();
        Assert.Equal(Leads, ownerNotes);
        Assert.Equal(Leads, managerNotes);
        var owners = await db.Leads.Where(l => ids.Contains(l.Id)).Select(l => l.OwnerKind).ToListAsync();
        Assert.All(owners, kind => Assert.Equal(OwnerKind.Queue, kind));
        var reassignments = await db.Assignments.CountAsync(a => ids.Contains(a.LeadId) && a.Sequence != null && a.ActorId == "sla:" + key);
        Assert.Equal(Leads, reassignments);
    }

    /// <summary>Every node sweeps three times, all at once.</summary>
    private static async Task<SweepResult[]> SweepEverywhereAsync(IReadOnlyList<PostgresApp> nodes) =>
        await Task.WhenAll(nodes.SelectMany(node => Enumerable.Range(0, 3).Select(async _ =>
        {
            await Task.Yield();
            return await node.Services.GetRequiredService<SlaSweepWorker>().SweepOnceAsync(CancellationToken.None);
        })));
}
