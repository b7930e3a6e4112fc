using System.Text.Json;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Capture;

/// <summary>
/// The SQLite capture writer's rows that EF never tracks (<see cref="HandoffDb.Insert"/>): they are written as EF would
/// write them, and EF's own save refuses to run past them.
/// </summary>
public sealed class UntrackedInsertTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task UntrackedRows_AreWrittenByThePreparedStatements_AsEfWouldWriteThem()
    {
        var now = new DateTime(2026, 12, 5, 16, 30, 0, DateTimeKind.Utc);
        var details = new LeadDetails { FirstName = "Ingrid", LastName = "Lindqvist", Email = $"ingrid.{Guid.NewGuid():N}@lindqvist-bygg.se", Company = "Lindqvist Byggnad", EmployeeCount = 240, Country = "Sweden" }.Normalize();
        var (lead, created) = Lead.Capture(details, new Owner(OwnerKind.Queue, Guid.NewGuid()), Actor.System("test"), now);
        var touch = Activity.Record(lead.Id, ActivityType.DemoRequest, now, now, url: "https://lindqvist-bygg.se/demo", properties: new() { ["utm_term"] = "crm" });

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await db.Database.OpenConnectionAsync();
            using var prepared = new PreparedStatements((SqliteConnection)db.Database.GetDbConnection());
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Untracked = [];
            db.Insert(lead);
            db.Insert(created);
            db.Insert(touch);

            Assert.Equal(3, db.Untracked.Count);
            Assert.Empty(db.ChangeTracker.Entries());

            // Changed after Insert and before the save, as the capture's automations change the new lead: the save writes it so.
            lead.AssignTo(new Owner(OwnerKind.User, Guid.NewGuid()), now);
            await prepared.SaveChangesAsync(db, CancellationToken.None);
            Assert.Empty(db.Untracked);
            await transaction.CommitAsync();
            db.Untracked = null;
        }

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var stored = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == lead.Id);
            Assert.Equal(JsonSerializer.Serialize(LeadView.From(lead), LeadEventJson.Default.LeadView), JsonSerializer.Serialize(LeadView.From(stored), LeadEventJson.Default.LeadView));
            Assert.Equal(lead.Owner, stored.Owner);
            var history = await db.StageChanges.AsNoTracking().SingleAsync(s => s.LeadId == lead.Id);
            Assert.Equal((created.Id, LeadStage.New, now), (history.Id, history.To, history.At));
            var storedTouch = await db.Activities.AsNoTracking().SingleAsync(a => a.LeadId == lead.Id);
            Assert.Equal((ActivityType.DemoRequest, "https://lindqvist-bygg.se/demo", "crm"), (storedTouch.Type, storedTouch.Url, storedTouch.Properties["utm_term"]));
        }
    }

    [Fact]
    public async Task EfsOwnSave_RefusesToRun_WhileUntrackedRowsWait()
    {
        var now = DateTime.UtcNow;
        var (lead, _) = Lead.Capture(new LeadDetails { LastName = "Okafor", Email = $"amara.{Guid.NewGuid():N}@okafor-logistics.ng" }.Normalize(), new Owner(OwnerKind.Queue, Guid.NewGuid()), Actor.System("test"), now);

        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        db.Untracked = [];
        db.Insert(lead);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        Assert.Contains("untracked rows", refused.Message);
        db.Untracked = null;
        Assert.False(await db.Leads.AnyAsync(l => l.Id == lead.Id));
    }
}
