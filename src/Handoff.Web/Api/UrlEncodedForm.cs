using System.Text;
using System.Web;
using Microsoft.Net.Http.Headers;

namespace Handoff.Web.Api;

/// <summary>
/// An <c>application/x-www-form-urlencoded</c> body decoded in the character set it was sent in. A browser encodes a
/// form in its page's character set and does not say which in the content type; ASP.NET's form reader assumes UTF-8
/// and leaves Latin-1 escapes (<c>Ren%E9</c>) undecoded. So, in this order: the content type's <c>charset</c>; the
/// form's own <c>_charset_</c> field (which browsers fill in) or Salesforce Web-to-Lead's <c>encoding</c> field;
/// else UTF-8, or Windows-1252 when the bytes are not valid UTF-8 (what older European sites send). As in browsers,
/// the Latin-1 and ASCII labels mean Windows-1252; a label this server does not know, or one of a character set that
/// is not ASCII-compatible (UTF-16, UTF-32), is ignored, as ASP.NET's own reader ignores it.
/// </summary>
internal static class UrlEncodedForm
{
    /// <summary>As many fields as ASP.NET's form reader takes.</summary>
    public const int MaxFields = 1024;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The fields, or an error naming what is wrong (too many fields).</summary>
    public static async Task<(List<KeyValuePair<string, string?>>? Fields, string? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();

        // The field names and the charset fields are ASCII whatever the character set: split on the raw bytes.
        var parts = Encoding.Latin1.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxFields)
        {
            return (null, $"the form has {parts.Length} fields; at most {MaxFields} are read");
        }

        var declared = MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.Charset.HasValue ? type.Charset.Value
            : parts.Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0] is "_charset_" or "encoding")?[1];
        var encoding = Declared(declared) ?? (IsUtf8(body, parts) ? Encoding.UTF8 : Windows1252);

        // A name sent more than once (a group of checkboxes) gives its values joined by commas, as ASP.NET's reader does.
        var fields = encoding.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Select(pair => (Name: HttpUtility.UrlDecode(pair[0], encoding), Value: pair.Length == 2 ? HttpUtility.UrlDecode(pair[1], encoding) : ""))
            .GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase)
            .Select(g => new KeyValuePair<string, string?>(g.Key, string.Join(',', g.Select(f => f.Value))))
            .ToList();
        return (fields, null);
    }

    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    /// <summary>The encoding a charset label names, or null to guess (no label, an unknown one, or not ASCII-compatible).</summary>
    private static Encoding? Declared(string? label)
    {
        if (string.IsNullOrWhiteSpace(label))
        {
            return null;
        }

        label = HttpUtility.UrlDecode(label).Trim().Trim('"');
        Encoding encoding;
        try
        {
            encoding = CodePagesEncodingProvider.Instance.GetEncoding(label) ?? Encoding.GetEncoding(label);
        }
        catch (ArgumentException)
        {
            return null;
        }

        return encoding.CodePage switch
        {
            28591 or 20127 => Windows1252, // iso-8859-1, latin1, us-ascii: browsers send Windows-1252 under these names
            1200 or 1201 or 12000 or 12001 => null, // UTF-16 and UTF-32 would not split on ASCII bytes
            _ => encoding,
        };
    }

    /// <summary>Whether the raw bytes and every escaped byte sequence are valid UTF-8.</summary>
    private static bool IsUtf8(byte[] body, string[] parts)
    {
        try
        {
            StrictUtf8.GetString(body);
            foreach (var part in parts)
            {
                StrictUtf8.GetString(HttpUtility.UrlDecodeToBytes(part));
            }

            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
