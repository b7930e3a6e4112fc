using System.Text;
using Handoff.Common;
using Handoff.Import;

namespace Handoff.Core.Tests.Import;

public sealed class ImportFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "handoff-import-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<Result<ReceivedFile>> ReceiveAsync(byte[] content) =>
        ImportFile.ReceiveAsync(new MemoryStream(content), "../../leads.csv", _directory, CancellationToken.None);

    private static string FileError(Result<ReceivedFile> result) =>
        Assert.IsType<ValidationError>(result.Error).Fields["file"][0];

    [Fact]
    public async Task Utf8WithBom_IsStored_WithItsHashAndHeader()
    {
        var content = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("First Name,Email\r\nZoë,zoe@example.com\r\n")).ToArray();

        var received = await ReceiveAsync(content);

        Assert.True(received.IsSuccess);
        var file = received.Value!;
        Assert.Equal(["First Name", "Email"], file.Headers);
        Assert.Equal("leads.csv", file.FileName);
        Assert.Equal(content.Length, file.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), file.Sha256);
        Assert.Equal(content, await File.ReadAllBytesAsync(file.Path));
    }

    [Fact]
    public async Task InvalidUtf8_IsRefused_NamingTheByteAndLine()
    {
        var latin1 = Encoding.Latin1.GetBytes("Email,City\nzoe@example.com,Zürich\n");

        var error = FileError(await ReceiveAsync(latin1));

        Assert.Contains("not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Contains("line 2", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(ImportFile.Directory(_directory)));
    }

    [Fact]
    public async Task AHeaderWhoseQuoteIsNeverClosed_IsRefused()
    {
        var error = FileError(await ReceiveAsync(Encoding.UTF8.GetBytes("\"First Name,Last Name,Email,Company\nS1,Qa,s1@uh.com,Co\n")));

        Assert.Contains("never closed", error, StringComparison.Ordinal);
        Assert.Contains("First Name,Last Name,Email,Company", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task AQuotedHeaderCellWithALineBreak_IsAccepted_AsItsNameWithASpace(string lineEnd)
    {
        var received = await ReceiveAsync(Encoding.UTF8.GetBytes($"\"First{lineEnd}Name\",Email,\"Lead{lineEnd}  Source \"{lineEnd}Ada,ada@example.com,Web{lineEnd}"));

        Assert.True(received.IsSuccess, received.Error?.ToString());
        Assert.Equal(["First Name", "Email", "Lead Source"], received.Value!.Headers);
    }

    [Fact]
    public async Task AHeaderQuoteThatSwallowsTheNextLine_IsRefused_ThoughALaterQuoteClosesIt()
    {
        // The quote before Email closes at the end of line 2: one column named "Email,Name⏎bob@x.io,Bob" where the rows have two.
        var error = FileError(await ReceiveAsync(Encoding.UTF8.GetBytes("\"Email,Name\nbob@x.io,Bob\"\nann@x.io,Ann\n")));

        Assert.Contains("never closed", error, StringComparison.Ordinal);
        Assert.Contains("'Email,Name'", error, StringComparison.Ordinal);
        Assert.Contains("has 1 column(s) where the first row has 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedHeaderNames_AreRefused_NamingEachAndItsColumns_AndNothingIsKept()
    {
        var error = FileError(await ReceiveAsync(Encoding.UTF8.GetBytes("Email,Name, EMAIL ,Phone,name,,\nada@example.com,Ada,ada@work.io,1234,Lovelace,,\n")));

        Assert.Contains("'Email' (columns 1 (A) and 3 (C))", error, StringComparison.Ordinal);
        Assert.Contains("'Name' (columns 2 (B) and 5 (E))", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Phone", error, StringComparison.Ordinal);
        Assert.DoesNotContain("''", error, StringComparison.Ordinal); // empty names (trailing empty columns) are not repeats
        Assert.Empty(Directory.GetFiles(ImportFile.Directory(_directory)));
    }

    [Fact]
    public async Task BinaryUtf16AndEmptyFiles_AreRefused()
    {
        Assert.Contains("not text", FileError(await ReceiveAsync([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00])), StringComparison.Ordinal);
        Assert.Contains("UTF-16", FileError(await ReceiveAsync(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("Email\n")).ToArray())), StringComparison.Ordinal);
        Assert.Contains("empty", FileError(await ReceiveAsync([])), StringComparison.Ordinal);
    }
}
