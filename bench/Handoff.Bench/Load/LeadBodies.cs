using System.Text.Json;

namespace Handoff.Bench.Load;

/// <summary>
/// Realistic, unique capture bodies for <c>POST /api/leads</c>, made before the clock starts so that the
/// load generator spends its CPU on HTTP, not on building JSON. Choices are seeded (same mix every run);
/// the run tag in every email keeps leads unique across runs against the same database. Leads from the
/// "Demo Request" source are demo requests (an SLA clock starts when they are assigned); with
/// <c>allDemoRequests</c> every lead is one.
/// </summary>
internal static class LeadBodies
{
    private static readonly string[] FirstNames =
        ["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Edsger", "Barbara", "Dennis", "Frances", "Ken", "Radia", "Tim", "Hedy", "Niklaus", "Sophie"];

    private static readonly string[] LastNames =
        ["Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Dijkstra", "Liskov", "Ritchie", "Allen", "Thompson", "Perlman", "Berners-Lee", "Lamarr", "Wirth", "Wilson"];

    private static readonly (string Name, string Domain, string Industry, int Employees, string Country, string City)[] Companies =
    [
        ("Analytical Engines", "analytical-engines.io", "Manufacturing", 120, "United Kingdom", "London"),
        ("Northwind Traders", "northwind.io", "Retail", 850, "United States", "Seattle"),
        ("Contoso Pharmaceuticals", "contoso-pharma.io", "Healthcare", 4200, "Germany", "Berlin"),
        ("Fabrikam Logistics", "fabrikam.io", "Transportation", 2300, "Netherlands", "Rotterdam"),
        ("Tailspin Toys", "tailspin.io", "Consumer Goods", 60, "Canada", "Toronto"),
        ("Wide World Importers", "wideworld.io", "Wholesale", 390, "Australia", "Sydney"),
        ("Adventure Works Cycles", "adventure-works.io", "Sporting Goods", 1500, "France", "Lyon"),
        ("Woodgrove Bank", "woodgrove.io", "Financial Services", 12000, "United States", "New York"),
    ];

    private static readonly string[] Titles =
        ["CTO", "VP Engineering", "Head of Marketing", "Marketing Operations Manager", "IT Director", "CFO", "Procurement Lead", "Software Engineer"];

    private static readonly (string Source, string Channel, string? UtmSource, string? UtmMedium)[] Sources =
    [
        ("Website", "Organic", null, null),
        ("Website", "Paid Search", "google", "cpc"),
        ("Webinar", "Events", "webinar", "email"),
        ("Content Download", "Content", "linkedin", "social"),
        ("Demo Request", "Direct", null, null),
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[][] Make(int count, string runTag, bool allDemoRequests = false)
    {
        var random = new Random(20_240_601);
        var bodies = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var company = Companies[random.Next(Companies.Length)];
            var source = Sources[random.Next(Sources.Length)];
            var body = new CaptureBody(
                FirstName: first,
                LastName: last,
                Email: $"{first}.{last}.{runTag}{i}@{company.Domain}".ToLowerInvariant(),
                Phone: $"+1 555 {random.Next(100, 999)} {random.Next(1000, 9999)}",
                Company: company.Name,
                Title: Titles[random.Next(Titles.Length)],
                Website: "https://www." + company.Domain,
                Industry: company.Industry,
                EmployeeCount: company.Employees,
                Country: company.Country,
                City: company.City,
                Source: source.Source,
                Channel: source.Channel,
                UtmSource: source.UtmSource,
                UtmMedium: source.UtmMedium,
                UtmCampaign: source.UtmSource is null ? null : "spring-launch",
                EmailConsent: random.Next(4) != 0,
                ActivityType: allDemoRequests || source.Source == "Demo Request" ? "DemoRequest" : null);
            bodies[i] = JsonSerializer.SerializeToUtf8Bytes(body, Json);
        }

        return bodies;
    }

    /// <summary>The subset of the capture contract a web form or integration typically sends.</summary>
    private sealed record CaptureBody(
        string FirstName,
        string LastName,
        string Email,
        string Phone,
        string Company,
        string Title,
        string Website,
        string Industry,
        int EmployeeCount,
        string Country,
        string City,
        string Source,
        string Channel,
        string? UtmSource,
        string? UtmMedium,
        string? UtmCampaign,
        bool EmailConsent,
        string? ActivityType);
}
