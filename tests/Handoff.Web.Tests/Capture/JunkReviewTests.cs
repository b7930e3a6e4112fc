using System.Net;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Capture;

/// <summary>A hygiene folder whose keywords.json replaces the shipped one: a vendor phrase and a class of its own.</summary>
internal static class ReplacedKeywords
{
    public static string Create()
    {
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "handoff-tests", $"hygiene-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(directory, "keywords.json"), """
            {
              "vendor": [ { "fields": ["description"], "phrases": ["white label partnership"] } ],
              "recruiter": [ { "fields": ["description"], "phrases": ["candidates for your open roles"] } ],
            }
            """);
        return directory;
    }
}

public sealed class ReplacedKeywordsSqliteApp : SqliteApp
{
    private readonly string _lists = ReplacedKeywords.Create();

    public ReplacedKeywordsSqliteApp() => Settings["Handoff:Hygiene:ListsDirectory"] = _lists;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_lists, recursive: true);
    }
}

public sealed class ReplacedKeywordsPostgresApp : PostgresApp
{
    private readonly string _lists = ReplacedKeywords.Create();

    public ReplacedKeywordsPostgresApp() => Settings["Handoff:Hygiene:ListsDirectory"] = _lists;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_lists, recursive: true);
    }
}

public abstract class JunkReviewTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    [Fact]
    public async Task AClassOfAReplacedKeywordFile_JoinsTheReasonCatalogue_AndTheJunkListFiltersByReason_PageByPage()
    {
        var client = app.Admin();
        var token = Guid.NewGuid().ToString("N")[..12];
        var recruiters = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var lead = await client.CreateLeadAsync(new { lastName = "Hunter", email = $"hunter{i}.{token}@staffing-{token}.io", description = "We have Candidates for your open roles." });
            Assert.Equal("Junk", lead.Stage());
            Assert.Equal("recruiter", lead["stageReason"]!.GetValue<string>());
            recruiters.Add(lead.Id());
        }

        var vendor = await client.CreateLeadAsync(new { lastName = "Reseller", email = $"sales.{token}@resell-{token}.io", description = "Interested in a white label partnership" });
        var buyer = await client.CreateLeadAsync(new { lastName = "Buyer", email = $"buyer.{token}@buyer-{token}.io", description = "We offer SEO services" }); // a shipped phrase, replaced

        Assert.Equal("vendor", vendor["stageReason"]!.GetValue<string>());
        Assert.Equal("New", buyer.Stage());
        var catalogue = await (await client.GetAsync("/api/reason-codes")).ReadArrayAsync();
        Assert.Contains(catalogue, r => r!["stage"]!.GetValue<string>() == "Junk" && r["code"]!.GetValue<string>() == "recruiter");

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/api/leads?stage=Junk&reason=recruiter&q={token}&limit=2{(cursor is null ? "" : $"&cursor={cursor}")}")).ReadObjectAsync();
            seen.AddRange(page["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(recruiters.AsEnumerable().Reverse(), seen); // newest first, the vendor left out
        var both = await (await client.GetAsync($"/api/leads?stage=Junk&reason=recruiter,vendor&q={token}")).ReadObjectAsync();
        Assert.Equal(4, both["items"]!.AsArray().Count);

        var restored = await client.MoveAsync(recruiters[0], new { to = "New", note = "a real hiring manager" });
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        var left = await (await client.GetAsync($"/api/leads?stage=Junk&reason=recruiter&q={token}")).ReadObjectAsync();
        Assert.Equal(2, left["items"]!.AsArray().Count);
    }
}

public sealed class JunkReviewTests_Sqlite(ReplacedKeywordsSqliteApp app) : JunkReviewTests<ReplacedKeywordsSqliteApp>(app);

public sealed class JunkReviewTests_Postgres(ReplacedKeywordsPostgresApp app) : JunkReviewTests<ReplacedKeywordsPostgresApp>(app);
