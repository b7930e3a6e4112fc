using System.Data.Common;
using System.Text.RegularExpressions;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Hosting;

/// <summary>
/// One index on leads' email key does two jobs (see LeadConfiguration): the database itself keeps one open lead per
/// email, whatever the code above it checks first, and lookups by email in any stage use it. It is made in SQL by a
/// migration (EF Core cannot model an index on an expression), so these tests hold it to the stage rules.
/// </summary>
public abstract partial class EmailKeyIndexTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task TheDatabase_KeepsOneOpenLeadPerEmail_AndClosedLeadsNeverCollide()
    {
        var client = app.Admin();
        var t = Guid.NewGuid().ToString("N")[..10];
        var first = Guid.Parse((await client.CreateLeadAsync(new { email = $"ana@lima-{t}.io" })).Id());
        var second = Guid.Parse((await client.CreateLeadAsync(new { email = $"bo@lima-{t}.io" })).Id());
        var third = Guid.Parse((await client.CreateLeadAsync(new { email = $"cy@lima-{t}.io" })).Id());

        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var key = await db.Leads.Where(l => l.Id == first).Select(l => l.EmailKey).SingleAsync();
        Task<int> SetKey(Guid id) => db.Leads.Where(l => l.Id == id).ExecuteUpdateAsync(s => s.SetProperty(l => l.EmailKey, key));
        Task<int> SetStage(Guid id, LeadStage stage) => db.Leads.Where(l => l.Id == id).ExecuteUpdateAsync(s => s.SetProperty(l => l.Stage, stage));

        // Two open leads with one email: refused, naming the email key (LeadChanges tells this conflict by that name).
        var refused = await Assert.ThrowsAnyAsync<DbException>(() => SetKey(second));
        Assert.Contains("email_key", refused.Message, StringComparison.Ordinal);

        // Closed leads share an email with each other and with one open lead.
        await SetStage(first, LeadStage.Lost);
        Assert.Equal(1, await SetKey(second));
        await SetStage(third, LeadStage.Disqualified);
        Assert.Equal(1, await SetKey(third));
        Assert.Equal(3, await db.Leads.CountAsync(l => l.EmailKey == key));

        // Reopening one of them while another is open: refused again.
        await Assert.ThrowsAnyAsync<DbException>(() => SetStage(first, LeadStage.Nurture));
        await SetStage(second, LeadStage.Disqualified);
        Assert.Equal(1, await SetStage(first, LeadStage.Nurture));
    }

    [Fact]
    public async Task TheIndex_ListsExactlyTheOpenStages()
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var definition = db.IsSqlite
            ? await db.Database.SqlQueryRaw<string>("SELECT sql AS \"Value\" FROM sqlite_master WHERE name = 'ix_leads_email_key'").SingleAsync()
            : await db.Database.SqlQueryRaw<string>("SELECT indexdef AS \"Value\" FROM pg_indexes WHERE indexname = 'ix_leads_email_key'").SingleAsync();

        Assert.Contains("UNIQUE", definition, StringComparison.OrdinalIgnoreCase);
        var stages = Quoted().Matches(definition).Select(m => m.Groups[1].Value).Order().ToList();
        Assert.Equal(Enum.GetValues<LeadStage>().Where(StageRules.IsOpen).Select(s => s.ToString()).Order(), stages);
    }

    [Fact]
    public async Task ALookupByEmail_UsesTheIndex()
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        const string Lookup = "SELECT id FROM leads WHERE email_key = 'someone@example.com'";
        var plan = new List<string>();

        // The transaction (not an opened connection, which the pooled context would keep) holds the connection for the
        // SET LOCAL: PostgreSQL would rightly scan the test's small table; the question is whether the index can serve.
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = transaction.GetDbTransaction();
            command.CommandText = db.IsSqlite ? "EXPLAIN QUERY PLAN " + Lookup : "SET LOCAL enable_seqscan = off; EXPLAIN " + Lookup;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(reader.FieldCount - 1));
            }
        }

        Assert.Contains(plan, line => line.Contains("ix_leads_email_key", StringComparison.Ordinal));
    }

    [GeneratedRegex("'([A-Za-z]+)'")]
    private static partial Regex Quoted();
}

public sealed class EmailKeyIndexTests_Sqlite(SqliteApp app) : EmailKeyIndexTests<SqliteApp>(app);

public sealed class EmailKeyIndexTests_Postgres(PostgresApp app) : EmailKeyIndexTests<PostgresApp>(app);
