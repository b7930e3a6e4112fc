using System.Diagnostics;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Sla;

/// <summary>SQLite on a moved clock with the background sweep running, as in production.</summary>
public class SweepingSqliteApp : ClockedSqliteApp
{
    public SweepingSqliteApp() => Settings["Handoff:Sla:PolicyCacheSeconds"] = "0";
}

/// <summary>PostgreSQL on a moved clock with the background sweep running.</summary>
public class SweepingPostgresApp : ClockedPostgresApp
{
    public SweepingPostgresApp() => Settings["Handoff:Sla:PolicyCacheSeconds"] = "0";
}

/// <summary>The sweep worker notices a breach within seconds of real time, with nobody calling it.</summary>
public abstract class SlaWorkerTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task Breach_IsEscalatedByTheWorker_WithinSeconds()
    {
        var client = app.Admin();
        var rep = await client.CreateUserAsync();
        var source = $"Chat {Guid.NewGuid().ToString("N")[..8]}";
        await client.CreatePolicyAsync(new
        {
            key = $"worker-{Guid.NewGuid().ToString("N")[..10]}",
            name = "Chat lead: first touch within 3 minutes",
            order = 1,
            target = "FirstTouch",
            durationMinutes = 3,
            conditions = new[] { new { field = "source", op = "eq", value = source } },
            escalation = new[] { new { action = "NotifyOwner", afterMinutes = 0 } },
        });
        var id = (await client.CreateSourcedLeadAsync(source)).Id();
        await client.AssignAsync(id, rep);

        app.Clock.Advance(TimeSpan.FromMinutes(4));
        var waited = Stopwatch.StartNew();
        while (!(await client.NotificationsAsync(rep)).Any(n => n!["kind"]!.GetValue<string>() == "sla.breached") && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(200);
        }

        Assert.Single(await client.NotificationsAsync(rep), n => n!["kind"]!.GetValue<string>() == "sla.breached");
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), $"the worker took {waited.Elapsed}");
    }
}

public sealed class SlaWorkerTests_Sqlite(SweepingSqliteApp app) : SlaWorkerTests<SweepingSqliteApp>(app);

public sealed class SlaWorkerTests_Postgres(SweepingPostgresApp app) : SlaWorkerTests<SweepingPostgresApp>(app);
