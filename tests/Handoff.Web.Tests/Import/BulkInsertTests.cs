using System.Data.Common;
using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Import;
using Handoff.Integrations;
using Handoff.Leads;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Import;

/// <summary>The bulk insert of each provider writes exactly the rows EF Core's SaveChanges writes.</summary>
public abstract class BulkInsertTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private static readonly string[] Tables = ["leads", "lead_scores", "stage_changes", "audit_entries", "outbox", "import_row_errors"];

    [Fact]
    public async Task RowsWrittenInBulk_AreTheRowsEfWrites_ColumnByColumn()
    {
        app.Admin();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var queue = await db.Queues.Where(q => q.IsFallback).Select(q => q.Id).FirstAsync();
        var job = ImportJob.Create(Guid.CreateVersion7(), "bulk.csv", Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), 1, [], Actor.System("test"), DateTime.UtcNow);
        db.ImportJobs.Add(job);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        // Every kind of value: text with quotes and non-ASCII, null, int, bool, enums, times with ticks, custom fields.
        var at = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1_234_560); // PostgreSQL keeps microseconds
        var details = new LeadDetails
        {
            FirstName = "Zoë",
            LastName = "O'Brien \"Bee\"",
            Phone = "+33 1 23 45 67 89",
            Company = "Ünïcode Ltd",
            EmployeeCount = 42,
            Description = "line one\nline two",
            Source = "Import",
            EmailConsent = false,
            CustomFields = new Dictionary<string, string> { ["Lead Status"] = "Open", ["日本"] = "東京" },
        }.Normalize();
        var viaEf = Rows(details, queue, at, job.Id);
        var viaBulk = Rows(details, queue, at, job.Id);

        db.Leads.Add(viaEf.Lead);
        db.StageChanges.Add(viaEf.Change);
        db.AuditEntries.Add(viaEf.Audit);
        db.Outbox.Add(viaEf.Event);
        db.ImportRowErrors.Add(viaEf.Error);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var bulk = BulkInsert.For(db);
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            // Leads and their history as imports write them: column values read ahead (BulkValues), then bound.
            var values = new BulkValues(db.Model);
            await bulk.InsertValuesAsync<Lead>([values.Of(viaBulk.Lead)], CancellationToken.None);
            await bulk.InsertValuesAsync<StageChange>([values.Of(viaBulk.Change)], CancellationToken.None);
            await bulk.InsertAsync([viaBulk.Audit], CancellationToken.None);
            await bulk.InsertAsync([viaBulk.Event], CancellationToken.None);
            await bulk.InsertAsync([viaBulk.Error], CancellationToken.None);
            await transaction.CommitAsync();
        }

        // Read back through EF: the same values (ids aside).
        var leads = await db.Leads.AsNoTracking().Where(l => l.Id == viaEf.Lead.Id || l.Id == viaBulk.Lead.Id).ToListAsync();
        Assert.Equal(2, leads.Count);
        Assert.Equal(
            Json(LeadView.From(leads.Single(l => l.Id == viaEf.Lead.Id)) with { Id = Guid.Empty }),
            Json(LeadView.From(leads.Single(l => l.Id == viaBulk.Lead.Id)) with { Id = Guid.Empty }));
        Assert.Equal(at, leads[0].CreatedAt);
        Assert.Equal(DateTimeKind.Utc, leads[1].CreatedAt.Kind);
        var history = await db.StageChanges.AsNoTracking().Where(c => c.LeadId == viaBulk.Lead.Id).SingleAsync();
        Assert.Equal(viaBulk.Change.Id, history.Id);
        Assert.Equal(ActorKind.Integration, history.ActorKind);

        // And raw: every column stored in the same form (on SQLite, the same storage class and text).
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        var ids = new Dictionary<Guid, string>
        {
            [viaEf.Lead.Id] = "lead", [viaBulk.Lead.Id] = "lead",
            [viaEf.Change.Id] = "change", [viaBulk.Change.Id] = "change",
            [viaEf.Audit.Id] = "audit", [viaBulk.Audit.Id] = "audit",
            [viaEf.Event.Id] = "event", [viaBulk.Event.Id] = "event",
            [viaEf.Error.Id] = "error", [viaBulk.Error.Id] = "error",
        };
        (Guid Ef, Guid Bulk)[] pairs =
        [
            (viaEf.Lead.Id, viaBulk.Lead.Id), (viaEf.Lead.Id, viaBulk.Lead.Id), (viaEf.Change.Id, viaBulk.Change.Id), (viaEf.Audit.Id, viaBulk.Audit.Id),
            (viaEf.Event.Id, viaBulk.Event.Id), (viaEf.Error.Id, viaBulk.Error.Id),
        ];
        foreach (var (table, (ef, bulkId)) in Tables.Zip(pairs))
        {
            var expected = await RawAsync(connection, app.Provider, table, ef, ids);
            var actual = await RawAsync(connection, app.Provider, table, bulkId, ids);
            Assert.Equal(expected, actual);
        }
    }

    private static (Lead Lead, StageChange Change, AuditEntry Audit, OutboxMessage Event, ImportRowError Error) Rows(LeadDetails details, Guid queue, DateTime at, Guid jobId)
    {
        var (lead, created) = Lead.Capture(details, new Owner(OwnerKind.Queue, queue), new Actor(ActorKind.Integration, "import:test", "Import test"), at);
        var audit = lead.Update(lead.MergedWith(details with { Title = "CTO" }), new Actor(ActorKind.Integration, "import:test", "Import test"), at)!;
        var error = ImportRowError.Create(jobId, 7, 9, "Email", "must be an email address such as name@acme-corp.io", "=1+2");
        return (lead, created, audit, LeadEvents.CreatedMessage(lead, at), error);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    /// <summary>The row as stored: each column's value and type, with the ids of the two rows made alike.</summary>
    private static async Task<Dictionary<string, string>> RawAsync(DbConnection connection, DatabaseProvider provider, string table, Guid id, Dictionary<Guid, string> ids)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\" WHERE id = @id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = provider == DatabaseProvider.Sqlite ? id.ToString().ToUpperInvariant() : id;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"{table} has no row {id}");
        var row = new Dictionary<string, string>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var value = reader.GetValue(i);
            var text = value switch
            {
                Guid g => ids.TryGetValue(g, out var alias) ? alias : g.ToString(),
                DateTime d => d.ToString("O"),
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            };
            foreach (var (known, alias) in ids)
            {
                // Aliased with the case they are stored in, so that "01A2..." and "01a2..." stay different.
                text = text.Replace(known.ToString().ToUpperInvariant(), alias + "(upper)", StringComparison.Ordinal)
                    .Replace(known.ToString(), alias + "(lower)", StringComparison.Ordinal);
            }

            row[reader.GetName(i)] = $"{value.GetType().Name}:{text}";
        }

        return row;
    }
}

public sealed class BulkInsertTests_Sqlite(SqliteApp app) : BulkInsertTests<SqliteApp>(app);

public sealed class BulkInsertTests_Postgres(PostgresApp app) : BulkInsertTests<PostgresApp>(app);
