using System.CommandLine;
using System.Globalization;
using CsvHelper;
using Spectre.Console;

namespace Handoff.Cli.Commands;

/// <summary>
/// <c>handoff import-sample</c>: writes a realistic Salesforce lead export to try imports on and to measure them: about
/// 5 % of the rows repeat an earlier person (another case of the email, some fields changed or missing), 3 % look
/// like junk (test entries, throwaway domains) and 1 % are invalid (bad email, no email/phone/name, oversize title,
/// employee count that is not a number). The same seed gives the same file.
/// </summary>
internal static class ImportSampleCommand
{
    private static readonly string[] Headers =
    [
        "First Name", "Last Name", "Email", "Company", "Title", "Phone", "Mobile Phone", "Website", "Industry",
        "No. of Employees", "Country", "State/Province", "City", "Lead Source", "Description", "Email Opt Out",
        "Lead Status", "Rating",
    ];

    private static readonly string[] FirstNames =
    [
        "Ada", "Grace", "Alan", "Linus", "Margaret", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim",
        "Sophie", "Dennis", "Hedy", "John", "Katherine", "Niklaus", "Shafi", "Vint", "Leslie", "Anita", "Bjarne",
        "Guido", "Yukihiro", "James", "Lynn", "Martha", "Jean", "Karen", "Mary", "Ivan", "Seymour", "Fran", "Carl",
        "Amelie", "Noor", "Mateo", "Chen", "Priya", "Olga", "Kwame", "Lucia", "Hiroshi", "Fatima", "Sven", "Aisha",
        "Diego", "Ingrid", "Ravi",
    ];

    private static readonly string[] LastNames =
    [
        "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
        "Perlman", "Berners-Lee", "Wilson", "Ritchie", "Lamarr", "McCarthy", "Johnson", "Wirth", "Goldwasser", "Cerf",
        "Lamport", "Borg", "Stroustrup", "van Rossum", "Matsumoto", "Gosling", "Conway", "Rowe", "Sammet", "Sparck",
        "Shaw", "Sutherland", "Papert", "Bilas", "Hewitt", "Dubois", "Haddad", "Garcia", "Wang", "Sharma", "Ivanova",
        "Mensah", "Rossi", "Tanaka", "Khan", "Lindqvist", "Okafor", "Fernandez", "Berg", "Iyer",
    ];

    private static readonly string[] CompanyWords =
    [
        "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell", "Cyberdyne",
        "Aperture", "Black Mesa", "Wonka", "Gringotts", "Oscorp", "Massive Dynamic", "Pied Piper", "Dunder Mifflin",
        "Blue Sun", "Nakatomi", "Virtucon", "Monarch", "Prestige", "Sterling",
    ];

    private static readonly string[] CompanySuffixes = ["Inc", "Ltd", "GmbH", "Analytics", "Labs", "Systems", "Group", "Software", "Logistics", "Health"];

    private static readonly string[] Titles =
    [
        "CTO", "VP Engineering", "Head of Marketing", "Marketing Manager", "Data Engineer", "Product Manager", "CFO",
        "Operations Director", "IT Manager", "Software Engineer", "Head of Sales", "CEO", "Procurement Lead",
    ];

    private static readonly string[] Industries = ["Software", "Manufacturing", "Healthcare", "Finance", "Retail", "Education", "Logistics", "Energy", "Media", "Telecommunications"];

    private static readonly (string Country, string State, string City)[] Places =
    [
        ("United States", "CA", "San Francisco"), ("United States", "NY", "New York"), ("United States", "TX", "Austin"),
        ("Germany", "Berlin", "Berlin"), ("France", "Île-de-France", "Paris"), ("United Kingdom", "England", "London"),
        ("Japan", "Tokyo", "Tokyo"), ("India", "Karnataka", "Bengaluru"), ("Brazil", "São Paulo", "São Paulo"),
        ("Sweden", "Stockholm", "Stockholm"), ("Nigeria", "Lagos", "Lagos"), ("Canada", "ON", "Toronto"),
    ];

    private static readonly string[] Sources = ["Web", "Webinar", "Trade Show", "Partner Referral", "Advertisement", "Purchased List", "Employee Referral", "Other"];

    private static readonly string[] Statuses = ["Open - Not Contacted", "Working - Contacted", "Closed - Not Converted"];

    private static readonly string[] Ratings = ["Hot", "Warm", "Cold", ""];

    private enum Kind
    {
        Normal,
        Duplicate,
        Junk,
        Invalid,
    }

    public static Command Create(CommandHost host)
    {
        var rows = new Option<int>("--rows")
        {
            Description = "How many data rows (1 to 10,000,000)",
            DefaultValueFactory = _ => 10_000,
        };
        rows.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000_000)
            {
                r.AddError("--rows must be between 1 and 10,000,000.");
            }
        });
        var output = new Option<FileInfo>("--out")
        {
            Description = "The CSV file to write (replaced if it exists)",
            HelpName = "file.csv",
            Required = true,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Random seed: the same seed gives the same file",
            DefaultValueFactory = _ => 42,
        };

        var command = new Command(
            "import-sample",
            "Write a realistic Salesforce lead export for trying 'handoff import': ~5% duplicates, ~3% junk-looking rows, ~1% invalid rows")
        {
            rows,
            output,
            seed,
        };
        command.SetAction((parse, ct) =>
        {
            var file = parse.GetValue(output)!;
            var count = parse.GetValue(rows);
            Write(file.FullName, count, parse.GetValue(seed), ct);
            host.Terminal.Out.MarkupLineInterpolated($"Wrote {count:N0} rows to {file.FullName} ({new FileInfo(file.FullName).Length / 1024.0 / 1024.0:N1} MiB).");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// Writes the sample. It is input for the importer, not an export for spreadsheets, so it is written as it is:
    /// neutralizing cells (CsvSafe) would put a quote before every "+1 ..." phone number that the import then keeps.
    /// </summary>
    public static void Write(string path, int count, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        using var csv = CsvWriter.ToFile(path, CsvWriterOptions.Default);
        csv.WriteHeader(Headers);
        for (var i = 0; i < count; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            var kind = KindOf(seed, i);
            if (kind == Kind.Duplicate)
            {
                // Repeat an earlier normal person, most often a recent one (the same batch), sometimes one long before.
                var earlier = -1;
                for (var attempt = 0; attempt < 8 && i > 0; attempt++)
                {
                    var candidate = random.Next(4) == 0 ? random.Next(i) : Math.Max(0, i - 1 - random.Next(Math.Min(i, 2_000)));
                    if (KindOf(seed, candidate) == Kind.Normal)
                    {
                        earlier = candidate;
                        break;
                    }
                }

                WritePerson(csv, seed, earlier >= 0 ? earlier : i, earlier >= 0 ? Kind.Duplicate : Kind.Normal, random);
            }
            else
            {
                WritePerson(csv, seed, i, kind, random);
            }
        }
    }

    private static Kind KindOf(int seed, int i)
    {
        var roll = (int)(Mix(seed, i, 1) % 1000);
        return roll switch
        {
            < 50 => Kind.Duplicate,
            < 80 => Kind.Junk,
            < 90 => Kind.Invalid,
            _ => Kind.Normal,
        };
    }

    private static void WritePerson(CsvWriter csv, int seed, int person, Kind kind, Random random)
    {
        var h = Mix(seed, person, 2);
        var first = FirstNames[(int)(h % (ulong)FirstNames.Length)];
        var last = LastNames[(int)(h / 64 % (ulong)LastNames.Length)];
        var word = CompanyWords[(int)(h / 4096 % (ulong)CompanyWords.Length)];
        var suffix = CompanySuffixes[(int)(h / 131072 % (ulong)CompanySuffixes.Length)];
        var company = $"{word} {suffix}";
        var domain = $"{word.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()}-{suffix.ToLowerInvariant()}.io";
        var local = $"{first}.{last.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal)}{person}".ToLowerInvariant();
        var email = $"{local}@{domain}";
        var place = Places[(int)(h / 3_000_000 % (ulong)Places.Length)];
        var title = Titles[random.Next(Titles.Length)];
        var phone = $"+1 555 {random.Next(100, 999)} {random.Next(1000, 9999)}";
        var employees = (10 * (1 + (int)(h % 500))).ToString(CultureInfo.InvariantCulture);
        string? description = random.Next(7) == 0 ? $"Asked about pricing, integrations and SSO.\nFollow up after the {Sources[random.Next(Sources.Length)]} in Q{random.Next(1, 5)}." : null;
        var optOut = random.Next(10) == 0 ? "1" : "0";

        switch (kind)
        {
            case Kind.Duplicate:
                // Another case of the same email, a newer title and phone, and fields the earlier row had left out.
                email = char.ToUpperInvariant(email[0]) + email[1..];
                company = random.Next(2) == 0 ? company : "";
                description = "Came back through a second campaign.";
                break;
            case Kind.Junk:
                (first, last, company, email) = (person % 3) switch
                {
                    0 => ("Test", "Test", "Test", $"test{person}@test.com"),
                    1 => ("asdf", "asdf", "N/A", $"asdf{person}@mailinator.com"),
                    _ => (first, last, "Student", $"{local}@gmail.com"),
                };
                description = person % 3 == 2 ? "Looking for an internship" : null;
                break;
            case Kind.Invalid:
                switch (person % 4)
                {
                    case 0:
                        email = $"{local}@";
                        break;
                    case 1:
                        (first, last, email, phone) = ("", "", "", "");
                        break;
                    case 2:
                        employees = "lots";
                        break;
                    default:
                        title = string.Concat(Enumerable.Repeat("Senior Principal Staff Engineer ", 10));
                        break;
                }

                break;
        }

        csv.WriteField(first);
        csv.WriteField(last);
        csv.WriteField(email);
        csv.WriteField(company);
        csv.WriteField(title);
        csv.WriteField(phone);
        csv.WriteField(random.Next(3) == 0 ? $"+1 555 {random.Next(100, 999)} {random.Next(1000, 9999)}" : "");
        csv.WriteField(kind == Kind.Duplicate ? "" : "https://www." + domain);
        csv.WriteField(Industries[(int)(h / 77 % (ulong)Industries.Length)]);
        csv.WriteField(kind == Kind.Duplicate ? "" : employees);
        csv.WriteField(place.Country);
        csv.WriteField(place.State);
        csv.WriteField(place.City);
        csv.WriteField(Sources[(int)(h / 999 % (ulong)Sources.Length)]);
        csv.WriteField(description);
        csv.WriteField(optOut);
        csv.WriteField(Statuses[random.Next(Statuses.Length)]);
        csv.WriteField(Ratings[random.Next(Ratings.Length)]);
        csv.EndRecord();
    }

    /// <summary>SplitMix64 of (seed, index, stream): a person's fixed traits, so a duplicate can repeat them.</summary>
    private static ulong Mix(int seed, int index, int stream)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)index) + ((ulong)stream * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
