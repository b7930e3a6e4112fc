using Handoff.Hygiene;

namespace Handoff.Leads;

/// <summary>Folded keys under which two leads may be the same person: names and company names without accents, case or legal suffixes.</summary>
public static class MatchKeys
{
    private static readonly HashSet<string> LegalSuffixes = new(StringComparer.Ordinal)
    {
        "inc", "incorporated", "llc", "llp", "ltd", "limited", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "plc", "corp",
        "corporation", "co", "company", "srl", "spa", "oy", "ab", "as", "kk", "pty", "pte", "lp", "the",
    };

    // Forms of address, generational suffixes and degrees people type into name fields ("Dr. Ana", "Lima Jr.", "MBA").
    private static readonly HashSet<string> NameExtras = new(StringComparer.Ordinal)
    {
        "mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir", "dame", "herr", "frau", "sra", "srta", "mme", "mlle",
        "jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq", "cpa", "dds",
    };

    /// <summary>"José  O'Neil" → "jose oneil"; null without a last name (a first name alone is not a person key).</summary>
    public static string? Name(string? firstName, string? lastName) =>
        string.IsNullOrWhiteSpace(lastName) ? null : Fold($"{firstName} {lastName}");

    /// <summary>
    /// A looser key than <see cref="Name"/>, compared in memory when suggesting duplicates (the stored
    /// <see cref="Name"/> keys stay as they are): forms of address, "Jr."/"III" and degrees dropped, German
    /// transliteration folded ("Müller", "Mueller" and "Muller" → "muller"), spaces gone ("O Brien" = "O'Brien",
    /// "Van der Beek" = "VanDerBeek"). "Dr. Ana Lima" and "Ana Lima Jr." → "analima". Null without a last name.
    /// </summary>
    public static string? LooseName(string? firstName, string? lastName)
    {
        if (Name(firstName, lastName) is not { } folded)
        {
            return null;
        }

        var words = folded.Split(' ');
        var kept = words.Where(w => !NameExtras.Contains(w)).ToArray();
        var joined = string.Concat(kept.Length == 0 ? words : kept);
        return joined.Replace("ae", "a", StringComparison.Ordinal).Replace("oe", "o", StringComparison.Ordinal).Replace("ue", "u", StringComparison.Ordinal);
    }

    /// <summary>"The Acme Corp., Inc." → "acme"; null when nothing is left.</summary>
    public static string? Company(string? company)
    {
        var folded = Fold(company);
        if (folded is null)
        {
            return null;
        }

        var words = folded.Split(' ').Where(w => !LegalSuffixes.Contains(w)).ToArray();
        return words.Length == 0 ? null : string.Join(' ', words);
    }

    private static string? Fold(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        Span<char> buffer = text.Length <= 256 ? stackalloc char[TextFold.MaxOutput(text.Length)] : new char[TextFold.MaxOutput(text.Length)];
        var length = TextFold.Fold(text, buffer, dropDots: true);
        return length == 0 ? null : new string(buffer[..length]);
    }
}
