using Handoff.Activities;
using Handoff.Data;
using Handoff.Web.Tests.Import;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Scoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Hosting;

/// <summary>
/// An imported row's touch was a form submit before it became a touch of its own kind: the migration turns the touches
/// imports recorded into <c>Import</c> and leaves real form submits alone (and back again when taken down). Its own
/// app: it takes the schema back a step.
/// </summary>
public abstract class ImportTouchMigrationTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private const string Before = "SpeedOnLeadOwnerChangeOnAssignment";

    [Fact]
    public async Task Migration_TurnsImportTouchesIntoImport_AndLeavesFormSubmitsAlone()
    {
        var client = app.Admin();
        var t = Guid.NewGuid().ToString("N")[..10];
        var captured = (await client.CreateLeadAsync(new { firstName = "Nina", lastName = "Cole", email = $"nina@cole-{t}.io", company = "Cole" })).Id();
        var job = await client.CompletedImportAsync($"First Name,Last Name,Email,Company\nOmar,Vale,omar@vale-{t}.io,Vale\n");
        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        var imported = (await client.LeadByEmailAsync($"omar@vale-{t}.io")).Id();

        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        Task<ActivityType> TypeOf(string lead) => db.Activities.AsNoTracking().Where(a => a.LeadId == Guid.Parse(lead)).Select(a => a.Type).SingleAsync();
        Assert.Equal((ActivityType.FormSubmit, ActivityType.Import), (await TypeOf(captured), await TypeOf(imported)));

        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(db.Database.GetMigrations().Single(m => m.EndsWith("_" + Before, StringComparison.Ordinal)));
        Assert.Equal((ActivityType.FormSubmit, ActivityType.FormSubmit), (await TypeOf(captured), await TypeOf(imported)));

        await migrator.MigrateAsync();
        Assert.Equal((ActivityType.FormSubmit, ActivityType.Import), (await TypeOf(captured), await TypeOf(imported)));
    }
}

public sealed class ImportTouchMigrationTests_Sqlite(QuietRescoreSqliteApp app) : ImportTouchMigrationTests<QuietRescoreSqliteApp>(app);

public sealed class ImportTouchMigrationTests_Postgres(QuietRescorePostgresApp app) : ImportTouchMigrationTests<QuietRescorePostgresApp>(app);
