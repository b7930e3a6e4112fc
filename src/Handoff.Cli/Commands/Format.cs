using System.Globalization;

namespace Handoff.Cli.Commands;

/// <summary>How the commands show values in tables.</summary>
internal static class Format
{
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
