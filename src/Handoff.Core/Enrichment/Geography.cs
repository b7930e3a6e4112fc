using System.Text;
using Handoff.Hygiene;

namespace Handoff.Enrichment;

/// <summary>
/// The sales region of a country. Written as the business writes them (AMER, EMEA, APAC): they are stored and
/// shown as strings, and routing rules name them.
/// </summary>
public enum Region
{
    Unknown,
    AMER,
    EMEA,
    APAC,
}

/// <summary>The split of AMER into North America (US, Canada and their territories) and Latin America with the Caribbean.</summary>
public enum SubRegion
{
    None,
    NA,
    LATAM,
}

/// <summary>A country of ISO 3166-1 with its sales region.</summary>
public sealed record Country(string Code, string Alpha3, string Name, Region Region, SubRegion SubRegion);

/// <summary>A recognised US state or Canadian province: its postal code and its country.</summary>
public readonly record struct StateMatch(string Code, string CountryCode);

/// <summary>
/// Country and state normalization: "US", "USA", "United States", "Deutschland", "UK", "GB", "Österreich" →
/// ISO 3166-1 alpha-2, with the sales region; US state and Canadian province names and codes → postal codes.
/// The country table (Enrichment/Data/countries.tsv) is embedded and read once.
/// </summary>
public static class Geography
{
    private const int MaxChars = 100;

    private static readonly (Dictionary<string, Country> ByCode, Dictionary<string, Country> ByName) CountryTable = LoadCountries();
    private static readonly Dictionary<string, Country> Countries = CountryTable.ByCode;
    private static readonly Dictionary<string, Country>.AlternateLookup<ReadOnlySpan<char>> CountryLookup = CountryTable.ByName.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly Dictionary<string, StateMatch> States = BuildStates();
    private static readonly Dictionary<string, StateMatch>.AlternateLookup<ReadOnlySpan<char>> StateLookup = States.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Every country of the table, by alpha-2 code.</summary>
    public static IReadOnlyDictionary<string, Country> All => Countries;

    /// <summary>The country named by <paramref name="country"/> (a name in English or its own language, an alpha-2 or alpha-3 code); null when unknown.</summary>
    public static Country? FindCountry(string? country)
    {
        if (string.IsNullOrWhiteSpace(country) || country.Length > MaxChars)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[TextFold.MaxOutput(country.Length)];
        var key = buffer[..TextFold.Fold(country, buffer, dropDots: true)];
        if (key.StartsWith("the "))
        {
            key = key[4..];
        }

        return CountryLookup.TryGetValue(key, out var found) ? found : null;
    }

    /// <summary>The ISO 3166-1 alpha-2 code of <paramref name="country"/>; null when unknown.</summary>
    public static string? CountryCode(string? country) => FindCountry(country)?.Code;

    /// <summary>The sales region of an alpha-2 code; Unknown for null or an unknown code.</summary>
    public static Region RegionOf(string? countryCode) =>
        countryCode is not null && Countries.TryGetValue(countryCode, out var c) ? c.Region : Region.Unknown;

    public static SubRegion SubRegionOf(string? countryCode) =>
        countryCode is not null && Countries.TryGetValue(countryCode, out var c) ? c.SubRegion : SubRegion.None;

    /// <summary>
    /// A US state (or DC, or a territory) or a Canadian province, by name or postal code, when the country is
    /// the US, Canada or not given. Null for other countries and unknown names: those states are kept as typed.
    /// </summary>
    public static StateMatch? FindState(string? state, string? countryCode)
    {
        if (string.IsNullOrWhiteSpace(state) || state.Length > MaxChars || (countryCode is not null and not "US" and not "CA"))
        {
            return null;
        }

        Span<char> buffer = stackalloc char[TextFold.MaxOutput(state.Length)];
        var key = buffer[..TextFold.Fold(state, buffer, dropDots: true)];
        if (!StateLookup.TryGetValue(key, out var match))
        {
            return null;
        }

        return countryCode is null || countryCode == match.CountryCode ? match : null;
    }

    private static (Dictionary<string, Country> ByCode, Dictionary<string, Country> ByName) LoadCountries()
    {
        const string resource = "Handoff.Enrichment.Data/countries.tsv";
        using var stream = typeof(Geography).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not embedded in Handoff.Core.");
        using var reader = new StreamReader(stream, Encoding.UTF8);

        var byCode = new Dictionary<string, Country>(260, StringComparer.OrdinalIgnoreCase);
        var byName = new Dictionary<string, Country>(1_000, StringComparer.Ordinal);
        Span<char> buffer = stackalloc char[2 * MaxChars];
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var columns = line.Split('\t');
            var region = columns[2].Length == 0 ? Region.Unknown : Enum.Parse<Region>(columns[2]);
            var subRegion = columns[3].Length == 0 ? SubRegion.None : Enum.Parse<SubRegion>(columns[3]);
            var names = columns[4].Split('|');
            var country = new Country(columns[0], columns[1], names[0], region, subRegion);
            byCode.Add(country.Code, country);

            // First writer wins: a code or an official name outranks a later alias.
            byName.TryAdd(country.Code.ToLowerInvariant(), country);
            byName.TryAdd(country.Alpha3.ToLowerInvariant(), country);
            foreach (var name in names)
            {
                byName.TryAdd(buffer[..TextFold.Fold(name, buffer, dropDots: true)].ToString(), country);
            }
        }

        return (byCode, byName);
    }

    private static Dictionary<string, StateMatch> BuildStates()
    {
        (string Code, string Name)[] us =
        [
            ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
            ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("FL", "Florida"), ("GA", "Georgia"),
            ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"),
            ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"),
            ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"),
            ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"),
            ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"),
            ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"),
            ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"),
            ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
            ("DC", "District of Columbia"), ("DC", "Washington DC"), ("DC", "Washington D.C."), ("PR", "Puerto Rico"),
            ("GU", "Guam"), ("VI", "US Virgin Islands"), ("VI", "U.S. Virgin Islands"), ("AS", "American Samoa"),
            ("MP", "Northern Mariana Islands"),
        ];
        (string Code, string Name)[] canada =
        [
            ("AB", "Alberta"), ("BC", "British Columbia"), ("BC", "Colombie-Britannique"), ("MB", "Manitoba"),
            ("NB", "New Brunswick"), ("NB", "Nouveau-Brunswick"), ("NL", "Newfoundland and Labrador"),
            ("NL", "Newfoundland"), ("NL", "Terre-Neuve-et-Labrador"), ("NS", "Nova Scotia"), ("NS", "Nouvelle-Écosse"),
            ("NT", "Northwest Territories"), ("NT", "Territoires du Nord-Ouest"), ("NU", "Nunavut"), ("ON", "Ontario"),
            ("PE", "Prince Edward Island"), ("PE", "Île-du-Prince-Édouard"), ("QC", "Quebec"), ("QC", "Québec"),
            ("SK", "Saskatchewan"), ("YT", "Yukon"),
        ];

        var states = new Dictionary<string, StateMatch>(200, StringComparer.Ordinal);
        Add(states, "US", us);
        Add(states, "CA", canada);
        return states;

        static void Add(Dictionary<string, StateMatch> states, string countryCode, (string Code, string Name)[] table)
        {
            Span<char> buffer = stackalloc char[2 * MaxChars];
            foreach (var (code, name) in table)
            {
                var match = new StateMatch(code, countryCode);
                states.TryAdd(code.ToLowerInvariant(), match);
                states.TryAdd(buffer[..TextFold.Fold(name, buffer, dropDots: true)].ToString(), match);
            }
        }
    }
}
