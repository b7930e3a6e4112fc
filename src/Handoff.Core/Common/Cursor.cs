using System.Buffers.Binary;
using System.Buffers.Text;

namespace Handoff.Common;

/// <summary>Where a page ended: the sort key of its last item (a score first, when the list is sorted by one).</summary>
public readonly record struct CursorPosition(DateTime At, Guid Id, int? Score = null);

/// <summary>Opaque keyset cursors (time and id of the last item of a page, after its score when sorted by one), URL-safe.</summary>
public static class Cursor
{
    private const int Size = 8 + 16;

    public static string Encode(DateTime at, Guid id, int? score = null)
    {
        Span<byte> bytes = stackalloc byte[Size + 4];
        BinaryPrimitives.WriteInt64BigEndian(bytes, at.Ticks);
        id.TryWriteBytes(bytes[8..]);
        if (score is { } value)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes[Size..], value);
        }

        return Base64Url.EncodeToString(bytes[..(score is null ? Size : Size + 4)]);
    }

    public static bool TryDecode(string? cursor, out CursorPosition position)
    {
        position = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64 || !Base64Url.IsValid(cursor))
        {
            return false;
        }

        // TryDecodeFromChars throws on characters outside the alphabet; IsValid turns those into a plain "no".
        Span<byte> bytes = stackalloc byte[48];
        if (!Base64Url.IsValid(cursor) || !Base64Url.TryDecodeFromChars(cursor, bytes, out var written) || written is not (Size or Size + 4))
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        position = new CursorPosition(new DateTime(ticks, DateTimeKind.Utc), new Guid(bytes[8..Size]), written == Size ? null : BinaryPrimitives.ReadInt32BigEndian(bytes[Size..]));
        return true;
    }
}

/// <summary>A page of a list with the cursor of the next page (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
