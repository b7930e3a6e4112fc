using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Qualification;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Qualification;

/// <summary>Three app nodes on one PostgreSQL database: leads wake once, and one company converted on every node at once gets one account.</summary>
public sealed class QualificationClusterTests : IAsyncLifetime
{
    private readonly PostgresCluster _cluster = new(size: 3, fakeClock: true);

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task EveryNodeWakingAtOnce_WakesEachLeadExactlyOnce()
    {
        var client = _cluster.Nodes[0].Admin();
        await client.EnsureActiveAsync();
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var id = (await client.CreateProspectAsync()).Id();
            await client.RecordActivityAsync(id, "Meeting");
            await client.PostAsJsonAsync($"/api/leads/{id}/accept", new { });
            var recycled = await client.PostAsJsonAsync($"/api/leads/{id}/recycle", new { reason = "wrong-timing" });
            Assert.Equal(HttpStatusCode.OK, recycled.StatusCode);
            ids.Add(id);
        }

        _cluster.Advance(TimeSpan.FromDays(91));
        var passes = await Task.WhenAll(_cluster.Nodes.SelectMany(node => Enumerable.Range(0, 2).Select(async _ =>
        {
            await using var scope = node.Scope();
            return await scope.ServiceProvider.GetRequiredService<WakeSleepingLeads>().RunOnceAsync(100, CancellationToken.None);
        })));

        Assert.Equal(ids.Count, passes.Sum());
        await using var check = _cluster.Nodes[1].Scope();
        var db = check.ServiceProvider.GetRequiredService<HandoffDb>();
        var leadIds = ids.Select(Guid.Parse).ToList();
        Assert.Equal(ids.Count, await db.StageChanges.CountAsync(c => leadIds.Contains(c.LeadId) && c.From == LeadStage.Nurture));
        Assert.All(await db.Leads.Where(l => leadIds.Contains(l.Id)).ToListAsync(), l =>
        {
            Assert.Equal(LeadStage.MQL, l.Stage);
            Assert.Equal(1, l.RecycleCount);
        });
    }

    [Fact]
    public async Task OneCompanyConvertedOnEveryNodeAtOnce_GetsOneAccount()
    {
        var client = _cluster.Nodes[0].Admin();
        var domain = $"larch-{Guid.NewGuid():N}.at";
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var lead = await client.CreateLeadAsync(new { firstName = "Anton", lastName = "Berger", email = $"anton.berger.{Guid.NewGuid():N}@{domain}", company = "Larch Holz", title = "Managing Director" });
            Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(lead.Id(), new { to = "SQL" })).StatusCode);
            ids.Add(lead.Id());
        }

        var responses = await Task.WhenAll(ids.Select((id, i) => _cluster.Nodes[i % 3].Admin().PostAsJsonAsync($"/api/leads/{id}/convert", new { })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        await using var scope = _cluster.Nodes[2].Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        Assert.Equal(1, await db.Accounts.CountAsync(a => a.Domain == domain));
        var account = await db.Accounts.SingleAsync(a => a.Domain == domain);
        Assert.Equal(ids.Count, await db.Opportunities.CountAsync(o => o.AccountId == account.Id));
    }
}
