using System.Diagnostics;
using System.Globalization;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Sla;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Handoff.Bench.Sla;

/// <summary>
/// The SLA sweep over many open clocks: bulk-loads N leads each with a running clock (D of them past due), then times
/// the sweep's due-clock query (the index lookup every node runs every second) and the full sweep of the due ones
/// (claim with a row lock, load, notify the owner, record history, save), which gives the cost per escalation.
/// </summary>
internal static class SlaSweepCommand
{
    public const string Usage = "sla-sweep --provider sqlite|postgres [--connection ADMIN_CONNECTION] [--clocks N] [--due D]";

    public static async Task<int> RunAsync(string[] args)
    {
        var provider = Arg(args, "--provider") ?? "sqlite";
        var clocks = int.Parse(Arg(args, "--clocks") ?? "1000000", CultureInfo.InvariantCulture);
        var due = int.Parse(Arg(args, "--due") ?? "2000", CultureInfo.InvariantCulture);
        var isPostgres = provider.Equals("postgres", StringComparison.OrdinalIgnoreCase);
        var database = $"handoff_bench_sla_{Guid.NewGuid():N}"[..40];
        string connection;
        if (isPostgres)
        {
            var admin = Arg(args, "--connection") ?? Environment.GetEnvironmentVariable("HANDOFF_TEST_POSTGRES")
                ?? throw new InvalidOperationException("postgres needs --connection or HANDOFF_TEST_POSTGRES");
            await Execute(admin, $"CREATE DATABASE {database}");
            connection = new NpgsqlConnectionStringBuilder(admin) { Database = database, CommandTimeout = 600 }.ToString();
        }
        else
        {
            connection = $"Data Source={Path.Combine(Path.GetTempPath(), database + ".db")};Default Timeout=600";
        }

        try
        {
            await RunAsync(isPostgres ? "Postgres" : "Sqlite", connection, clocks, due);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (isPostgres)
            {
                await Execute(Arg(args, "--connection") ?? Environment.GetEnvironmentVariable("HANDOFF_TEST_POSTGRES")!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
            else
            {
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    File.Delete(Path.Combine(Path.GetTempPath(), database + ".db" + suffix));
                }
            }
        }

        return 0;
    }

    private static async Task RunAsync(string provider, string connection, int clockCount, int dueCount)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Handoff:Database:Provider"] = provider,
            ["ConnectionStrings:Handoff"] = connection,
            ["Handoff:DataDirectory"] = Path.GetTempPath(),
            ["Handoff:Sla:SweepBatchSize"] = "500",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddHandoffCore(configuration).BuildServiceProvider();
        var clock = TimeProvider.System;
        var now = clock.GetUtcNow().UtcDateTime;

        SlaPolicy policy;
        Guid[] reps;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await Workspace.PrepareAsync(db, clock, null);
            reps = [.. Enumerable.Range(0, 20).Select(i => User.Create($"rep{i}@bench-northwind.io", $"Bench Rep {(char)('A' + i)}", Role.Sdr, null, now)).Select(u => { db.Users.Add(u); return u.Id; })];
            await db.SaveChangesAsync();
            var created = await scope.ServiceProvider.GetRequiredService<SlaPolicies>().CreateAsync(new SlaPolicyRequest
            {
                Key = "bench-first-touch", Name = "Bench: first touch within 60 minutes", Target = SlaTarget.FirstTouch, DurationMinutes = 60,
                Escalation = [new EscalationStep { Action = EscalationAction.NotifyOwner }],
            }, Actor.System("bench"), default);
            policy = await db.SlaPolicies.AsNoTracking().FirstAsync(p => p.Id == created.Value!.Id);
        }

        // Leads and clocks in bulk (COPY on PostgreSQL, prepared batches on SQLite), 50,000 at a time.
        var load = Stopwatch.StartNew();
        const int Batch = 50_000;
        for (var offset = 0; offset < clockCount; offset += Batch)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var size = Math.Min(Batch, clockCount - offset);
            var leads = new List<Lead>(size);
            var rows = new List<SlaClock>(size);
            for (var i = 0; i < size; i++)
            {
                var n = offset + i;
                var (lead, _) = Lead.Capture(
                    new LeadDetails { FirstName = "Lena", LastName = "Sorensen", Email = $"lena.sorensen.{n}@bench-fjord.io", Company = "Fjord Bench", Source = "Bench" },
                    new Owner(OwnerKind.User, reps[n % reps.Length]), Actor.System("bench"), now);
                leads.Add(lead);

                // The first D clocks are an hour overdue; the rest are spread over the next 60 minutes.
                var started = n < dueCount ? now.AddMinutes(-120) : now.AddSeconds(-(n % 3600) / 2.0);
                rows.Add(SlaClock.Start(policy, lead, started, started.AddMinutes(45), started.AddMinutes(60)));
            }

            var bulk = Import.BulkInsert.For(db);
            await using var transaction = await db.Database.BeginTransactionAsync();
            await bulk.InsertAsync(leads, default);
            await bulk.InsertAsync(rows, default);
            await transaction.CommitAsync();
        }

        load.Stop();
        Console.WriteLine($"provider {provider}: {clockCount:N0} open clocks ({dueCount:N0} due) loaded in {load.Elapsed.TotalSeconds:F1} s");

        // The due-clock query, as every node runs it every second.
        var findTimes = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var at = clock.GetUtcNow().UtcDateTime;
            var started = Stopwatch.GetTimestamp();
            var found = await db.SlaClocks.AsNoTracking().Where(c => c.NextCheckAt != null && c.NextCheckAt <= at)
                .OrderBy(c => c.NextCheckAt).Take(500).Select(c => c.Id).ToListAsync();
            if (i > 0)
            {
                findTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        findTimes.Sort();
        if (provider == "Postgres")
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await db.Database.ExecuteSqlRawAsync("ANALYZE sla_clocks");
            var at = clock.GetUtcNow().UtcDateTime;
            await using var connectionToExplain = new NpgsqlConnection(db.Database.GetConnectionString());
            await connectionToExplain.OpenAsync();

            // The SQL EF Core sends for the sweep's due-clock query.
            await using var command = new NpgsqlCommand(
                "EXPLAIN (ANALYZE) SELECT s.id FROM sla_clocks AS s WHERE s.next_check_at IS NOT NULL AND s.next_check_at <= $1 ORDER BY s.next_check_at LIMIT 500",
                connectionToExplain);
            command.Parameters.AddWithValue(at);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                Console.WriteLine("  plan: " + reader.GetString(0));
            }
        }

        Console.WriteLine($"find due clocks (500 of {clockCount:N0}): median {findTimes[findTimes.Count / 2]:F2} ms, max {findTimes[^1]:F2} ms");

        // The sweep of everything due: claim, escalate once, record, save.
        var sweep = Stopwatch.StartNew();
        int escalations = 0, rounds = 0;
        while (true)
        {
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<SlaSweep>().RunOnceAsync(default);
            rounds++;
            escalations += result.Escalations;
            if (result.Due == 0 || rounds > 1000)
            {
                break;
            }
        }

        sweep.Stop();
        Console.WriteLine($"sweep: {escalations:N0} escalations in {sweep.Elapsed.TotalSeconds:F2} s ({rounds} rounds): " +
            $"{sweep.Elapsed.TotalMilliseconds / Math.Max(1, escalations):F2} ms per escalation, {escalations / sweep.Elapsed.TotalSeconds:F0} escalations/s on one node");
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static async Task Execute(string connection, string sql)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync();
    }
}
