using Handoff.Data;
using Handoff.Demo;
using Handoff.Leads;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Demo;

/// <summary>The demo workspace is a living system that keeps every lifecycle invariant.</summary>
public abstract class DemoWorkspaceTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task Seed_FillsEveryStage_AndKeepsTheInvariants()
    {
        app.StartServer();
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();

        Assert.True(await DemoWorkspace.SeedAsync(db, TimeProvider.System));
        Assert.False(await DemoWorkspace.SeedAsync(db, TimeProvider.System));

        var leads = await db.Leads.AsNoTracking().ToListAsync();
        Assert.Equal(400, leads.Count);
        var stages = leads.Select(l => l.Stage).Distinct().ToHashSet();
        Assert.Superset(new HashSet<LeadStage> { LeadStage.New, LeadStage.MQL, LeadStage.SAL, LeadStage.SQL, LeadStage.Opportunity, LeadStage.Nurture, LeadStage.Disqualified, LeadStage.Junk }, stages);
        Assert.All(leads.Where(l => l.Stage == LeadStage.Nurture), l => Assert.NotNull(l.WakeAt));
        Assert.All(leads.Where(l => l.Stage is LeadStage.Disqualified or LeadStage.Junk), l => Assert.NotNull(l.StageReason));
        Assert.All(leads, l => Assert.NotEqual(Guid.Empty, l.OwnerId));

        // History explains every lead: its last stage change lands where the lead is, and versions count the changes.
        var changes = await db.StageChanges.AsNoTracking().ToListAsync();
        var audits = await db.AuditEntries.AsNoTracking().Select(a => a.LeadId).ToListAsync();
        var reassignments = await db.Assignments.AsNoTracking().Where(a => a.Sequence != null).Select(a => a.LeadId).ToListAsync();
        foreach (var lead in leads)
        {
            var own = changes.Where(c => c.LeadId == lead.Id).OrderBy(c => c.Sequence).ToList();
            Assert.Equal(lead.Stage, own[^1].To);
            Assert.Equal(lead.Version, own.Count + audits.Count(id => id == lead.Id) + reassignments.Count(id => id == lead.Id));
        }

        Assert.True(await db.Activities.CountAsync() > 300);
        Assert.True(await db.Users.CountAsync() >= 10);
    }
}

public sealed class DemoWorkspaceTests_Sqlite(SqliteApp app) : DemoWorkspaceTests<SqliteApp>(app);

public sealed class DemoWorkspaceTests_Postgres(PostgresApp app) : DemoWorkspaceTests<PostgresApp>(app);
