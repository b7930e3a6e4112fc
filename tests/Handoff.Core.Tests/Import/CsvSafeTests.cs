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
            csv.EndRecord();
        }

        // The escaped cell is quoted as well, as OWASP recommends.
        Assert.Equal("-5,\"'=1+2\",plain\r\n", Encoding.UTF8.GetString(stream.ToArray()));
    }
}
