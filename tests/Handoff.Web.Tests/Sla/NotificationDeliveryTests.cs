using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Notifications;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Sla;

/// <summary>The SMTP sink (tests/Handoff.SmtpSink) as a separate process on loopback; messages land in a directory.</summary>
public sealed class SmtpSinkProcess : IDisposable
{
    private readonly Process _process;

    public SmtpSinkProcess()
    {
        Directory = Path.Combine(Path.GetTempPath(), "handoff-smtp-sink", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Handoff.SmtpSink.dll"));
        start.ArgumentList.Add(Directory);
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the SMTP sink");
        var first = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the SMTP sink exited");
        Port = int.Parse(first.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>Waits (real time) until a message arrives for which <paramref name="match"/> holds.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (System.IO.Directory.Exists(Directory))
            {
                foreach (var file in System.IO.Directory.GetFiles(Directory, "*.eml"))
                {
                    var text = await File.ReadAllTextAsync(file);
                    if (match(text))
                    {
                        return text;
                    }
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no matching message reached the SMTP sink");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

/// <summary>A webhook receiver on loopback: <c>/ok</c> answers 200, <c>/flaky</c> 500 once then 200, <c>/down</c> always 503.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();

    public WebhookReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    public ConcurrentQueue<(string Path, int Status, string Body, Dictionary<string, string> Headers)> Received { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Url!.AbsolutePath;
            var hit = _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
            var status = path switch
            {
                "/flaky" => hit == 1 ? 500 : 200,
                "/down" => 503,
                _ => 200,
            };
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            Received.Enqueue((path, status, body, headers));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}

/// <summary>The SLA test app with its SMTP server pointed at a sink process of its own.</summary>
public class EmailSqliteApp : SlaSqliteApp
{
    public EmailSqliteApp() => Settings.UseSink(Sink);

    public SmtpSinkProcess Sink { get; } = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Sink.Dispose();
    }
}

/// <summary>The PostgreSQL SLA test app with its own SMTP sink process.</summary>
public class EmailPostgresApp : SlaPostgresApp
{
    public EmailPostgresApp() => Settings.UseSink(Sink);

    public SmtpSinkProcess Sink { get; } = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Sink.Dispose();
    }
}

internal static class SinkSettings
{
    public static void UseSink(this Dictionary<string, string> settings, SmtpSinkProcess sink)
    {
        settings["Handoff:Smtp:Host"] = "127.0.0.1";
        settings["Handoff:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Handoff:Smtp:Security"] = "None";
        settings["Handoff:Smtp:From"] = "Handoff <alerts@handoff-crm.io>";
    }
}

/// <summary>Email through a real SMTP conversation, and signed webhooks with retries; once per database.</summary>
public abstract class NotificationDeliveryTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    protected abstract SmtpSinkProcess Sink { get; }

    private Task<int> DeliverAsync() => App.Services.GetRequiredService<DeliveryWorker>().DeliverOnceAsync(CancellationToken.None);

    [Fact]
    public async Task BreachEmail_ReachesTheSmtpServer()
    {
        var client = App.Admin();
        var rep = await client.CreateUserAsync();
        var email = (await (await client.GetAsync("/api/users")).ReadArrayAsync()).Single(u => u!["id"]!.GetValue<Guid>() == rep)!["email"]!.GetValue<string>();
        var source = $"Webinar {Guid.NewGuid().ToString("N")[..8]}";
        await client.CreatePolicyAsync(new
        {
            key = $"mail-{Guid.NewGuid().ToString("N")[..10]}",
            name = "Webinar lead: first touch within 20 minutes",
            order = 1,
            target = "FirstTouch",
            durationMinutes = 20,
            conditions = new[] { new { field = "source", op = "eq", value = source } },
            escalation = new[] { new { action = "NotifyOwner", afterMinutes = 0 } },
        });
        var id = (await client.CreateSourcedLeadAsync(source)).Id();
        await client.AssignAsync(id, rep);
        App.Clock.Advance(TimeSpan.FromMinutes(21));
        await App.Services.GetRequiredService<SlaSweepWorker>().SweepOnceAsync(CancellationToken.None);

        await DeliverAsync();

        var message = await Sink.WaitForAsync(m => m.Contains(email, StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(10));
        Assert.Contains("Subject: SLA breached: Solveig Arnesen (Fjord Logistics)", message, StringComparison.Ordinal);
        Assert.Contains("alerts@handoff-crm.io", message, StringComparison.Ordinal);
        Assert.Contains(id, message, StringComparison.Ordinal);
        var notification = (await client.NotificationsAsync(rep)).Single(n => n!["leadId"]!.GetValue<string>() == id)!;
        Assert.Equal("Delivered", notification["emailStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task Webhook_IsSigned_RetriedAfterA500_AndDeadAfterTheLastAttempt()
    {
        using var receiver = new WebhookReceiver();
        var client = App.Admin();
        const string secret = "whsec_9f3c2a7e51d84b6c";
        var flaky = await client.PostAsJsonAsync("/api/webhooks", new { url = receiver.BaseUrl + "flaky", secret, events = new[] { "lead.created" } });
        Assert.Equal(HttpStatusCode.Created, flaky.StatusCode);
        var flakyId = (await flaky.ReadObjectAsync())["id"]!.GetValue<Guid>();
        var down = await (await client.PostAsJsonAsync("/api/webhooks", new { url = receiver.BaseUrl + "down", secret, events = new[] { "lead.*" } })).ReadObjectAsync();
        var lead = await client.CreateLeadAsync();

        await DeliverAsync();
        Assert.Contains(receiver.Received, r => r.Path == "/flaky" && r.Status == 500);
        var pending = (await (await client.GetAsync($"/api/webhooks/{flakyId}/deliveries")).ReadArrayAsync()).Single(d => d!["eventType"]!.GetValue<string>() == "lead.created")!;
        Assert.Equal("Pending", pending["status"]!.GetValue<string>());
        Assert.Equal(500, pending["lastStatusCode"]!.GetValue<int>());

        App.Clock.Advance(TimeSpan.FromSeconds(11));
        await DeliverAsync();

        var delivered = receiver.Received.Single(r => r.Path == "/flaky" && r.Status == 200);
        var body = JsonNode.Parse(delivered.Body)!;
        Assert.Equal("lead.created", body["type"]!.GetValue<string>());
        Assert.Equal(lead.Id(), body["data"]!["id"]!.GetValue<string>());
        var expected = WebhookSubscription.Sign(secret, delivered.Headers["X-Handoff-Timestamp"], delivered.Body);
        Assert.Equal(expected, delivered.Headers["X-Handoff-Signature"]);
        Assert.NotEqual(WebhookSubscription.Sign("whsec_someone_else_1234", delivered.Headers["X-Handoff-Timestamp"], delivered.Body), delivered.Headers["X-Handoff-Signature"]);
        var done = (await (await client.GetAsync($"/api/webhooks/{flakyId}/deliveries")).ReadArrayAsync()).Single(d => d!["eventType"]!.GetValue<string>() == "lead.created")!;
        Assert.Equal("Delivered", done["status"]!.GetValue<string>());
        Assert.Equal(2, done["attempts"]!.GetValue<int>());

        for (var i = 0; i < Retry.MaxAttempts; i++)
        {
            App.Clock.Advance(TimeSpan.FromHours(1));
            await DeliverAsync();
        }

        var dead = (await (await client.GetAsync($"/api/webhooks/{down["id"]}/deliveries")).ReadArrayAsync())
            .Where(d => d!["eventType"]!.GetValue<string>() == "lead.created").ToList();
        Assert.NotEmpty(dead);
        Assert.All(dead, d => Assert.Equal("Dead", d!["status"]!.GetValue<string>()));
        Assert.All(dead, d => Assert.Equal(Retry.MaxAttempts, d!["attempts"]!.GetValue<int>()));
    }

    [Fact]
    public async Task BadWebhook_IsRefused_NamingTheField()
    {
        var response = await App.Admin().PostAsJsonAsync("/api/webhooks", new { url = "ftp://files.fjord-logistics.no/drop", secret = "short", events = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("url"));
        Assert.True(errors.ContainsKey("secret"));
        Assert.True(errors.ContainsKey("events"));
    }

    [Fact]
    public async Task AWebhookUrlWithAPassword_IsRefused()
    {
        var response = await App.Admin().PostAsJsonAsync("/api/webhooks", new
        {
            url = "https://ops:hunter2@crm.fjord-logistics.no/hooks/handoff",
            secret = "a-secret-of-some-length",
            events = new[] { "lead.*" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.StartsWith("must not carry a user name or password", Assert.Single(errors["url"]!.AsArray())!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", (await (await App.Admin().GetAsync("/api/webhooks")).Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEventTypeThatNothingSends_IsRefused_ListingTheTypes()
    {
        // Typed the way other tools spell them: saved, these would never have delivered anything.
        var response = await App.Admin().PostAsJsonAsync("/api/webhooks", new
        {
            url = "https://crm.fjord-logistics.no/hooks/handoff",
            secret = "a-secret-of-some-length",
            events = new[] { "lead.*", "Lead.Created", "lead.stage_changed", "leads.imported", "contact.*" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["events[1]", "events[2]", "events[4]"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("lead.stage-changed", errors["events[2]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

public sealed class NotificationDeliveryTests_Sqlite(EmailSqliteApp app) : NotificationDeliveryTests<EmailSqliteApp>(app)
{
    protected override SmtpSinkProcess Sink => App.Sink;
}

public sealed class NotificationDeliveryTests_Postgres(EmailPostgresApp app) : NotificationDeliveryTests<EmailPostgresApp>(app)
{
    protected override SmtpSinkProcess Sink => App.Sink;
}
