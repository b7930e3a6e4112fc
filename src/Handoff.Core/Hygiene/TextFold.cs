namespace Handoff.Hygiene;

/// <summary>
/// Folds free text into a lookup key without allocating: lower case, Latin diacritics removed
/// ("Geschäftsführer" → "geschaftsfuhrer"), punctuation turned into single spaces, trimmed.
/// Shared by title, country and state matching so that every table is written in one plain form.
/// </summary>
internal static class TextFold
{
    // U+00C0..U+017F folded to an ASCII letter; '\0' marks the few that fold to two letters (see Expand).
    private const string Latin =
        "aaaaaa\0ceeeeiiiidnooooo ouuuuy\0\0aaaaaa\0ceeeeiiiidnooooo ouuuuy\0yaaaaaaccccccccddddeeeeeeeeee" +
        "gggggggghhhhiiiiiiiiii\0\0jjkkkllllllllllnnnnnnnnnoooooo\0\0rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

    /// <summary>The largest output a fold can produce for <paramref name="inputLength"/> characters.</summary>
    public static int MaxOutput(int inputLength) => inputLength * 2;

    /// <summary>
    /// Writes the folded form of <paramref name="input"/> into <paramref name="output"/> (at least
    /// <see cref="MaxOutput"/> long) and returns its length. Letters and digits are kept; '&amp;' is kept
    /// as a letter so "R&amp;D" stays one word; apostrophes vanish ("d'Ivoire" → "divoire"); dots vanish
    /// when <paramref name="dropDots"/> ("U.S.A." → "usa"), otherwise they separate words ("Sr.VP" → "sr vp").
    /// </summary>
    public static int Fold(ReadOnlySpan<char> input, Span<char> output, bool dropDots)
    {
        var length = 0;
        var pendingSpace = false;
        foreach (var raw in input)
        {
            if (raw is '\'' or '\u2019' or '\u00B4' or '`' || (dropDots && raw == '.'))
            {
                continue;
            }

            if (!char.IsLetterOrDigit(raw) && raw != '&')
            {
                pendingSpace = length > 0;
                continue;
            }

            if (pendingSpace)
            {
                output[length++] = ' ';
                pendingSpace = false;
            }

            var c = char.ToLowerInvariant(raw);
            if (c < 0x80)
            {
                output[length++] = c;
            }
            else if (c is >= '\u00C0' and <= '\u017F')
            {
                var folded = Latin[c - 0xC0];
                if (folded != '\0')
                {
                    output[length++] = folded;
                }
                else
                {
                    var pair = Expand(c);
                    output[length++] = pair[0];
                    output[length++] = pair[1];
                }
            }
            else
            {
                output[length++] = c;
            }
        }

        return length;
    }

    private static string Expand(char c) => c switch
    {
        '\u00E6' => "ae",
        '\u00FE' => "th",
        '\u00DF' => "ss",
        '\u0133' => "ij",
        '\u0153' => "oe",
        _ => "??",
    };
}
