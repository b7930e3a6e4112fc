using System.Security.Cryptography;
using System.Text;
using CsvHelper;
using Handoff.Common;

namespace Handoff.Import;

/// <summary>An uploaded CSV file, checked and stored on disk, not yet attached to a job.</summary>
public sealed record ReceivedFile(string Path, string FileName, string Sha256, long Size, IReadOnlyList<string> Headers);

/// <summary>
/// Receives a CSV file: streams it to disk (never whole in memory) while computing its SHA-256 and checking that it
/// is UTF-8 text (with or without a byte order mark), then reads its header. Files in another encoding and binary
/// files are refused with a message that says what to do.
/// </summary>
public static class ImportFile
{
    private const int BufferSize = 128 * 1024;

    /// <summary>The CSV reading options every import uses: the separator is detected (comma, semicolon, tab, pipe).</summary>
    internal static CsvReaderOptions ReaderOptions(Action<CsvMalformedRecord>? onMalformed = null) => new()
    {
        HasHeader = true,
        AllowLineBreaksInQuotes = true,
        SkipEmptyLines = true,
        MalformedData = CsvMalformedDataHandling.Recover,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        OnMalformedRecord = onMalformed,
        TrackLineNumbers = true,

        // A legitimate lead row is a few kilobytes; a quote that is never closed would otherwise grow the buffer
        // through the whole file.
        MaxRecordSize = 8 * 1024 * 1024,
    };

    public static string Directory(string dataDirectory) => System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDirectory), "imports");

    /// <summary>Where a job's file is kept until the job completes.</summary>
    public static string PathOf(string dataDirectory, Guid jobId) => System.IO.Path.Combine(Directory(dataDirectory), $"{jobId}.csv");

    public static async Task<Result<ReceivedFile>> ReceiveAsync(Stream content, string fileName, string dataDirectory, CancellationToken ct)
    {
        var directory = System.IO.Directory.CreateDirectory(Directory(dataDirectory)).FullName;
        var path = System.IO.Path.Combine(directory, $"upload-{Guid.NewGuid():N}.part");
        try
        {
            var result = await CopyCheckedAsync(content, path, ct);
            if (result.Error is not null)
            {
                File.Delete(path);
                return result.Error;
            }

            var (sha, size) = result.Value;
            var headers = await ReadHeadersAsync(path, ct);
            if (headers.Error is not null)
            {
                File.Delete(path);
                return headers.Error;
            }

            return new ReceivedFile(path, CleanName(fileName), sha, size, headers.Value!);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Copies while hashing and checking the bytes; the error names the byte and line of the first bad one.</summary>
    private static async Task<Result<(string Sha256, long Size)>> CopyCheckedAsync(Stream content, string path, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
        var buffer = new byte[BufferSize];
        var chars = new char[BufferSize + 4];
        long size = 0, lines = 1;
        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
        {
            int read;
            while ((read = await content.ReadAsync(buffer, ct)) > 0)
            {
                var bytes = buffer.AsSpan(0, read);
                if (size == 0 && Utf16Bom(bytes))
                {
                    return Refuse("the file is UTF-16 text; save it as \"CSV UTF-8\" (UTF-8 is the encoding imports read)");
                }

                var zero = bytes.IndexOf((byte)0);
                if (zero >= 0)
                {
                    return Refuse($"the file is not text: it contains a NUL byte at byte {size + zero + 1:N0} (line {lines + bytes[..zero].Count((byte)'\n'):N0}); upload a CSV file");
                }

                try
                {
                    decoder.GetChars(bytes, chars, flush: false);
                }
                catch (DecoderFallbackException e)
                {
                    var at = Math.Clamp(e.Index, 0, read);
                    return Refuse(
                        $"the file is not valid UTF-8: byte {size + at + 1:N0} (line {lines + bytes[..at].Count((byte)'\n'):N0}) is not UTF-8; " +
                        "save it as \"CSV UTF-8\" (Excel: File > Save As > CSV UTF-8) and upload it again");
                }

                lines += bytes.Count((byte)'\n');
                sha.AppendData(bytes);
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
                size += read;
            }

            try
            {
                decoder.GetChars([], chars, flush: true);
            }
            catch (DecoderFallbackException)
            {
                return Refuse("the file is not valid UTF-8: it ends in the middle of a character; save it as \"CSV UTF-8\" and upload it again");
            }
        }

        if (size == 0)
        {
            return Refuse("the file is empty");
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), size);
    }

    private static async Task<Result<IReadOnlyList<string>>> ReadHeadersAsync(string path, CancellationToken ct)
    {
        try
        {
            await using var reader = CsvReader.FromFile(path, ReaderOptions());
            await reader.ReadHeaderAsync(ct);
            var headers = reader.Headers.ToArray();
            if (headers.Length == 0 || headers.All(string.IsNullOrWhiteSpace))
            {
                return ValidationError.For("file", "the file has no header row: its first line must name the columns (e.g. First Name,Last Name,Email)");
            }

            if (headers.FirstOrDefault(h => h.Contains('\n', StringComparison.Ordinal) || h.Contains('\r', StringComparison.Ordinal)) is { } broken)
            {
                // A quote opened in the header and never closed swallows the lines after it into one column name.
                var start = broken.Split('\r', '\n')[0];
                return ValidationError.For("file", $"the header row cannot be read: a quote opened in it is never closed (the column starting '{(start.Length > 60 ? start[..60] + "…" : start)}' runs past the end of the line)");
            }

            return headers;
        }
        catch (CsvFormatException e)
        {
            return ValidationError.For("file", $"the header row cannot be read: {e.Message}");
        }
    }

    private static bool Utf16Bom(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF));

    private static ValidationError Refuse(string message) => ValidationError.For("file", message);

    private static string CleanName(string fileName)
    {
        var name = System.IO.Path.GetFileName(fileName.Replace('\\', '/'));
        name = string.Concat(name.Where(c => !char.IsControl(c))).Trim();
        return name.Length == 0 ? "import.csv" : ImportJob.Clip(name, 255);
    }
}
