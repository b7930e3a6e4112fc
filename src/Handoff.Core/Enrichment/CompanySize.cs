using System.Globalization;

namespace Handoff.Enrichment;

/// <summary>Employee count bands: 1-10, 11-50, 51-200, 201-1000, 1001-5000, 5001+.</summary>
public enum CompanySizeBand
{
    Unknown,
    Employees1To10,
    Employees11To50,
    Employees51To200,
    Employees201To1000,
    Employees1001To5000,
    Employees5001Plus,
}

/// <summary>The sales segment of a company by head count.</summary>
public enum Segment
{
    Unknown,

    /// <summary>1 to 200 employees.</summary>
    SMB,

    /// <summary>201 to 1,000 employees.</summary>
    MidMarket,

    /// <summary>More than 1,000 employees.</summary>
    Enterprise,
}

/// <summary>Maps an employee count to its band and segment.</summary>
public static class CompanySize
{
    /// <summary>The band of <paramref name="employees"/>; Unknown for null, zero or negative (zero means "not given" in most imports).</summary>
    public static CompanySizeBand BandOf(int? employees) => employees switch
    {
        null or <= 0 => CompanySizeBand.Unknown,
        <= 10 => CompanySizeBand.Employees1To10,
        <= 50 => CompanySizeBand.Employees11To50,
        <= 200 => CompanySizeBand.Employees51To200,
        <= 1000 => CompanySizeBand.Employees201To1000,
        <= 5000 => CompanySizeBand.Employees1001To5000,
        _ => CompanySizeBand.Employees5001Plus,
    };

    public static Segment SegmentOf(int? employees) => employees switch
    {
        null or <= 0 => Segment.Unknown,
        <= 200 => Segment.SMB,
        <= 1000 => Segment.MidMarket,
        _ => Segment.Enterprise,
    };

    /// <summary>
    /// An employee count as forms, files and data vendors write it: "250", "1,200", a range ("51-200", "51–200", as
    /// HubSpot's ranges: the lower bound), "1000+". Null for anything else.
    /// </summary>
    public static int? Parse(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = value.Replace(",", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Replace('\u2013', '-').TrimEnd('+');
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            text = text[..dash];
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>The band as people write it: "1-10", ..., "5001+"; null for Unknown.</summary>
    public static string? Label(CompanySizeBand band) => band switch
    {
        CompanySizeBand.Employees1To10 => "1-10",
        CompanySizeBand.Employees11To50 => "11-50",
        CompanySizeBand.Employees51To200 => "51-200",
        CompanySizeBand.Employees201To1000 => "201-1000",
        CompanySizeBand.Employees1001To5000 => "1001-5000",
        CompanySizeBand.Employees5001Plus => "5001+",
        _ => null,
    };
}
