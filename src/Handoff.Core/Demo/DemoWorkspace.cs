using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Hygiene;
using Handoff.Leads;
using Handoff.Routing;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Demo;

/// <summary>
/// A living demo workspace: people, teams, queues, accounts and a few hundred leads spread over the last four
/// months in every stage, each with the activities and the history that took it there. Deterministic for a seed.
/// Built through the same domain methods as real traffic, so every invariant holds.
/// </summary>
public static class DemoWorkspace
{
    private static readonly LeadEnricher Enricher = new(HygieneLists.Shipped);

    private static readonly string[] FirstNames =
    [
        "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo", "Isabella", "Lucas", "Mia", "Levi",
        "Amelia", "Ethan", "Harper", "James", "Aaliyah", "Kenji", "Priya", "Wei", "Fatima", "Diego", "Chloé",
        "Lars", "Ingrid", "Tomás", "Aisha", "Rafael", "Hannah", "Yusuf", "Grace", "Arjun", "Zoe", "Mikhail",
    ];

    private static readonly string[] LastNames =
    [
        "Smith", "Johnson", "Garcia", "Brown", "Martinez", "Nguyen", "Patel", "Kim", "Müller", "Rossi", "Dubois",
        "Andersson", "Kowalski", "Silva", "Okafor", "Tanaka", "O'Brien", "Cohen", "Haddad", "Fischer", "Lopez",
        "Schmidt", "Nakamura", "Jensen", "Moreau", "Costa", "Ivanova", "Reyes", "Walsh", "Singh",
    ];

    private static readonly (string Name, string Domain, string Industry, int Employees, string Country)[] Companies =
    [
        ("Northwind Logistics", "northwind-logistics.com", "Logistics", 1200, "United States"),
        ("Contoso Health", "contosohealth.com", "Healthcare", 5400, "United States"),
        ("Fabrikam Robotics", "fabrikam-robotics.io", "Manufacturing", 340, "Germany"),
        ("Tailspin Travel", "tailspintravel.com", "Travel", 85, "United Kingdom"),
        ("Woodgrove Bank", "woodgrovebank.com", "Financial Services", 22000, "United States"),
        ("Litware Analytics", "litware.ai", "Software", 60, "Canada"),
        ("Adatum Security", "adatum-sec.com", "Software", 410, "Israel"),
        ("Proseware Learning", "proseware.edu.com", "Education", 150, "Australia"),
        ("Lamna Foods", "lamnafoods.com", "Food & Beverage", 2600, "France"),
        ("Trey Research", "treyresearch.net", "Biotech", 230, "Switzerland"),
        ("Blue Yonder Airlines", "blueyonderair.com", "Aviation", 9000, "United States"),
        ("Alpine Ski House", "alpineskihouse.ch", "Retail", 45, "Switzerland"),
        ("Coho Vineyard", "cohovineyard.com", "Food & Beverage", 30, "United States"),
        ("Wingtip Toys", "wingtiptoys.com", "Retail", 700, "United States"),
        ("Margie's Travel", "margiestravel.com", "Travel", 12, "Ireland"),
        ("Humongous Insurance", "humongousinsurance.com", "Insurance", 14000, "United States"),
        ("Relecloud", "relecloud.com", "Software", 1900, "Netherlands"),
        ("VanArsdel Energy", "vanarsdel-energy.com", "Energy", 3100, "Norway"),
        ("Fourth Coffee", "fourthcoffee.com", "Food & Beverage", 260, "United States"),
        ("Graphic Design Institute", "graphicdesigninstitute.com", "Education", 90, "United Kingdom"),
        ("Southridge Video", "southridgevideo.com", "Media", 520, "United States"),
        ("Datum Corporation", "adatum.com", "Consulting", 780, "India"),
        ("Bellows College", "bellowscollege.com", "Education", 1100, "United States"),
        ("Nod Publishers", "nodpublishers.com", "Media", 75, "Spain"),
        ("Lucerne Publishing", "lucernepublishing.com", "Media", 310, "Switzerland"),
        ("Wide World Importers", "wideworldimporters.com", "Wholesale", 1600, "Singapore"),
        ("Tasmanian Traders", "tasmaniantraders.com.au", "Wholesale", 140, "Australia"),
        ("Consolidated Messenger", "consolidatedmessenger.com", "Logistics", 4300, "United States"),
        ("Baldwin Museum", "baldwinmuseumofscience.org", "Non-profit", 55, "United States"),
        ("First Up Consultants", "firstupconsultants.com", "Consulting", 25, "Brazil"),
    ];

    private static readonly (string Title, int Weight)[] Titles =
    [
        ("VP of Sales", 3), ("Head of Revenue Operations", 4), ("Marketing Operations Manager", 5), ("CEO", 2),
        ("Director of Demand Generation", 4), ("Sales Development Manager", 3), ("CRO", 1), ("CMO", 1),
        ("Business Analyst", 3), ("IT Director", 2), ("Growth Marketer", 3), ("Account Manager", 2),
        ("Software Engineer", 2), ("Intern", 1), ("COO", 1), ("Procurement Specialist", 1),
    ];

    private static readonly (string Source, string Channel, string? UtmSource, string? UtmMedium)[] Sources =
    [
        ("Website", "Organic", "google", "organic"), ("Demo request", "Web form", "google", "cpc"),
        ("Webinar", "Events", "linkedin", "social"), ("Content download", "Web form", "newsletter", "email"),
        ("Referral", "Partner", null, null), ("Trade show", "Events", null, null),
        ("Outbound list", "Outbound", null, null), ("Paid search", "Paid", "google", "cpc"),
        ("Chat", "Website", null, null),
    ];

    private static readonly string[] Campaigns = ["Q3 Pipeline Push", "RevOps Summit", "Scoring Playbook eBook", "Spring Webinar Series", "Partner Referral Program"];

    /// <summary>Seeds the demo workspace into an empty database; returns false when leads exist already.</summary>
    public static async Task<bool> SeedAsync(HandoffDb db, TimeProvider clock, int leadCount = 400, int seed = 42, CancellationToken ct = default)
    {
        if (await db.Leads.AnyAsync(ct))
        {
            return false;
        }

        var random = new Random(seed);
        var now = clock.GetUtcNow().UtcDateTime;
        var start = now.AddDays(-120);

        var sdrEast = Team.Create("SDR East");
        var sdrWest = Team.Create("SDR West");
        var aes = Team.Create("Account Executives");
        db.Teams.AddRange(sdrEast, sdrWest, aes);

        var admin = User.Create("admin@demo.handoff.local", "Alex Admin", Role.Admin, null, start);
        var marketing = new[]
        {
            User.Create("maya.marketing@demo.handoff.local", "Maya Lindqvist", Role.Marketing, null, start),
            User.Create("omar.ops@demo.handoff.local", "Omar Haddad", Role.Marketing, null, start),
        };
        var managers = new[]
        {
            User.Create("sam.sdr-lead@demo.handoff.local", "Sam Okafor", Role.Manager, sdrEast.Id, start),
            User.Create("rita.sales-vp@demo.handoff.local", "Rita Costa", Role.Manager, aes.Id, start),
        };
        var sdrs = new[]
        {
            User.Create("jamie@demo.handoff.local", "Jamie Chen", Role.Sdr, sdrEast.Id, start),
            User.Create("priya@demo.handoff.local", "Priya Raman", Role.Sdr, sdrEast.Id, start),
            User.Create("lucas@demo.handoff.local", "Lucas Moreau", Role.Sdr, sdrWest.Id, start),
            User.Create("hana@demo.handoff.local", "Hana Tanaka", Role.Sdr, sdrWest.Id, start),
        };
        var accountExecutives = new[]
        {
            User.Create("dana@demo.handoff.local", "Dana Fischer", Role.Ae, aes.Id, start),
            User.Create("marcus@demo.handoff.local", "Marcus Silva", Role.Ae, aes.Id, start),
            User.Create("ines@demo.handoff.local", "Inès Dubois", Role.Ae, aes.Id, start),
        };
        db.Users.Add(admin);
        db.Users.AddRange(marketing);
        db.Users.AddRange(managers);
        db.Users.AddRange(sdrs);
        db.Users.AddRange(accountExecutives);
        sdrEast.SetManager(managers[0].Id);
        sdrWest.SetManager(managers[0].Id);
        aes.SetManager(managers[1].Id);

        var fallback = await db.Queues.FirstOrDefaultAsync(q => q.IsFallback, ct);
        if (fallback is null)
        {
            fallback = WorkQueue.Create(Workspace.FallbackQueueName, isFallback: true);
            db.Queues.Add(fallback);
        }

        var demoQueue = WorkQueue.Create("Inbound demo requests");
        var partnerQueue = WorkQueue.Create("Partner referrals");
        db.Queues.AddRange(demoQueue, partnerQueue);

        var accounts = Companies
            .Select(c => Account.Create(c.Name, c.Domain, start, c.Industry, c.Employees, c.Country, random.Next(3) == 0 ? Pick(random, accountExecutives).Id : null))
            .ToList();
        db.Accounts.AddRange(accounts);

        var titleBag = Titles.SelectMany(t => Enumerable.Repeat(t.Title, t.Weight)).ToArray();
        var usedEmails = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < leadCount; i++)
        {
            var companyIndex = random.Next(Companies.Length);
            var company = Companies[companyIndex];
            var first = Pick(random, FirstNames);
            var last = Pick(random, LastNames);
            var source = Pick(random, Sources);
            var createdAt = start.AddMinutes(random.Next(0, (int)(now - start).TotalMinutes - 60 * 24));
            var freeMail = random.Next(10) == 0;
            var local = $"{Ascii(first)}.{Ascii(last)}".ToLowerInvariant();
            var domain = freeMail ? "gmail.com" : company.Domain;
            for (var n = 2; !usedEmails.Add($"{local}@{domain}"); n++)
            {
                local = $"{Ascii(first)}.{Ascii(last)}{n}".ToLowerInvariant(); // one person per address, as capture would keep it
            }

            var details = new LeadDetails
            {
                FirstName = first,
                LastName = last,
                Email = $"{local}@{domain}",
                Phone = random.Next(3) == 0 ? null : $"+1 555 {random.Next(100, 999)} {random.Next(1000, 9999)}",
                Company = company.Name,
                Title = Pick(random, titleBag),
                Website = company.Domain,
                Industry = company.Industry,
                EmployeeCount = company.Employees,
                Country = company.Country,
                Source = source.Source,
                Channel = source.Channel,
                Campaign = random.Next(2) == 0 ? Pick(random, Campaigns) : null,
                UtmSource = source.UtmSource,
                UtmMedium = source.UtmMedium,
                EmailConsent = random.Next(4) != 0,
            }.Normalize();

            var system = new Actor(ActorKind.Integration, "demo-capture", source.Source);
            var (lead, created) = Lead.Capture(details, new Owner(OwnerKind.Queue, source.Source == "Demo request" ? demoQueue.Id : fallback.Id), system, createdAt, Enricher.Of(details));
            if (!freeMail)
            {
                lead.LinkAccount(accounts[companyIndex].Id);
            }

            db.Leads.Add(lead);
            db.StageChanges.Add(created);

            var at = createdAt;
            var touches = random.Next(1, 12);
            for (var t = 0; t < touches; t++)
            {
                at = at.AddHours(random.Next(1, 72));
                if (at >= now)
                {
                    break;
                }

                var (type, url) = PickActivity(random);
                db.Activities.Add(Activity.Record(lead.Id, type, at, at, url, source: source.Source, channel: source.Channel, campaign: details.Campaign));
            }

            Walk(db, random, lead, createdAt, now, sdrs, accountExecutives);
        }

        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Moves a lead along a plausible path, recording each step as the person or rule who took it.</summary>
    private static void Walk(HandoffDb db, Random random, Lead lead, DateTime createdAt, DateTime now, User[] sdrs, User[] aes)
    {
        var sdr = Pick(random, sdrs);
        var ae = Pick(random, aes);
        var sdrActor = new Actor(ActorKind.User, sdr.Id.ToString(), sdr.Name);
        var at = createdAt;
        var roll = random.Next(100);

        bool Step(LeadStage to, Actor actor, string? reason = null, string? note = null, DateTime? wake = null)
        {
            at = at.AddHours(random.Next(1, 96));
            if (at >= now)
            {
                return false;
            }

            var moved = lead.MoveTo(to, actor, at, reason, note, wake);
            if (!moved.IsSuccess)
            {
                return false;
            }

            db.StageChanges.Add(moved.Value!);
            return true;
        }

        void Assign(User user, string trigger)
        {
            var assignedAt = at.AddMinutes(2);
            if (lead.AssignTo(new Owner(OwnerKind.User, user.Id), assignedAt) is { } from)
            {
                db.Assignments.Add(Assignment.Record(lead, from, trigger, null, Actor.System("demo-routing"), assignedAt, "round robin"));
                lead.NoteAssigned(user.Id, assignedAt);
            }
        }

        if (roll < 5)
        {
            Step(LeadStage.Junk, Actor.System("hygiene"), Pick(random, ["spam", "vendor", "job-seeker", "student"]));
            return;
        }

        if (roll < 30)
        {
            return; // stays New
        }

        if (!Step(LeadStage.MQL, Actor.System("mql-rules"), note: "Fit and engagement above the MQL bar"))
        {
            return;
        }

        Assign(sdr, "mql");
        if (roll < 42)
        {
            return;
        }

        if (roll < 52)
        {
            Step(LeadStage.Disqualified, sdrActor, Pick(random, ["poor-fit", "no-intent", "bad-data", "competitor"]), "Rejected at first call");
            return;
        }

        if (roll < 58)
        {
            Step(LeadStage.Nurture, sdrActor, "wrong-timing", "Budget cycle starts next quarter", now.AddDays(random.Next(10, 120)));
            return;
        }

        if (!Step(LeadStage.SAL, sdrActor, note: "Accepted after first call") || roll < 70)
        {
            return;
        }

        if (roll < 76)
        {
            Step(LeadStage.Nurture, sdrActor, "not-ready", "Still comparing options", now.AddDays(random.Next(10, 120)));
            return;
        }

        if (!Step(LeadStage.SQL, sdrActor, note: "BANT confirmed on discovery call") || roll < 84)
        {
            return;
        }

        Assign(ae, "sql");
        var pipeline = Actor.System("pipeline");
        if (!Step(LeadStage.Opportunity, pipeline, note: "Converted to opportunity") || roll < 92)
        {
            return;
        }

        if (roll < 96)
        {
            Step(LeadStage.Won, pipeline, note: "Opportunity closed won");
        }
        else
        {
            Step(LeadStage.Lost, pipeline, Pick(random, ["lost-to-competitor", "no-decision", "price"]), "Opportunity closed lost");
        }
    }

    private static (ActivityType Type, string? Url) PickActivity(Random random) => random.Next(10) switch
    {
        < 4 => (ActivityType.PageView, Pick(random, ["/pricing", "/blog/lead-scoring-101", "/product/routing", "/compare/handoff-vs-crm", "/customers"])),
        4 => (ActivityType.EmailOpen, null),
        5 => (ActivityType.EmailClick, "/webinar/revops-summit"),
        6 => (ActivityType.ContentDownload, "/resources/scoring-playbook.pdf"),
        7 => (ActivityType.WebinarAttended, "/webinar/revops-summit"),
        8 => (ActivityType.FormSubmit, "/contact"),
        _ => (ActivityType.DemoRequest, "/demo"),
    };

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>"Tomás" → "tomas": accents folded the way matching folds them (the runtime's normalization is not available under invariant globalization).</summary>
    private static string Ascii(string name)
    {
        var folded = new char[Hygiene.TextFold.MaxOutput(name.Length)];
        var length = Hygiene.TextFold.Fold(name, folded, dropDots: true);
        return new string(folded.AsSpan(0, length).ToArray().Where(char.IsAsciiLetter).ToArray());
    }
}
