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
        // Two hand reassignments at the same moment (the app's clock stands still): the old history entries must each go
        // to their own assignment.
        var client = app.Admin();
        var (first, second) = (await client.CreateUserAsync(), await client.CreateUserAsync());
        var lead = (await client.CreateLeadAsync()).Id();
        var queue = (await (await client.GetAsync($"/api/leads/{lead}")).ReadObjectAsync())["owner"]!["id"]!.GetValue<Guid>();
        foreach (var (rep, note) in new[] { (first, "one"), (second, "two") })
        {
            var reassigned = await client.PutAsJsonAsync($"/api/leads/{lead}/owner", new { kind = "User", id = rep, note });
            Assert.True(reassigned.IsSuccessStatusCode, await reassigned.Content.ReadAsStringAsync());
        }

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(db.Database.GetMigrations().Single(m => m.EndsWith("_" + Before, StringComparison.Ordinal)));

            // The rows as the schema before kept them: the speed moments in their own table, each owner change twice.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO lead_speeds (lead_id, captured_at, assigned_at, assigned_user_id, first_touch_at, first_touch_user_id)
                SELECT lead_id, at, at, owner_id, at, owner_id FROM assignments WHERE lower(CAST(owner_id AS TEXT)) = {first.ToString()}
                """);
            foreach (var (sequence, from, to, note) in new[] { (2, $"queue:{queue}", first, "one"), (3, $"user:{first}", second, "two") })
            {
                var changes = $$$"""{"owner":{"from":"{{{from}}}","to":"user:{{{to}}}"}}""";
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO audit_entries (id, lead_id, sequence, at, action, actor_kind, actor_id, actor_name, note, changes)
                    SELECT id, lead_id, {sequence}, at, 'owner-changed', actor_kind, actor_id, actor_name, {note}, {changes}
                    FROM assignments WHERE lower(CAST(owner_id AS TEXT)) = {to.ToString()}
                    """);
            }

            await migrator.MigrateAsync();
        }

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var assignments = await db.Assignments.AsNoTracking().Where(a => a.Trigger == "reassign").OrderBy(a => a.Sequence).ToListAsync();
            Assert.Equal(
                [(2, new Owner(OwnerKind.Queue, queue), first, "one"), (3, new Owner(OwnerKind.User, first), second, "two")],
                assignments.Select(a => (a.Sequence!.Value, a.From!.Value, a.OwnerId, a.Note!)));
            var stored = await db.Leads.AsNoTracking().SingleAsync(l => l.Id == assignments[0].LeadId);
            var at = assignments[0].At;
            Assert.Equal((at, first, at, first), (stored.FirstAssignedAt!.Value, stored.FirstAssignedUserId!.Value, stored.FirstTouchAt!.Value, stored.FirstTouchUserId!.Value));
            Assert.False(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.OwnerChanged));
        }

        var history = await (await client.GetAsync($"/api/leads/{lead}/history")).ReadArrayAsync();
        var moves = history.Where(h => h!["kind"]!.GetValue<string>() == "owner-changed").ToList();
        Assert.Equal(
            [($"queue:{queue}", $"user:{first}", "one"), ($"user:{first}", $"user:{second}", "two")],
            moves.Select(m => (m!["changes"]!["owner"]!["from"]!.GetValue<string>(), m["changes"]!["owner"]!["to"]!.GetValue<string>(), m["note"]!.GetValue<string>())));
        var speed = await (await client.GetAsync($"/api/leads/{lead}/speed-to-lead")).ReadObjectAsync();
        Assert.Equal(first, speed["firstTouchUserId"]!.GetValue<Guid>());
    }
}

public sealed class SpeedAndOwnerChangeMigrationTests_Sqlite(QuietRescoreSqliteApp app) : SpeedAndOwnerChangeMigrationTests<QuietRescoreSqliteApp>(app);

public sealed class SpeedAndOwnerChangeMigrationTests_Postgres(QuietRescorePostgresApp app) : SpeedAndOwnerChangeMigrationTests<QuietRescorePostgresApp>(app);
