using System.Diagnostics;
using System.Globalization;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Handoff.Routing;
using Handoff.Teams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Bench.Routing;

/// <summary>
/// The routing decision with a large rule set, on a real SQLite file: the lead matches only the last of N rules
/// (the worst case of first-match-wins), whose target is a team picked by round robin. Three figures, each over
/// many decisions: the rules alone (compiled conditions, in memory); the preview a test endpoint makes (rules,
/// account, team, members, profiles read from the database, nothing written); and the real decision that takes the
/// team's turn (plus the transaction that moves the rotation).
/// </summary>
internal static class RoutingCommand
{
    public const string Usage = "routing [--rules 500] [--decisions 5000]";

    public static async Task<int> RunAsync(string[] args)
    {
        var rules = Arg(args, "--rules", 500);
        var decisions = Arg(args, "--decisions", 5000);
        var directory = Directory.CreateTempSubdirectory("handoff-routing-bench").FullName;
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Handoff:DataDirectory"] = directory,
                ["Handoff:Database:Provider"] = "Sqlite",
            }).Build();
            var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddHandoffCore(configuration).BuildServiceProvider();
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await Workspace.PrepareAsync(db, TimeProvider.System, null);

            var team = Team.Create("Inbound UK");
            db.Teams.Add(team);
            var now = DateTime.UtcNow;
            foreach (var name in new[] { "Maya Patel", "Lucas Schneider", "Amara Okafor", "Jonas Lindqvist", "Priya Raman" })
            {
                var user = User.Create($"{name.Replace(' ', '.').ToLowerInvariant()}@northwind-traders.io", name, Role.Sdr, team.Id, now);
                db.Users.Add(user);
                db.TeamMembers.Add(TeamMember.Join(team.Id, user.Id, 1, null, null, null, 0, now));
            }

            await db.SaveChangesAsync();
            var list = new List<RoutingRule>();
            for (var i = 0; i < rules - 1; i++)
            {
                list.Add(new RoutingRule($"Campaign {i}", [
                    Condition("campaign", "eq", $"\"spring-{i}\""),
                    Condition("employeeCount", "gte", (i * 10).ToString(CultureInfo.InvariantCulture)),
                    Condition("country", "in", "[\"DE\",\"FR\",\"NL\"]"),
                ], new RoutingTarget(TargetKind.Team, team.Id, RoutingStrategy.RoundRobin)));
            }

            list.Add(new RoutingRule("United Kingdom", [Condition("countryCode", "eq", "\"GB\""), Condition("email", "endsWith", "\".io\"")],
                new RoutingTarget(TargetKind.Team, team.Id, RoutingStrategy.RoundRobin)));
            var saved = await scope.ServiceProvider.GetRequiredService<RoutingRules>()
                .SaveAsync(RoutingPurpose.Lead, new SaveRuleSetRequest(list, RouteAt.Capture), Actor.System("bench"), CancellationToken.None);
            if (saved.Error is { } error)
            {
                Console.Error.WriteLine(error);
                return 1;
            }

            var enricher = scope.ServiceProvider.GetRequiredService<Enrichment.LeadEnricher>();
            var details = new LeadDetails
            {
                FirstName = "Ada", LastName = "Lovelace", Email = "ada.lovelace@analytical-engines.io", Company = "Analytical Engines",
                EmployeeCount = 120, Country = "United Kingdom", Campaign = "autumn-webinar", Source = "Website",
            }.Normalize();
            var lead = Lead.Capture(details, new Owner(OwnerKind.Queue, Guid.Empty), Actor.System("bench"), now, enricher.Of(details)).Lead;
            var router = scope.ServiceProvider.GetRequiredService<Router>();
            var set = (await router.ActiveAsync(RoutingPurpose.Lead, CancellationToken.None))!;
            if (set.FirstMatch(new LeadFacts(lead)) != rules - 1)
            {
                Console.Error.WriteLine("the bench lead should match only the last rule");
                return 1;
            }

            var memory = Measure(decisions * 4, () => Task.FromResult(set.FirstMatch(new LeadFacts(lead))));
            var preview = Measure(decisions, async () => (await router.PreviewAsync(lead, RoutingPurpose.Lead, CancellationToken.None)).RuleIndex);
            var decide = Measure(decisions, async () => (await router.DecideAsync(lead, RoutingPurpose.Lead, CancellationToken.None)).RuleIndex);
            var batched = await InBatchesAsync(scope.ServiceProvider, lead, decisions);
            Print("rules only (in memory)", rules, await memory);
            Print("preview (rules + database reads)", rules, await preview);
            Print("decision (takes the turn)", rules, await decide);
            Print("decision in a writer batch (turn saved, 64 a commit)", rules, batched);

            // The whole capture use case in process (no HTTP): routed at capture by the last of the rules, then with no rules.
            var captured = await CaptureAsync(services, decisions, details);
            await scope.ServiceProvider.GetRequiredService<RoutingRules>()
                .SaveAsync(RoutingPurpose.Lead, new SaveRuleSetRequest([], RouteAt.MQL), Actor.System("bench"), CancellationToken.None);
            var unrouted = await CaptureAsync(services, decisions, details);
            Print("capture, routed at capture", rules, captured);
            Print("capture, not routed", rules, unrouted);
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>
    /// Decisions as the SQLite capture writer takes them: inside a transaction that commits every 64 (its batch),
    /// the roster remembered for the transaction, each turn saved right after its decision; the commit is timed too,
    /// with the decision that ends the batch.
    /// </summary>
    private static async Task<double[]> InBatchesAsync(IServiceProvider services, Lead lead, int count)
    {
        var db = services.GetRequiredService<HandoffDb>();
        var router = services.GetRequiredService<Router>();
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? transaction = null;
        var n = 0;
        var times = await Measure(count, async () =>
        {
            transaction ??= await db.Database.BeginTransactionAsync();
            var decision = await router.DecideAsync(lead, RoutingPurpose.Lead, CancellationToken.None);
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
            if (++n % 64 == 0)
            {
                await transaction.CommitAsync();
                await transaction.DisposeAsync();
                transaction = null;
            }

            return decision.RuleIndex;
        });
        if (transaction is not null)
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
        }

        return times;
    }

    private static async Task<double[]> CaptureAsync(IServiceProvider services, int count, LeadDetails details)
    {
        var n = 0;
        return await Measure(count, async () =>
        {
            await using var scope = services.CreateAsyncScope();
            var capture = scope.ServiceProvider.GetRequiredService<Capture.CaptureLead>();
            var lead = details with { Email = $"ada.lovelace.{Interlocked.Increment(ref n)}.{Guid.NewGuid():N}@analytical-engines.io" };
            var answer = await capture.HandleAsync(lead, new Capture.CaptureContext(), Actor.System("bench"), CancellationToken.None);
            return answer.Error is null ? 0 : throw new InvalidOperationException(answer.Error.ToString());
        });
    }

    private static LeadCondition Condition(string field, string op, string json) =>
        System.Text.Json.JsonSerializer.Deserialize<LeadCondition>($$"""{"field":"{{field}}","op":"{{op}}","value":{{json}}}""", Json)!;

    private static async Task<double[]> Measure(int count, Func<Task<int?>> decide)
    {
        for (var i = 0; i < Math.Min(1000, count); i++)
        {
            await decide();
        }

        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await decide();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(times);
        return times;
    }

    private static void Print(string what, int rules, double[] sorted)
    {
        double P(int p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"routing, {rules} rules, {what}: {sorted.Length} decisions, p50 {P(50):0.000} ms  p99 {P(99):0.000} ms  max {sorted[^1]:0.000} ms"));
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
    }
}
