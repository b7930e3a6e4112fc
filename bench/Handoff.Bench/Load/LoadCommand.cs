using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Handoff.Bench.Load;

/// <summary>What one load run does; see <see cref="LoadCommand.Usage"/>.</summary>
internal sealed record LoadOptions(
    string Provider,
    Uri Url,
    string Key,
    int Leads,
    int Concurrency,
    double? Rate,
    TimeSpan MaxDuration,
    string Label,
    int RouteTeam,
    int? ServerPid,
    bool DemoRequests,
    int Warmup,
    int SettleSeconds,
    bool IdempotencyKeys);

/// <summary>
/// Posts N unique leads to <c>POST /api/leads</c> and reports throughput, latency percentiles and every answer
/// that is not 201. Closed loop: C workers, each sends its next lead when the previous one is answered.
/// Open loop (<c>--rate</c>): leads are sent on a fixed schedule whatever the answers do, so a slow server
/// shows as latency instead of slowing the client down. Bounded by N and by <c>--max-seconds</c>.
/// <c>--warmup N</c> first sends N other leads in a closed loop, unmeasured: the server's and this client's code is
/// still being compiled for its first minute or so (tiered JIT), which is not the steady state the budgets are about.
/// <c>--settle-seconds S</c> then waits S seconds before the measured run: a warm-up at full speed leaves the JIT a
/// backlog of hot methods to compile again optimized (its background thread got little CPU meanwhile), and on two cores
/// that backlog, compiled in the first seconds of the next run, held answers up for 50-200 ms.
/// <c>--idempotency-keys true</c> sends a new <c>Idempotency-Key</c> with every lead, as a careful client does.
/// </summary>
internal static class LoadCommand
{
    public const string Usage =
        "load --provider sqlite|postgres --url http://127.0.0.1:PORT --key KEY --leads N --concurrency C [--rate R] [--max-seconds S] [--label TEXT] [--route-team N] [--server-pid PID] [--demo-requests true] [--warmup N] [--settle-seconds S] [--idempotency-keys true]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (!TryParse(args, out var options, out var problem))
        {
            await Console.Error.WriteLineAsync(problem + Environment.NewLine + "usage: " + Usage);
            return 2;
        }

        var bodies = LeadBodies.Make(options.Leads, Guid.NewGuid().ToString("N")[..8], options.DemoRequests);
        using var handler = new SocketsHttpHandler
        {
            // Closed loop: one connection per worker. Open loop: enough that the pool is not the queue.
            MaxConnectionsPerServer = options.Rate is null ? options.Concurrency : Math.Max(options.Concurrency, 512),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        };
        using var client = new HttpClient(handler) { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Key);
        using var limit = new CancellationTokenSource(options.MaxDuration);

        if (options.RouteTeam > 0)
        {
            await RoutingSetup.RouteAtCaptureAsync(client, options.RouteTeam);
        }

        // The server's CPU time over the run, when it runs on this machine: CPU per lead moves far less with the
        // machine's other load than throughput does.
        using var server = options.ServerPid is { } pid ? Process.GetProcessById(pid) : null;
        if (options.Warmup > 0)
        {
            var warm = new Run(client, LeadBodies.Make(options.Warmup, Guid.NewGuid().ToString("N")[..8], options.DemoRequests), options.IdempotencyKeys, limit.Token);
            await warm.ClosedLoopAsync(options.Concurrency);
            Console.WriteLine($"[{options.Label}] warm-up: {options.Warmup} leads, {warm.Errors} not answered 201");
        }

        if (options.SettleSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), limit.Token);
        }

        var cpuBefore = server?.TotalProcessorTime;
        var run = new Run(client, bodies, options.IdempotencyKeys, limit.Token);
        var started = Stopwatch.GetTimestamp();
        if (options.Rate is { } rate)
        {
            await run.OpenLoopAsync(rate);
        }
        else
        {
            await run.ClosedLoopAsync(options.Concurrency);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        server?.Refresh();
        return Report(options, run, seconds, server is null ? null : server.TotalProcessorTime - cpuBefore!.Value);
    }

    private static int Report(LoadOptions o, Run run, double seconds, TimeSpan? serverCpu)
    {
        var ok = run.Latencies.Where(l => l > 0).Order().ToArray();
        var mode = o.Rate is { } r ? $"open loop at {r:0} leads/s" : $"closed loop, concurrency {o.Concurrency}";
        var rps = ok.Length / seconds;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"[{o.Label}] {o.Provider}, {mode}: {ok.Length}/{o.Leads} leads answered 201 in {seconds:0.00} s = {rps:0.0} leads/s");
        Console.WriteLine($"[{o.Label}] latency ms: p50 {P(ok, 50):0.00}  p90 {P(ok, 90):0.00}  p99 {P(ok, 99):0.00}  max {P(ok, 100):0.00}");
        if (o.Rate is not null)
        {
            var lag = run.DispatchLag.Order().ToArray();
            Console.WriteLine($"[{o.Label}] send schedule lag ms (client side): p99 {P(lag, 99):0.00}  max {P(lag, 100):0.00}");

            // When the slow answers come: spread out (GC, scheduling) or in bursts (a checkpoint, a lock held by a worker,
            // the JIT's backlog after a warm-up).
            var slowest = run.Latencies.Select((latency, i) => (Second: (int)(run.SentAt[i] / 1000), Latency: latency))
                .GroupBy(l => l.Second).OrderBy(g => g.Key)
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Max(l => l.Latency):0}/{g.Count(l => l.Latency > 20)}"));
            Console.WriteLine($"[{o.Label}] slowest answer ms / answers over 20 ms, second by second: {string.Join(' ', slowest)}");
        }

        if (o.RouteTeam > 0)
        {
            // With routeAt=Capture the 201 answer carries the routed owner: its latency is capture → assigned.
            Console.WriteLine($"[{o.Label}] routed at capture to a team of {o.RouteTeam}: {run.Assigned}/{ok.Length} answers owned by a rep");
        }

        if (serverCpu is { } cpu && ok.Length > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{o.Label}] server CPU: {cpu.TotalSeconds:0.00} s = {cpu.TotalMilliseconds / ok.Length:0.000} ms per lead ({cpu.TotalSeconds / seconds:0.00} cores), load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?")}"));
        }

        Console.WriteLine($"[{o.Label}] non-201 answers: {run.Errors}");
        if (run.FirstError is not null)
        {
            Console.WriteLine($"[{o.Label}] first error: {run.FirstError}");
        }

        Console.WriteLine(string.Create(inv, $"RESULT label={o.Label} provider={o.Provider} mode={(o.Rate is null ? "closed" : "rate")} " +
            $"concurrency={o.Concurrency} rate={o.Rate ?? 0:0} leads={o.Leads} ok={ok.Length} seconds={seconds:0.000} rps={rps:0.0} " +
            $"p50_ms={P(ok, 50):0.00} p90_ms={P(ok, 90):0.00} p99_ms={P(ok, 99):0.00} max_ms={P(ok, 100):0.00} errors={run.Errors} assigned={run.Assigned}"));
        return run.Errors == 0 && ok.Length == o.Leads && (o.RouteTeam == 0 || run.Assigned == ok.Length) ? 0 : 1;
    }

    /// <summary>Nearest-rank percentile of sorted values; 0 when there are none.</summary>
    private static double P(double[] sorted, int percentile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static bool TryParse(string[] args, out LoadOptions options, out string problem)
    {
        options = null!;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                problem = $"expected '--name value', got '{args[i]}'";
                return false;
            }

            values[args[i][2..]] = args[++i];
        }

        string? Get(string name) => values.GetValueOrDefault(name);
        int Int(string name, int fallback) => int.TryParse(Get(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;

        var provider = Get("provider");
        var url = Get("url");
        var key = Get("key");
        var leads = Int("leads", 0);
        var concurrency = Int("concurrency", 0);
        double? rate = double.TryParse(Get("rate"), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ? r : null;
        problem = (provider, url, key) switch
        {
            (not ("sqlite" or "postgres"), _, _) => "--provider must be sqlite or postgres (it labels the figures)",
            (_, null, _) => "--url is required",
            (_, _, null) => "--key is required",
            _ when !Uri.TryCreate(url, UriKind.Absolute, out var u) || !IPAddress.IsLoopback(IPAddress.TryParse(u.Host, out var ip) ? ip : IPAddress.None) && u.Host != "localhost"
                => "--url must be an http URL on this machine (loopback only)",
            _ when leads is < 1 or > 10_000_000 => "--leads must be between 1 and 10,000,000",
            _ when Int("warmup", 0) is < 0 or > 10_000_000 => "--warmup must be between 0 and 10,000,000",
            _ when Int("settle-seconds", 0) is < 0 or > 600 => "--settle-seconds must be between 0 and 600",
            _ when concurrency is < 1 or > 1024 => "--concurrency must be between 1 and 1024",
            _ when rate is not null && rate is not (> 0 and <= 100_000) => "--rate must be between 1 and 100,000 leads/s",
            _ => "",
        };
        if (problem.Length > 0)
        {
            return false;
        }

        options = new LoadOptions(
            provider!,
            new Uri(url!),
            key!,
            leads,
            concurrency,
            rate,
            TimeSpan.FromSeconds(Int("max-seconds", 600)),
            Get("label") ?? (rate is null ? "closed" : "rate"),
            Int("route-team", 0),
            int.TryParse(Get("server-pid"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null,
            Get("demo-requests") == "true",
            Int("warmup", 0),
            Int("settle-seconds", 0),
            Get("idempotency-keys") == "true");
        return true;
    }

    /// <summary>The state of one run: per-lead latency (0 = not answered 201) and the errors.</summary>
    private sealed class Run(HttpClient client, byte[][] bodies, bool idempotencyKeys, CancellationToken ct)
    {
        private static readonly MediaTypeHeaderValue JsonType = new("application/json");
        private int _errors;
        private int _assigned;
        private string? _firstError;

        public double[] Latencies { get; } = new double[bodies.Length];

        public double[] DispatchLag { get; } = new double[bodies.Length];

        /// <summary>When each lead was sent, in ms from the start of the run.</summary>
        public double[] SentAt { get; } = new double[bodies.Length];

        private readonly long _start = Stopwatch.GetTimestamp();

        public int Errors => _errors;

        /// <summary>Answers whose lead is owned by a user (routed), not by a queue.</summary>
        public int Assigned => _assigned;

        public string? FirstError => _firstError;

        public async Task ClosedLoopAsync(int concurrency)
        {
            var next = -1;
            async Task Worker()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < bodies.Length && !ct.IsCancellationRequested)
                {
                    await SendAsync(i);
                }
            }

            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        }

        public async Task OpenLoopAsync(double rate)
        {
            var sends = new List<Task>(bodies.Length);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < bodies.Length && !ct.IsCancellationRequested; i++)
            {
                var due = start + (long)(i * Stopwatch.Frequency / rate);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    // Timers tick at about 1 ms: sleep to just before the slot; the lag is measured and shown.
                    await Task.Delay(wait - TimeSpan.FromMilliseconds(0.5), CancellationToken.None);
                }

                DispatchLag[i] = Math.Max(0, Stopwatch.GetElapsedTime(due).TotalMilliseconds);
                sends.Add(SendAsync(i));
            }

            await Task.WhenAll(sends);
        }

        private async Task SendAsync(int i)
        {
            var started = Stopwatch.GetTimestamp();
            SentAt[i] = Stopwatch.GetElapsedTime(_start, started).TotalMilliseconds;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("api/leads", UriKind.Relative)) { Content = new ByteArrayContent(bodies[i]) };
                request.Content.Headers.ContentType = JsonType;
                if (idempotencyKeys)
                {
                    request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
                }

                using var response = await client.SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    Latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (body.Contains("\"owner\":{\"kind\":\"User\"", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref _assigned);
                    }
                }
                else
                {
                    Fail($"{(int)response.StatusCode} {response.StatusCode}: {body}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                Fail($"{e.GetType().Name}: {e.Message}");
            }
        }

        private void Fail(string what)
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, what, null);
        }
    }
}
