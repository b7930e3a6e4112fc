using System.Diagnostics;
using System.Text.Json.Nodes;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Handoff.Web.Tests.Capture;

/// <summary>
/// A stand-in for a company-data vendor, on loopback: answers for "known" domains, fails for "flaky" ones a few
/// times first, always fails for "down" ones, and counts the calls.
/// </summary>
public sealed class StubProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, int> _calls = [];

    public StubProvider()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/lookup", (string? domain, HttpRequest request, HttpContext context) =>
        {
            domain ??= "";
            int calls;
            lock (_calls)
            {
                calls = _calls[domain] = _calls.GetValueOrDefault(domain) + 1;
            }

            if (request.Headers.Authorization != "Bearer stub-key")
            {
                return Results.StatusCode(401);
            }

            return domain switch
            {
                _ when domain.StartsWith("known", StringComparison.Ordinal) => Results.Json(new { name = "Known Corp", industry = "Software", employees = 420, country = "de" }),
                _ when domain.StartsWith("flaky", StringComparison.Ordinal) && calls <= 2 => Results.StatusCode(503),
                _ when domain.StartsWith("flaky", StringComparison.Ordinal) => Results.Json(new { industry = "Retail" }),
                _ when domain.StartsWith("down", StringComparison.Ordinal) => Results.StatusCode(500),
                _ when domain.StartsWith("ranges", StringComparison.Ordinal) => Results.Text("""{"name":"Range GmbH","employees":"51-200","country":"Germany"}""", "application/json"),
                _ when domain.StartsWith("malformed", StringComparison.Ordinal) => Results.Text("""{"name":"Broken""", "application/json"),
                _ when domain.StartsWith("html", StringComparison.Ordinal) => Results.Text("<html><body>Bad gateway</body></html>", "text/html"),
                _ when domain.StartsWith("huge", StringComparison.Ordinal) => Results.Text($$"""{"name":"{{new string('x', 8 << 20)}}"}""", "application/json"),
                _ when domain.StartsWith("trickle", StringComparison.Ordinal) => Results.Stream(
                    async body =>
                    {
                        await body.WriteAsync("{\"name\":"u8.ToArray());
                        await body.FlushAsync();
                        await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
                    },
                    "application/json"),
                _ => Results.NotFound(),
            };
        });
        _app.StartAsync().GetAwaiter().GetResult();
        Url = _app.Urls.First() + "/lookup";
    }

    public string Url { get; }

    public int CallsFor(string domain)
    {
        lock (_calls)
        {
            return _calls.GetValueOrDefault(domain);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed class EnrichmentApp : SqliteApp
{
    public StubProvider Stub { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Handoff:Enrichment:Http:Url", Stub.Url);
        builder.UseSetting("Handoff:Enrichment:Http:ApiKey", "stub-key");
        builder.UseSetting("Handoff:Enrichment:Http:TimeoutSeconds", "1");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Stub.DisposeAsync();
    }
}

public sealed class EnrichmentProviderTests(EnrichmentApp app) : IClassFixture<EnrichmentApp>
{
    private async Task<JsonObject> WaitFor(string id, Func<JsonObject, bool> done)
    {
        var client = app.Admin();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var lead = await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync();
            if (done(lead) || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                return lead;
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task ProviderFacts_FillOnlyEmptyFields_AfterCapture_WithHistory()
    {
        var domain = $"known-{Guid.NewGuid():N}.io";
        var lead = await app.Admin().CreateLeadAsync(new { email = $"kim@{domain}", lastName = "Kim", industry = "Fintech" });

        var enriched = await WaitFor(lead.Id(), l => l["employeeCount"] is not null);

        Assert.Equal(420, enriched["employeeCount"]!.GetValue<int>());
        Assert.Equal("Fintech", enriched["industry"]!.GetValue<string>()); // the person's own answer stays
        Assert.Equal("Known Corp", enriched["company"]!.GetValue<string>());
        Assert.Equal("EMEA", enriched["region"]!.GetValue<string>());
        var history = await (await app.Admin().GetAsync($"/api/leads/{lead.Id()}/history")).ReadArrayAsync();
        Assert.Contains(history, h => h!["actor"]!["id"]!.GetValue<string>() == "enrichment:http");
    }

    [Fact]
    public async Task BrokenHugeOrTricklingAnswers_FailThatLeadOnly_AndNeverStallTheLeadsAfterIt()
    {
        var broken = new List<string>();
        foreach (var kind in new[] { "malformed", "html", "huge", "trickle" })
        {
            broken.Add((await app.Admin().CreateLeadAsync(new { email = $"al@{kind}-{Guid.NewGuid():N}.io", lastName = "Al" })).Id());
        }

        var known = await app.Admin().CreateLeadAsync(new { email = $"kim@known-{Guid.NewGuid():N}.io", lastName = "Kim" });

        var enriched = await WaitFor(known.Id(), l => l["company"] is not null);

        Assert.Equal("Known Corp", enriched["company"]?.GetValue<string>());
        foreach (var id in broken)
        {
            var lead = await (await app.Admin().GetAsync($"/api/leads/{id}")).ReadObjectAsync();
            Assert.Equal("New", lead.Stage());
            Assert.Null(lead["company"]);
        }
    }

    [Fact]
    public async Task VendorHeadCountRanges_AndCountryNames_AreRead()
    {
        var lead = await app.Admin().CreateLeadAsync(new { email = $"lea@ranges-{Guid.NewGuid():N}.io", lastName = "Lea" });

        var enriched = await WaitFor(lead.Id(), l => l["company"] is not null);

        Assert.Equal(51, enriched["employeeCount"]?.GetValue<int>());
        Assert.Equal("Employees51To200", enriched["sizeBand"]!.GetValue<string>());
        Assert.Equal("DE", enriched["countryCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task TransientFailures_AreRetried_AndAProviderThatIsDown_NeverBlocksCapture()
    {
        var flaky = $"flaky-{Guid.NewGuid():N}.io";
        var down = $"down-{Guid.NewGuid():N}.io";

        var downLead = await app.Admin().CreateLeadAsync(new { email = $"al@{down}", lastName = "Al" }); // asserts 201
        var flakyLead = await app.Admin().CreateLeadAsync(new { email = $"bo@{flaky}", lastName = "Bo" });

        var enriched = await WaitFor(flakyLead.Id(), l => l["industry"] is not null);
        Assert.Equal("Retail", enriched["industry"]!.GetValue<string>());
        Assert.Equal(3, app.Stub.CallsFor(flaky)); // two 503s, retried within one lookup
        var stillThere = await (await app.Admin().GetAsync($"/api/leads/{downLead.Id()}")).ReadObjectAsync();
        Assert.Equal("New", stillThere.Stage());
        Assert.Null(stillThere["industry"]);
        Assert.InRange(app.Stub.CallsFor(down), 1, 3); // tried, then left for a later round
    }
}
