using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Handoff.Common;
using Microsoft.Net.Http.Headers;

namespace Handoff.Web.Api;

/// <summary>
/// A JSON object body read by its endpoint rather than by minimal-API binding, so that each way a body can be wrong
/// is named as what it is: an empty body, a body that is not an object, bytes that are not UTF-8, broken JSON; and
/// every field with a wrong type or an unknown name at once, where System.Text.Json stops at the first. A good body
/// costs what binding costs: one read into a pooled buffer and one deserialization. Only a failed read does more.
/// </summary>
internal static class JsonBody
{
    /// <summary>
    /// Reads the body as <typeparamref name="T"/>. On failure <c>Errors</c> names every problem found; when only some
    /// fields were wrong, <c>Value</c> holds the others, so that the caller can check their values too.
    /// A body that is not JSON by its content type is a <c>415</c> (thrown, as binding does).
    /// </summary>
    /// <param name="request">The request whose body is read (from where it stands: a buffered body is rewound by whoever hashed it).</param>
    /// <param name="options">The app's JSON options.</param>
    /// <param name="ct">The request's cancellation.</param>
    public static async Task<(T? Value, FieldErrors? Errors)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken ct)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            throw new BadHttpRequestException("Send the body as application/json.", StatusCodes.Status415UnsupportedMediaType);
        }

        var (buffer, filled) = await ReadPooledAsync(request, ct);
        try
        {
            return Parse<T>(Utf8Of(request, buffer.AsSpan(0, filled)), options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The whole body in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (return it), sized by its
    /// <c>Content-Length</c> and grown as needed; the server's request size limit bounds it.
    /// </summary>
    /// <param name="request">The request whose body is read, from where it stands.</param>
    /// <param name="ct">The request's cancellation.</param>
    public static async Task<(byte[] Buffer, int Length)> ReadPooledAsync(HttpRequest request, CancellationToken ct)
    {
        var length = request.ContentLength is > 0 and <= HandoffApi.MaxJsonBody ? (int)request.ContentLength.Value : 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(length + 1); // one spare byte: a full buffer means "read on"
        var filled = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
            {
                filled += read;
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return (buffer, filled);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static (T? Value, FieldErrors? Errors) Parse<T>(ReadOnlySpan<byte> body, JsonSerializerOptions options)
        where T : class
    {
        var bom = body.StartsWith("\uFEFF"u8) ? 3 : 0;
        body = body[bom..];

        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Refused<T>("the body is empty; send a JSON object with the fields, e.g. {\"email\":\"ada@example.com\"}");
        }

        if (!Utf8.IsValid(body))
        {
            var at = InvalidUtf8At(body);
            return Refused<T>($"the body is not valid UTF-8 (byte 0x{body[at]:X2} at offset {bom + at}); send JSON encoded as UTF-8");
        }

        if (FirstToken(body) is { } token and not JsonTokenType.StartObject)
        {
            return Refused<T>("the body must be a JSON object, not " + token switch
            {
                JsonTokenType.StartArray => "an array",
                JsonTokenType.String => "a string",
                JsonTokenType.Number => "a number",
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => "null",
            });
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(body, options), null);
        }
        catch (JsonException e)
        {
            return EveryBadField<T>(body, e, options);
        }
    }

    /// <summary>
    /// After a failed read of well-formed JSON: each field alone, so each wrong type and unknown name is named (the
    /// serializer stops at the first), and the fields that did read, as a value the caller can validate.
    /// </summary>
    private static (T? Value, FieldErrors? Errors) EveryBadField<T>(ReadOnlySpan<byte> body, JsonException first, JsonSerializerOptions options)
        where T : class
    {
        var errors = new FieldErrors();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            var (field, message) = JsonErrors.Explain(first, typeof(T)); // broken JSON: where it broke
            errors.Add(field, message);
            return (null, errors);
        }

        using (document)
        {
            // Each field as it was sent (its raw text: nothing is escaped again, so text the serializer refuses stays as sent).
            var good = new List<string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var raw = property.ToString();
                try
                {
                    JsonSerializer.Deserialize<T>("{" + raw + "}", options);
                    good.Add(raw);
                }
                catch (JsonException e)
                {
                    var (field, message) = JsonErrors.Explain(e, typeof(T));
                    errors.Add(field, message);
                }
            }

            if (!errors.Any)
            {
                // Every field reads alone and not together (a member the type requires): what the serializer said.
                var (field, message) = JsonErrors.Explain(first, typeof(T));
                errors.Add(field, message);
                return (null, errors);
            }

            try
            {
                return (JsonSerializer.Deserialize<T>("{" + string.Join(',', good) + "}", options), errors);
            }
            catch (JsonException)
            {
                return (null, errors);
            }
        }
    }

    private static (T? Value, FieldErrors? Errors) Refused<T>(string message)
        where T : class
    {
        var errors = new FieldErrors();
        errors.Add("body", message);
        return (null, errors);
    }

    /// <summary>The body as UTF-8: as sent, or transcoded from the content type's other charset (what binding does too).</summary>
    private static ReadOnlySpan<byte> Utf8Of(HttpRequest request, ReadOnlySpan<byte> body)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.Charset.HasValue
            || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return body;
        }

        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(type.Charset.Value!);
        }
        catch (ArgumentException)
        {
            throw new BadHttpRequestException($"The charset '{type.Charset}' is not one this server knows; send the body as UTF-8.", StatusCodes.Status415UnsupportedMediaType);
        }

        return Encoding.UTF8.GetBytes(encoding.GetString(body));
    }

    private static JsonTokenType? FirstToken(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            return reader.Read() ? reader.TokenType : null;
        }
        catch (JsonException)
        {
            return null; // not JSON at all: the serializer says where
        }
    }

    private static int InvalidUtf8At(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length && Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }

        return offset;
    }
}
