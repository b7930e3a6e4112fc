using System.Globalization;
using System.Text;
using Handoff.Data;

namespace Handoff.Core.Tests.Data;

/// <summary>SqliteBinding (the bulk insert and the capture writer) writes times as Microsoft.Data.Sqlite does ("yyyy-MM-dd HH:mm:ss.FFFFFFF"), by hand.</summary>
public sealed class SqliteBindingTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(10L)]
    [InlineData(1_234_560L)]
    [InlineData(5_000_000L)]
    [InlineData(9_999_999L)]
    public void FormatDateTime_WritesWhatTheCustomFormatWrites(long ticks)
    {
        foreach (var day in new[] { new DateTime(2026, 12, 4, 21, 5, 9, DateTimeKind.Utc), new DateTime(1, 1, 1), new DateTime(9999, 12, 31, 23, 59, 59) })
        {
            var value = day.AddTicks(ticks);
            var utf8 = new byte[32];
            var written = SqliteBinding.FormatDateTime(value, utf8);

            Assert.Equal(value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture), Encoding.ASCII.GetString(utf8, 0, written));
        }
    }
}
