using Handoff.Accounts;
using Handoff.Data;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Import;

/// <summary>
/// Imported leads are matched to accounts as captured ones are: the company domain of a work email, else the website's
/// domain, matches an account's domain; free webmail never does. "Account owner first" routing and <c>account.*</c>
/// conditions then apply to them. Tests of one class share an app: each makes its own accounts and rule set.
/// </summary>
public abstract class ImportAccountTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private const string Header = "First Name,Last Name,Email,Company,Website,Title,No. of Employees,Country,Lead Source";

    private static string Token() => "t" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task ImportedLeads_MatchAccountsByEmailOrWebsiteDomain_AndRouteToTheAccountOwner_ButWebmailNever()
    {
        var client = app.Admin();
        var t = Token();
        var owner = await client.UserAsync("Helena Varga", "Ae");
        var rep = await client.UserAsync("Marco Rossi");
        var fabrikamRep = await client.UserAsync("Ingrid Novak");
        var tailspin = $"tailspin-{t}.io";
        var fabrikam = $"fabrikam-{t}.com";
        var (tailspinId, fabrikamId) = (await AccountAsync("Tailspin Toys", tailspin, owner), await AccountAsync("Fabrikam", fabrikam, null));
        await client.RulesAsync(new
        {
            routeAt = "Capture",
            useAccountOwner = true,
            rules = new object[]
            {
                new { name = "Fabrikam", conditions = new[] { new { field = "account.domain", op = "eq", value = fabrikam } }, target = RoutingSetup.User(fabrikamRep) },
                new { name = "Everyone", conditions = Array.Empty<object>(), target = RoutingSetup.User(rep) },
            },
        });

        var job = await client.CompletedImportAsync(Csv(
            $"Amara,Okafor,amara.okafor@{tailspin},Tailspin Toys,,VP of Sales,300,Nigeria,Trade Show",
            $"Jonas,Lindqvist,jonas.lindqvist@mail.{tailspin},Tailspin Toys,,Buyer,300,Sweden,Trade Show",
            $"Priya,Raman,priya.raman.{t}@outlook.com,Fabrikam,https://www.{fabrikam}/about,Engineer,40,India,Webinar",
            $"Mateo,Alvarez,mateo.alvarez.{t}@gmail.com,Tailspin Toys,,Consultant,5,Spain,Webinar"));

        Assert.Equal(4, job["imported"]!.GetValue<int>());

        // A work email at the account's domain (or a subdomain of it): linked, and the account's owner gets the lead.
        foreach (var email in new[] { $"amara.okafor@{tailspin}", $"jonas.lindqvist@mail.{tailspin}" })
        {
            var lead = await client.LeadByEmailAsync(email);
            Assert.Equal(tailspinId, lead["accountId"]!.GetValue<Guid>());
            Assert.Equal(owner, lead.OwnerId());
            var assignment = Assert.Single(await client.AssignmentsAsync(lead.Id()))!;
            Assert.Equal("account owner", assignment["ruleName"]!.GetValue<string>());
            Assert.Contains(assignment["why"]!.AsArray(), w => w!.GetValue<string>() == "account Tailspin Toys is owned by Helena Varga");
        }

        // Webmail, but the website is the account's: linked by the website, and account.* conditions see the account.
        var byWebsite = await client.LeadByEmailAsync($"priya.raman.{t}@outlook.com");
        Assert.Equal(fabrikamId, byWebsite["accountId"]!.GetValue<Guid>());
        Assert.Equal(fabrikamRep, byWebsite.OwnerId());

        // Webmail alone never matches, whatever the company name says.
        var webmail = await client.LeadByEmailAsync($"mateo.alvarez.{t}@gmail.com");
        Assert.Null(webmail["accountId"]);
        Assert.Equal(rep, webmail.OwnerId());
        Assert.Equal("Everyone", Assert.Single(await client.AssignmentsAsync(webmail.Id()))!["ruleName"]!.GetValue<string>());
    }

    [Fact]
    public async Task RowOfAKnownLeadWithoutAccount_LinksIt_AndAnImportWithoutAutomationLinksToo()
    {
        var client = app.Admin();
        var t = Token();
        var domain = $"contoso-{t}.de";
        var known = await client.CreateLeadAsync(new { firstName = "Tobias", lastName = "Fischer", email = $"tobias.fischer@{domain}", company = "Contoso" });
        Assert.Null(known["accountId"]);
        var contoso = await AccountAsync("Contoso", domain, null);

        var job = await client.CompletedImportAsync(Csv(
            $"Tobias,Fischer,tobias.fischer@{domain},Contoso,,Head of IT,120,Germany,Trade Show",
            $"Elena,Moreau,elena.moreau@{domain},Contoso,,Controller,120,France,Trade Show"), automation: "false");

        Assert.Equal(1, job["merged"]!.GetValue<int>());
        Assert.Equal(1, job["imported"]!.GetValue<int>());
        var merged = await client.LeadByEmailAsync($"tobias.fischer@{domain}");
        Assert.Equal(known.Id(), merged.Id());
        Assert.Equal(contoso, merged["accountId"]!.GetValue<Guid>());
        Assert.Equal(contoso, (await client.LeadByEmailAsync($"elena.moreau@{domain}"))["accountId"]!.GetValue<Guid>());
    }

    private async Task<Guid> AccountAsync(string name, string domain, string? owner)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var account = Account.Create(name, domain, DateTime.UtcNow, ownerUserId: owner is null ? null : Guid.Parse(owner));
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return account.Id;
    }

    private static string Csv(params string[] rows) => Header + "\n" + string.Join('\n', rows) + "\n";

}

public sealed class ImportAccountTests_Sqlite(SqliteApp app) : ImportAccountTests<SqliteApp>(app);

public sealed class ImportAccountTests_Postgres(PostgresApp app) : ImportAccountTests<PostgresApp>(app);
