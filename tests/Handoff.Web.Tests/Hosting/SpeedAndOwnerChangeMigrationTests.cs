using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Scoring;
using Handoff.Web.Tests.Sla;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Hosting;

/// <summary>
/// The migration that moved speed to lead onto the lead and made an owner change one row (its assignment) keeps what a
/// database recorded before it: the speed moments of <c>lead_speeds</c>, and each <c>owner-changed</c> history entry,
/// which becomes its assignment's and shows once in the history. Its own app: it takes the schema back a step.
/// </summary>
public abstract class SpeedAndOwnerChangeMigrationTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private const string Before = "LongerDescription";

    [Fact]
    public async Task Migration_KeepsSpeedMoments_AndEachOwnerChangeOnce()
    {
        var client = app.Admin();
        var rep = await client.CreateUserAsync();
        var lead = (await client.CreateLeadAsync()).Id();
        var queue = (await (await client.GetAsync($"/api/leads/{lead}")).ReadObjectAsync())["owner"]!["id"]!.GetValue<Guid>();
        var reassigned = await client.PutAsJsonAsync($"/api/leads/{lead}/owner", new { kind = "User", id = rep, note = "by hand" });
        Assert.True(reassigned.IsSuccessStatusCode, await reassigned.Content.ReadAsStringAsync());

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(db.Database.GetMigrations().Single(m => m.EndsWith("_" + Before, StringComparison.Ordinal)));

            // The rows as the schema before kept them: the speed moments in their own table, the owner change twice.
            var changes = $$$"""{"owner":{"from":"queue:{{{queue}}}","to":"user:{{{rep}}}"}}""";
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO lead_speeds (lead_id, captured_at, assigned_at, assigned_user_id, first_touch_at, first_touch_user_id)
                SELECT lead_id, at, at, owner_id, at, owner_id FROM assignments WHERE trigger = 'reassign'
                """);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO audit_entries (id, lead_id, sequence, at, action, actor_kind, actor_id, actor_name, note, changes)
                SELECT id, lead_id, 2, at, 'owner-changed', actor_kind, actor_id, actor_name, 'by hand', {changes} FROM assignments WHERE trigger = 'reassign'
                """);

            await migrator.MigrateAsync();
        }

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var assignment = await db.Assignments.AsNoTracking().SingleAsync(a => a.Trigger == "reassign");
            var stored = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == assignment.LeadId);
            Assert.Equal((assignment.At, rep, assignment.At, rep), (stored.FirstAssignedAt!.Value, stored.FirstAssignedUserId!.Value, stored.FirstTouchAt!.Value, stored.FirstTouchUserId!.Value));
            Assert.Equal((2, new Owner(OwnerKind.Queue, queue), "by hand"), (assignment.Sequence!.Value, assignment.From!.Value, assignment.Note!));
            Assert.False(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.OwnerChanged));
        }

        var history = await (await client.GetAsync($"/api/leads/{lead}/history")).ReadArrayAsync();
        var moved = Assert.Single(history, h => h!["kind"]!.GetValue<string>() == "owner-changed")!;
        Assert.Equal($"queue:{queue}", moved["changes"]!["owner"]!["from"]!.GetValue<string>());
        Assert.Equal("by hand", moved["note"]!.GetValue<string>());
        var speed = await (await client.GetAsync($"/api/leads/{lead}/speed-to-lead")).ReadObjectAsync();
        Assert.Equal(rep, speed["firstTouchUserId"]!.GetValue<Guid>());
    }
}

public sealed class SpeedAndOwnerChangeMigrationTests_Sqlite(QuietRescoreSqliteApp app) : SpeedAndOwnerChangeMigrationTests<QuietRescoreSqliteApp>(app);

public sealed class SpeedAndOwnerChangeMigrationTests_Postgres(QuietRescorePostgresApp app) : SpeedAndOwnerChangeMigrationTests<QuietRescorePostgresApp>(app);
