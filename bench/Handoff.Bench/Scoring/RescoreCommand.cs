using System.Diagnostics;
using System.Globalization;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Import;
using Handoff.Leads;
using Handoff.Scoring;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Activity = Handoff.Activities.Activity;

namespace Handoff.Bench.Scoring;

/// <summary>
/// Rescore after a model change: generates N leads and M activities (spread over 180 days, interleaved across leads
/// as real traffic is), scores them once with the default model, activates a changed model and times the rescore of
/// every lead. The data is generated once per database and reused by later runs (<c>--fresh</c> regenerates).
/// </summary>
internal static class RescoreCommand
{
    public const string Usage = "rescore --leads N --activities M [--provider sqlite|postgres] [--connection CS] [--file PATH] [--fresh] [--batch LEADS] [--mmap BYTES] [--runs N]";

    private static readonly string[] FirstNames = ["Amara", "Bruno", "Chen", "Dara", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Marta", "Nikhil", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tariq"];
    private static readonly string[] LastNames = ["Okafor", "Farias", "Wei", "Quinn", "Petrova", "Haddad", "Larsen", "Tanaka", "Moreau", "Berg", "Mensah", "Vogel", "Kowalski", "Rao", "Ivanova", "Raman", "Dubois", "Silva", "Lind", "Aziz"];
    private static readonly string[] Domains = ["baltic-freight.eu", "lagos-logistics.ng", "suzhou-precision.cn", "lyon-optics.fr", "nordic-kitchens.se", "recife-textiles.br", "gmail.com", "chennai-robotics.in", "galway-crafts.ie", "outlook.com"];
    private static readonly string[] Titles = ["VP of Sales", "Marketing Manager", "Director of Operations", "Software Engineer", "CEO", "Graduate student", "Head of Growth", "Account Executive"];
    private static readonly string[] Urls = ["/pricing", "/blog/speed-to-lead", "/blog/crm-hygiene", "/compare/handoff-vs-spreadsheets", "/careers", "/product/routing", "/docs/api", "/"];
    private static readonly ActivityType[] Types = [ActivityType.PageView, ActivityType.PageView, ActivityType.PageView, ActivityType.PageView, ActivityType.PageView, ActivityType.EmailOpen, ActivityType.EmailClick, ActivityType.ContentDownload, ActivityType.WebinarAttended, ActivityType.EmailReply, ActivityType.DemoRequest];

    public static async Task<int> RunAsync(string[] args)
    {
        var leads = Int(args, "--leads", 1_000_000);
        var activities = Int(args, "--activities", 10_000_000);
        var provider = Value(args, "--provider") ?? "sqlite";
        var fresh = args.Contains("--fresh");
        DatabaseProvider kind;
        string connection;
        if (provider == "postgres")
        {
            kind = DatabaseProvider.Postgres;
            // COPY and the bulk UPDATE of a large batch can outlast Npgsql's default 30 s command timeout on a busy machine.
            connection = new Npgsql.NpgsqlConnectionStringBuilder(Value(args, "--connection") ?? throw new ArgumentException("--connection is required for postgres"))
            {
                CommandTimeout = 600,
            }.ToString();
        }
        else
        {
            kind = DatabaseProvider.Sqlite;
            var file = Value(args, "--file") ?? Path.Combine(Path.GetTempPath(), $"handoff-rescore-{leads}-{activities}.db");
            if (fresh)
            {
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    File.Delete(file + suffix);
                }
            }

            connection = $"Data Source={file}";
        }

        var options = new DbContextOptionsBuilder<HandoffDb>();
        DatabaseSetup.Configure(options, kind, connection);
        await using var db = new HandoffDb(options.Options);
        var clock = TimeProvider.System;
        await Workspace.PrepareAsync(db, clock, bootstrapApiKey: null);
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));

        var existing = await db.Leads.CountAsync();
        if (existing == 0)
        {
            var generated = Stopwatch.StartNew();
            await GenerateAsync(db, leads, activities);
            Console.WriteLine($"generated {leads:N0} leads and {activities:N0} activities in {generated.Elapsed.TotalSeconds:F1} s");
        }
        else
        {
            Console.WriteLine($"reusing {existing:N0} leads and {await db.Activities.CountAsync():N0} activities");
        }

        var cache = new ScoringModelCache();
        var settings = new RescoreOptions();
        settings.BatchSize = Int(args, "--batch", settings.BatchSize);
        settings.MmapSize = Value(args, "--mmap") is { } mmap ? long.Parse(mmap, CultureInfo.InvariantCulture) : settings.MmapSize;
        var models = new ScoringModels(db, clock, cache);

        // --runs N: N model changes one after the other in this process; the first run's time includes compiling its
        // code (the JIT), the later ones show a server that has rescored before.
        var runs = Int(args, "--runs", 1);
        for (var run = 1; run <= runs; run++)
        {
            var rescore = new RescoreLeads(db, cache, clock, new SqliteWriteGate(), Options.Create(settings));
            var document = DefaultScoringModel.Document with
            {
                Name = $"Bench model {DateTime.UtcNow:HHmmss} #{run}",
                HalfLifeDays = 21,
                EngagementRules = [.. DefaultScoringModel.Document.EngagementRules!.Select(r => r with { Points = r.Points + (run * Math.Sign(r.Points)) })],
            };
            var created = await models.CreateAsync(document, CancellationToken.None);
            var activated = await models.ActivateAsync(created.Value!.Id, Actor.System("bench"), expectedRevision: null, CancellationToken.None);
            db.ChangeTracker.Clear();
            var model = await db.ScoringModels.AsNoTracking().SingleAsync(m => m.Id == activated.Value!.Model.Id);
            var rules = cache.Compile(model);
            var stale = await rescore.CountStaleAsync(rules.Version, CancellationToken.None);

            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            var timer = Stopwatch.StartNew();
            var lastReport = 0L;
            var done = await rescore.RescoreStaleAsync(rules, n =>
            {
                if (timer.ElapsedMilliseconds - lastReport > 2000)
                {
                    lastReport = timer.ElapsedMilliseconds;
                    Console.WriteLine($"  {n:N0} leads after {timer.Elapsed.TotalSeconds:F1} s");
                }

                return Task.CompletedTask;
            }, CancellationToken.None);
            timer.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            jit = System.Runtime.JitInfo.GetCompilationTime() - jit;
            jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
            Console.WriteLine($"rescore [{provider}] run {run} of {runs}: {done:N0} of {stale:N0} stale leads ({activities:N0} activities) in {timer.Elapsed.TotalSeconds:F2} s " +
                $"= {done / timer.Elapsed.TotalSeconds:N0} leads/s; peak working set {peak:N0} MiB; budget 10 s");
            Console.WriteLine($"  {rescore.Phases}");
            Console.WriteLine($"  chunks of {settings.BatchSize:N0} leads, mmap_size {settings.MmapSize:N0}; process memory now: {Status("VmHWM")} peak resident, {Status("RssAnon")} anonymous, {Status("RssFile")} file-backed; GC heap {GC.GetGCMemoryInfo().HeapSizeBytes / (1024 * 1024):N0} MiB");
            Console.WriteLine($"  JIT {jit.TotalSeconds:F2} s compiling {jitted:N0} methods (bodies or tiers) during the run");
            Console.WriteLine($"  CPU time {cpu.TotalSeconds:F2} s over {Environment.ProcessorCount} cores (wall {timer.Elapsed.TotalSeconds:F2} s; load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?")} at the end)");
        }

        return 0;
    }

    private static async Task GenerateAsync(HandoffDb db, int leadCount, int activityCount)
    {
        var random = new Random(42);
        var enricher = new LeadEnricher(Handoff.Hygiene.HygieneLists.Shipped);
        var queue = await db.Queues.Where(q => q.IsFallback).Select(q => q.Id).SingleAsync();
        var owner = new Owner(OwnerKind.Queue, queue);
        var actor = Actor.System("bench");
        var start = DateTime.UtcNow.AddDays(-180);
        var bulk = BulkInsert.For(db);
        var ids = new Guid[leadCount];
        var sqlite = db.Database.IsSqlite();
        await db.Database.OpenConnectionAsync(); // the PRAGMAs below hold for this connection only
        if (sqlite)
        {
            // A large page cache for the load only: the secondary indexes of 1M leads are built in memory.
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -1048576; PRAGMA wal_autocheckpoint = 0;");
        }

        // One transaction; the activities' secondary indexes are dropped during the load and built again after it
        // (a sort instead of 10M random inserts into a B-tree), so the database ends with the app's indexes.
        var indexes = await DropIndexesAsync(db, "activities");
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            const int Batch = 50_000;
            var phase = Stopwatch.StartNew();
            for (var offset = 0; offset < leadCount; offset += Batch)
            {
                var rows = new List<Lead>(Batch);
                for (var i = offset; i < Math.Min(leadCount, offset + Batch); i++)
                {
                    var first = FirstNames[random.Next(FirstNames.Length)];
                    var last = LastNames[random.Next(LastNames.Length)];
                    var details = new LeadDetails
                    {
                        FirstName = first,
                        LastName = last,
                        Email = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}.{i}@{Domains[random.Next(Domains.Length)]}",
                        Company = "Company " + (i % 5000).ToString(CultureInfo.InvariantCulture),
                        Title = Titles[random.Next(Titles.Length)],
                        EmployeeCount = random.Next(4) == 0 ? null : random.Next(1, 20_000),
                        Source = "Website",
                    };
                    var (lead, _) = Lead.Capture(details, owner, actor, start.AddSeconds(i * (180.0 * 86_400 / leadCount)), enricher.Of(details));
                    ids[i] = lead.Id;
                    rows.Add(lead);
                }

                await bulk.InsertAsync(rows, CancellationToken.None);
                if (!sqlite && offset == 0)
                {
                    // Statistics after the first batch: else the foreign key check of every score row (against leads)
                    // stays planned for the empty table, a sequential scan per row.
                    await db.Database.ExecuteSqlRawAsync("ANALYZE leads; ANALYZE lead_scores;");
                }
            }

            if (!sqlite)
            {
                // Statistics before the activities: else the foreign key check of every activity row is planned
                // for an empty leads table (a sequential scan per row).
                await db.Database.ExecuteSqlRawAsync("ANALYZE leads; ANALYZE lead_scores;");
            }

            Console.WriteLine($"  {leadCount:N0} leads in {phase.Elapsed.TotalSeconds:F1} s");
            phase.Restart();

            // Activities in time order, each for a random lead: interleaved as real traffic is.
            var step = 180.0 * 86_400 / activityCount;
            for (var offset = 0; offset < activityCount; offset += Batch * 2)
            {
                var rows = new List<Activity>(Batch * 2);
                for (var i = offset; i < Math.Min(activityCount, offset + (Batch * 2)); i++)
                {
                    var type = Types[random.Next(Types.Length)];
                    var at = start.AddSeconds(i * step);
                    rows.Add(Activity.Record(ids[random.Next(leadCount)], type, at, at, url: type == ActivityType.PageView ? "https://handoff.io" + Urls[random.Next(Urls.Length)] : null));
                }

                await bulk.InsertAsync(rows, CancellationToken.None);
                if ((offset + rows.Count) % 1_000_000 == 0)
                {
                    Console.WriteLine($"  {offset + rows.Count:N0} activities after {phase.Elapsed.TotalSeconds:F1} s");
                }
            }

            phase.Restart();
            foreach (var sql in indexes)
            {
                await db.Database.ExecuteSqlRawAsync(sql);
            }

            Console.WriteLine($"  activity indexes built in {phase.Elapsed.TotalSeconds:F1} s");
            await transaction.CommitAsync();
        }

        if (sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000;");
            await db.Database.ExecuteSqlRawAsync("ANALYZE;");
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("ANALYZE leads; ANALYZE lead_scores; ANALYZE activities;");
        }
    }

    /// <summary>Drops the secondary indexes of <paramref name="table"/> and returns the statements that build them again.</summary>
    private static async Task<List<string>> DropIndexesAsync(HandoffDb db, string table)
    {
        var connection = db.Database.GetDbConnection();
        var indexes = new List<(string Name, string Sql)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = db.Database.IsSqlite()
                ? $"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL"
                : $"SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = '{table}' AND i.indexname NOT IN " +
                  $"(SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass)";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            var drop = "DROP INDEX \"" + name + "\""; // a name read from the catalogue, not input
            await db.Database.ExecuteSqlRawAsync(drop);
        }

        return [.. indexes.Select(i => i.Sql)];
    }

    /// <summary>A line of /proc/self/status (peak and current resident memory), or "?" off Linux.</summary>
    private static string Status(string field) =>
        File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal))?[(field.Length + 1)..].Trim() ?? "?"
            : "?";

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } text ? int.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : fallback;
}
