using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Capture;

/// <summary>
/// A touch recorded while another request changes the same lead (between the touch's read of the lead and its save) is
/// recorded once, on the lead as it is then; a lead that keeps changing gets a 409, and nothing is written. PostgreSQL
/// only: on SQLite writers take turns, so no other request can change the lead in between.
/// </summary>
public sealed class ActivityConflictTests(ActivityConflictTests.App app) : IClassFixture<ActivityConflictTests.App>
{
    [Fact]
    public async Task Touch_OnALeadChangedMeanwhile_IsRecordedOnce()
    {
        var client = app.Admin();
        var lead = Guid.Parse((await client.CreateLeadAsync()).Id());
        app.Plan.Arm(lead, times: 1);

        var response = await client.PostAsJsonAsync("/api/activities", new { type = "Call", leadId = lead, subject = "Intro call", source = "phone" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(0, app.Plan.Remaining);
        Assert.Equal(1, await CallsAsync(lead));
    }

    [Fact]
    public async Task Touch_OnALeadThatKeepsChanging_Is409_AndWritesNothing()
    {
        var client = app.Admin();
        var lead = Guid.Parse((await client.CreateLeadAsync()).Id());
        app.Plan.Arm(lead, times: 100);

        var response = await client.PostAsJsonAsync("/api/activities", new { type = "Call", leadId = lead, subject = "Intro call", source = "phone" });
        app.Plan.Arm(Guid.Empty, times: 0);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("concurrent-change", Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString());
        Assert.Equal(0, await CallsAsync(lead));
    }

    private async Task<int> CallsAsync(Guid lead)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<HandoffDb>().Activities.CountAsync(a => a.LeadId == lead && a.Subject == "Intro call");
    }

    public sealed class App : PostgresApp
    {
        public BumpPlan Plan { get; } = new();

        protected override void ConfigureServices(IServiceCollection services)
        {
            services.AddSingleton(Plan);
            services.AddScoped<ILeadAutomation, VersionBump>();
        }
    }

    /// <summary>Which lead another writer changes, and how many more times.</summary>
    public sealed class BumpPlan
    {
        private readonly Lock _lock = new();
        private Guid _lead;

        public int Remaining { get; private set; }

        public void Arm(Guid lead, int times)
        {
            lock (_lock)
            {
                (_lead, Remaining) = (lead, times);
            }
        }

        public bool Take(Guid lead)
        {
            lock (_lock)
            {
                if (lead != _lead || Remaining == 0)
                {
                    return false;
                }

                Remaining--;
                return true;
            }
        }
    }

    /// <summary>The last step of every lead change: while armed, another connection changes the lead (its version) first.</summary>
    private sealed class VersionBump(BumpPlan plan, IServiceScopeFactory scopes) : ILeadAutomation
    {
        public int Order => 10_000;

        public async Task ApplyAsync(LeadChange change, CancellationToken ct)
        {
            if (!plan.Take(change.Lead.Id))
            {
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await db.Database.ExecuteSqlAsync($"UPDATE leads SET version = version + 1 WHERE id = {change.Lead.Id}", ct);
        }
    }
}
