using System.Text;
using Handoff.Common;

namespace Handoff.Core.Tests.Import;

public sealed class CsvSafeTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")")]
    [InlineData("+1 555 0100", "'+1 555 0100")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("Ada", "Ada")]
    [InlineData("", "")]
    public void Cell_PrefixesFormulaStarts(string value, string expected) => Assert.Equal(expected, CsvSafe.Cell(value));

    [Fact]
    public void Writer_NeutralizesTextCells_ButNotNumbers()
    {
        using var stream = new MemoryStream();
        using (var csv = CsvSafe.Create(stream))
        {
            csv.WriteField(-5, []);
            csv.WriteField("=1+2");
            csv.WriteField("plain");
            csv.WriteField("a;b;=cmd|' /C calc'!A0");
            csv.EndRecord();
        }

        // Every cell is quoted (a spreadsheet whose separator is ';' would otherwise split the last one and run its
        // formula), after a UTF-8 byte order mark for Excel; the escaped cell keeps its quote prefix.
        var bytes = stream.ToArray();
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        Assert.Equal("\"-5\",\"'=1+2\",\"plain\",\"a;b;=cmd|' /C calc'!A0\"\r\n", Encoding.UTF8.GetString(bytes[3..]));
    }
}
