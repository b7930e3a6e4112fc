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

    /// <summary>
    /// Reads the header row: its names with line breaks normalized (<see cref="HeaderName"/>). A header whose quote is
    /// never closed, or whose names repeat (one of the columns would be dropped), is refused with what to fix.
    /// </summary>
    private static async Task<Result<IReadOnlyList<string>>> ReadHeadersAsync(string path, CancellationToken ct)
    {
        try
        {
            CsvMalformedRecord? brokenHeader = null;
            await using var reader = CsvReader.FromFile(path, ReaderOptions(m =>
            {
                if (m.RecordNumber == 1 && m.Reason != CsvMalformedReason.StrayQuote)
                {
                    brokenHeader ??= m;
                }
            }));
            await reader.ReadHeaderAsync(ct);
            var names = reader.Headers.ToArray();
            if (names.Length == 0 || names.All(string.IsNullOrWhiteSpace))
            {
                return ValidationError.For("file", "the file has no header row: its first line must name the columns (e.g. First Name,Last Name,Email)");
            }

            // The first data row tells a quoted header cell that spans lines from a quote that was never closed and
            // swallowed the lines after it (the quoting of the header is reported once the reader is past it).
            var multiLine = Array.FindIndex(names, n => n.AsSpan().IndexOfAny('\r', '\n') >= 0);
            var firstRowWidth = await reader.ReadAsync(ct) ? reader.FieldCount : names.Length;
            if (brokenHeader is { } broken)
            {
                return broken.Reason == CsvMalformedReason.TextAfterClosingQuote && multiLine < 0
                    ? ValidationError.For("file", $"the header row cannot be read: a column name has text after its closing quote ({Start(broken.RawRecord)}); remove the quotes or quote the whole name")
                    : NeverClosed(multiLine >= 0 ? names[multiLine] : broken.RawRecord);
            }

            if (multiLine >= 0 && firstRowWidth != names.Length)
            {
                return NeverClosed(names[multiLine], $"; the header then has {names.Length} column(s) where the first row has {firstRowWidth}");
            }

            var headers = Array.ConvertAll(names, HeaderName);
            if (Repeated(headers) is { } repeated)
            {
                return ValidationError.For(
                    "file",
                    $"the header names the same column more than once, so the values of all but one would be lost: {repeated}. " +
                    "Rename or remove the repeated columns (a mapping names columns by their header, so it cannot tell them apart)");
            }

            return headers;
        }
        catch (CsvFormatException e)
        {
            return ValidationError.For("file", $"the header row cannot be read: {e.Message}");
        }

        static ValidationError NeverClosed(string column, string detail = "") => ValidationError.For(
            "file",
            $"the header row cannot be read: a quote opened in it is never closed (the column starting '{Start(column.Split('\r', '\n')[0])}' runs past the end of the line{detail}); close the quote, or remove it");

        static string Start(string text) => text.Length > 60 ? text[..60] + "…" : text;
    }

    /// <summary>
    /// A header name as imports use it: a line break inside a quoted header cell ("First⏎Name"), with the spaces
    /// around it, becomes one space. Other names are returned as they are.
    /// </summary>
    internal static string HeaderName(string header) =>
        header.AsSpan().IndexOfAny('\r', '\n') < 0
            ? header
            : string.Join(' ', header.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// The names that more than one column has (compared without case, trimmed), with their positions, such as
    /// <c>'Email' (columns 2 (B) and 5 (E))</c>; null when every name is unique. Blank names are not compared: such
    /// columns are ignored, and spreadsheets often export a few empty ones at the end.
    /// </summary>
    private static string? Repeated(string[] headers)
    {
        var repeated = headers
            .Select((name, index) => (Name: name.Trim(), Index: index))
            .Where(h => h.Name.Length > 0)
            .GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g =>
            {
                var positions = g.Select(h => $"{h.Index + 1} ({ColumnLetters(h.Index)})").ToList();
                return $"'{g.First().Name}' (columns {string.Join(", ", positions[..^1])} and {positions[^1]})";
            })
            .ToList();
        return repeated.Count == 0 ? null : string.Join("; ", repeated);
    }

    /// <summary>A spreadsheet's name of the column at <paramref name="index"/> (from 0): A, B, … Z, AA, AB, …</summary>
    private static string ColumnLetters(int index)
    {
        var letters = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            letters = (char)('A' + ((n - 1) % 26)) + letters;
        }

        return letters;
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
