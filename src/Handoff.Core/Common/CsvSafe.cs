using CsvHelper;

namespace Handoff.Common;

/// <summary>
/// Every CSV file Handoff writes goes through here. Values come from leads, so from strangers: a cell that starts
/// with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return would run as a formula when the file is
/// opened in a spreadsheet (CSV injection). Such text cells get a leading single quote, as OWASP recommends, which
/// spreadsheets read as "this cell is text".
/// </summary>
public static class CsvSafe
{
    /// <summary>The characters that make a cell a possible formula.</summary>
    public const string FormulaStarts = "=+-@\t\r";

    /// <summary>
    /// RFC 4180 output with formula cells neutralized. CsvHelper's defaults for the characters (<see cref="FormulaStarts"/>)
    /// and the escape (a single quote) are the OWASP ones; it escapes text fields only, so numbers stay numbers. Every
    /// field is quoted: a spreadsheet in a locale whose separator is <c>;</c> (German, French…) otherwise splits an
    /// unquoted cell such as <c>a;b;=cmd|' /C calc'!A0</c> and runs the formula in its last part. A byte order mark
    /// makes Excel read the file as UTF-8.
    /// </summary>
    public static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        Quoting = CsvQuoting.Always,
        WriteByteOrderMark = true,
    };

    /// <summary>A writer of UTF-8 CSV to <paramref name="destination"/>, left open when the writer is disposed.</summary>
    public static CsvWriter Create(Stream destination) => CsvWriter.Create(destination, Options, leaveOpen: true);

    /// <summary>The cell as a spreadsheet must receive it, for the rare CSV written without <see cref="Create"/>.</summary>
    public static string? Cell(string? value) =>
        value is { Length: > 0 } && FormulaStarts.Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;
}
