using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Handoff.Hygiene;

/// <summary>
/// Where a keyword rule looks. Custom means every custom field value.
/// </summary>
[Flags]
public enum KeywordFields
{
    None = 0,
    Description = 1,
    Title = 2,
    Company = 4,
    Custom = 8,
    All = Description | Title | Company | Custom,
}

/// <summary>
/// Keyword classes of the junk check (vendor pitch, job seeker, student, ...), loaded from <c>keywords.json</c>:
/// the shipped copy, or the one in <see cref="HygieneOptions.ListsDirectory"/>.
/// </summary>
/// <remarks>
/// Phrases are matched on the folded text (lower case, accents and apostrophes removed, punctuation as single
/// spaces): one vectorized multi-string search per field finds candidate positions, a hash lookup of the word
/// n-grams there confirms them. A clean lead costs one fold and one search per field, whatever the number of
/// phrases. Phrases with other punctuation ("hiring?") and patterns run as regular expressions, compiled once.
/// </remarks>
public sealed class JunkKeywords
{
    /// <summary>The relative name of the keyword file (also in the override folder).</summary>
    public const string File = "keywords.json";

    private const int MaxGroups = 64;
    private const int MaxHitsPerField = 64;
    private const int StackFoldLimit = 1024;

    // A pattern from an edited file must never hang capture: a match that takes longer counts as no match.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    private static readonly Lazy<JunkKeywords> ShippedKeywords = new(() => Load((string?)null));

    private readonly RuleGroup[] _groups;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _phrases;
    private readonly PhraseEntry[] _entries;
    private readonly SearchValues<string>? _phraseSearch;
    private readonly int _maxPhraseWords;

    private JunkKeywords(RuleGroup[] groups, PhraseTable phrases, string source)
    {
        _groups = groups;
        _phrases = phrases.Index.GetAlternateLookup<ReadOnlySpan<char>>();
        _entries = [.. phrases.Entries];
        _phraseSearch = phrases.Index.Count == 0 ? null : SearchValues.Create([.. phrases.Index.Keys], StringComparison.Ordinal);
        foreach (var phrase in phrases.Index.Keys)
        {
            _maxPhraseWords = Math.Max(_maxPhraseWords, phrase.Count(' ') + 1);
        }

        Source = source;
        var reasons = new List<string>();
        foreach (var group in groups)
        {
            if (!reasons.Contains(group.Reason))
            {
                reasons.Add(group.Reason);
            }
        }

        Reasons = reasons;
    }

    /// <summary>The shipped keyword file, loaded on first use and shared by the whole process.</summary>
    public static JunkKeywords Shipped => ShippedKeywords.Value;

    /// <summary>The reason codes the file maps to, in checking order.</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>Where the file came from: <c>embedded:keywords.json</c> or the override file's full path.</summary>
    public string Source { get; }

    public static JunkKeywords Load(HygieneOptions options) =>
        string.IsNullOrWhiteSpace(options.ListsDirectory) ? Shipped : Load(options.ListsDirectory);

    /// <exception cref="DirectoryNotFoundException">The override folder is configured but missing.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or holds an invalid pattern.</exception>
    public static JunkKeywords Load(string? overrideDirectory)
    {
        HygieneData.CheckOverrideDirectory(overrideDirectory);
        using var stream = HygieneData.Open(File, overrideDirectory, out var source);
        return Parse(HygieneData.ReadAll(stream), source);
    }

    /// <summary>Reads a keyword file's content (see the shipped <c>keywords.json</c> for the format).</summary>
    /// <exception cref="InvalidDataException">The content is malformed or holds an invalid pattern.</exception>
    public static JunkKeywords Parse(ReadOnlySpan<byte> utf8Json, string source = File)
    {
        var groups = new List<RuleGroup>();
        var phrases = new PhraseTable();
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: the top level must be an object mapping reason codes to rule groups.");
            }

            foreach (var reason in document.RootElement.EnumerateObject())
            {
                if (!IsReasonCode(reason.Name))
                {
                    throw new InvalidDataException($"{source}: \"{reason.Name}\" is not a reason code (lower-case letters, digits and '-').");
                }

                if (reason.Value.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"{source}: \"{reason.Name}\" must be an array of rule groups.");
                }

                foreach (var group in reason.Value.EnumerateArray())
                {
                    if (groups.Count == MaxGroups)
                    {
                        throw new InvalidDataException($"{source}: at most {MaxGroups} rule groups.");
                    }

                    groups.Add(ReadGroup(reason.Name, group, groups.Count, phrases, source));
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {e.Message}", e);
        }

        return new JunkKeywords([.. groups], phrases, source);
    }

    /// <summary>The first rule that matches the input's description, title, company or custom field values; null when none does.</summary>
    public JunkVerdict? Match(JunkCheckInput input)
    {
        var description = Scan(input.Description);
        var title = Scan(input.Title);
        var company = Scan(input.Company);
        var custom = input.CustomFields is { Count: > 0 } fields ? fields : null;
        Span<ulong> customMasks = custom is null ? default : custom.Count <= 128 ? stackalloc ulong[custom.Count] : new ulong[custom.Count];
        if (custom is not null)
        {
            var i = 0;
            foreach (var (_, value) in custom)
            {
                customMasks[i++] = Scan(value);
            }
        }

        for (var g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            var verdict =
                Try(group, g, KeywordFields.Description, input.Description, description, null)
                ?? Try(group, g, KeywordFields.Title, input.Title, title, null)
                ?? Try(group, g, KeywordFields.Company, input.Company, company, null);
            if (verdict is not null)
            {
                return verdict;
            }

            if (custom is not null && (group.Fields & KeywordFields.Custom) != 0)
            {
                var i = 0;
                foreach (var (key, value) in custom)
                {
                    verdict = Try(group, g, KeywordFields.Custom, value, customMasks[i++], key);
                    if (verdict is not null)
                    {
                        return verdict;
                    }
                }
            }
        }

        return null;
    }

    private JunkVerdict? Try(RuleGroup group, int index, KeywordFields field, string? text, ulong phraseGroups, string? customKey)
    {
        if ((group.Fields & field) == 0 || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if ((phraseGroups & (1UL << index)) != 0)
        {
            Scan(text, index, out var phrase);
            return Verdict(group, phrase!, field, customKey);
        }

        var found = group.Pattern is null ? null : FindPattern(group, text);
        return found is null ? null : Verdict(group, found, field, customKey);
    }

    /// <summary>The groups whose phrases occur in <paramref name="text"/>, less those an overlapping except phrase cancels.</summary>
    private ulong Scan(string? text) => string.IsNullOrWhiteSpace(text) || _phraseSearch is null ? 0 : Scan(text, -1, out _);

    private ulong Scan(ReadOnlySpan<char> text, int wantedGroup, out string? wantedPhrase)
    {
        wantedPhrase = null;
        char[]? rented = null;
        var size = TextFold.MaxOutput(text.Length) + 2;
        var buffer = size <= StackFoldLimit ? stackalloc char[size] : (rented = ArrayPool<char>.Shared.Rent(size));
        try
        {
            var folded = buffer[..TextFold.Fold(text, buffer, dropDots: false)];
            Span<Hit> hits = stackalloc Hit[MaxHitsPerField];
            var count = FindHits(folded, hits);
            if (count == 0)
            {
                return 0;
            }

            ulong groups = 0;
            for (var i = 0; i < count; i++)
            {
                var entry = _entries[hits[i].Entry];
                var live = entry.Groups;
                for (var j = 0; j < count && live != 0; j++)
                {
                    var cancels = _entries[hits[j].Entry].ExceptGroups;
                    if (cancels != 0 && hits[j].Start < hits[i].End && hits[i].Start < hits[j].End)
                    {
                        live &= ~cancels;
                    }
                }

                if (wantedGroup >= 0 && wantedPhrase is null && (live & (1UL << wantedGroup)) != 0)
                {
                    wantedPhrase = entry.Phrase;
                }

                groups |= live;
            }

            return groups;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private int FindHits(ReadOnlySpan<char> folded, Span<Hit> hits)
    {
        var count = 0;
        var from = 0;
        while (from < folded.Length && count < hits.Length)
        {
            var found = folded[from..].IndexOfAny(_phraseSearch!);
            if (found < 0)
            {
                break;
            }

            var start = from + found;
            from = start + 1;
            if (start > 0 && folded[start - 1] != ' ')
            {
                continue;
            }

            // Every phrase of 1..max words that starts at this word.
            var end = start;
            for (var words = 0; words < _maxPhraseWords && end < folded.Length && count < hits.Length; words++)
            {
                var space = folded[end..].IndexOf(' ');
                end = space < 0 ? folded.Length : end + space;
                if (_phrases.TryGetValue(folded[start..end], out var entry))
                {
                    hits[count++] = new Hit(start, end, entry);
                }

                end++;
            }
        }

        return count;
    }

    private static string? FindPattern(RuleGroup group, string text)
    {
        try
        {
            var trimmed = text.Trim();
            for (var match = group.Pattern!.Match(trimmed); match.Success; match = match.NextMatch())
            {
                if (group.Except is null || !Overlaps(group.Except, trimmed, match))
                {
                    return match.Value;
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // A runaway pattern from an edited keyword file: no verdict rather than a stalled capture.
        }

        return null;
    }

    private static bool Overlaps(Regex except, string text, Match match)
    {
        for (var e = except.Match(text); e.Success; e = e.NextMatch())
        {
            if (e.Index < match.Index + match.Length && match.Index < e.Index + e.Length)
            {
                return true;
            }
        }

        return false;
    }

    private static JunkVerdict Verdict(RuleGroup group, string found, KeywordFields field, string? customKey)
    {
        var (id, label) = field switch
        {
            KeywordFields.Description => ("description", "description"),
            KeywordFields.Title => ("title", "title"),
            KeywordFields.Company => ("company", "company"),
            _ => ("customFields." + customKey, "custom field " + customKey),
        };
        return new JunkVerdict(group.Reason, $"{Label(group.Reason)} \"{found}\" in {label}", id);
    }

    private static string Label(string reason) => reason switch
    {
        JunkReasons.Vendor => "vendor pitch",
        JunkReasons.JobSeeker => "job seeker",
        JunkReasons.Student => "student",
        JunkReasons.Spam => "spam phrase",
        _ => reason,
    };

    private static RuleGroup ReadGroup(string reason, JsonElement group, int index, PhraseTable phrases, string source)
    {
        if (group.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: each rule group of \"{reason}\" must be an object.");
        }

        var fields = KeywordFields.None;
        var patterns = new List<string>();
        var excepts = new List<string>();
        var hasPhrases = false;
        var bit = 1UL << index;
        foreach (var property in group.EnumerateObject())
        {
            switch (property.Name)
            {
                case "fields":
                    foreach (var name in Strings(property, reason, source))
                    {
                        fields |= name switch
                        {
                            "description" => KeywordFields.Description,
                            "title" => KeywordFields.Title,
                            "company" => KeywordFields.Company,
                            "custom" => KeywordFields.Custom,
                            _ => throw new InvalidDataException($"{source}: \"{reason}\" names an unknown field \"{name}\" (description, title, company, custom)."),
                        };
                    }

                    break;
                case "phrases":
                    foreach (var phrase in Strings(property, reason, source))
                    {
                        hasPhrases = true;
                        if (Foldable(phrase, out var key))
                        {
                            phrases.Add(key, phrase, groups: bit, exceptGroups: 0);
                        }
                        else
                        {
                            patterns.Add(PhrasePattern(phrase));
                        }
                    }

                    break;
                case "patterns":
                    foreach (var pattern in Strings(property, reason, source))
                    {
                        Check(pattern, reason, source);
                        patterns.Add("(?:" + pattern + ")");
                    }

                    break;
                case "except":
                    foreach (var phrase in Strings(property, reason, source))
                    {
                        excepts.Add(PhrasePattern(phrase));
                        if (Foldable(phrase, out var key))
                        {
                            phrases.Add(key, phrase, groups: 0, exceptGroups: bit);
                        }
                    }

                    break;
                default:
                    throw new InvalidDataException($"{source}: \"{reason}\" has an unknown key \"{property.Name}\" (fields, phrases, patterns, except).");
            }
        }

        if (!hasPhrases && patterns.Count == 0)
        {
            throw new InvalidDataException($"{source}: a rule group of \"{reason}\" has no phrases and no patterns.");
        }

        return new RuleGroup(
            reason,
            fields == KeywordFields.None ? KeywordFields.All : fields,
            patterns.Count == 0 ? null : Compile(string.Join('|', patterns)),
            excepts.Count == 0 ? null : Compile(string.Join('|', excepts)));
    }

    /// <summary>True when the phrase is words only (letters, digits, '&amp;', apostrophes, hyphens): its folded form is its key.</summary>
    private static bool Foldable(string phrase, out string key)
    {
        foreach (var c in phrase)
        {
            if (!char.IsLetterOrDigit(c) && !char.IsWhiteSpace(c) && c is not ('&' or '-' or '\'' or '\u2019'))
            {
                key = "";
                return false;
            }
        }

        Span<char> buffer = stackalloc char[TextFold.MaxOutput(phrase.Length)];
        key = buffer[..TextFold.Fold(phrase, buffer, dropDots: false)].ToString();
        return key.Length > 0;
    }

    private static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);

    private static void Check(string pattern, string reason, string source)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: \"{reason}\" has an invalid pattern {pattern}: {e.Message}", e);
        }
    }

    private static IEnumerable<string> Strings(JsonProperty property, string reason, string source)
    {
        if (property.Value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: \"{reason}\".{property.Name} must be an array of strings.");
        }

        foreach (var item in property.Value.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new InvalidDataException($"{source}: \"{reason}\".{property.Name} must hold non-empty strings.");
            }

            yield return text.Trim();
        }
    }

    /// <summary>A literal phrase as a pattern: whole words, flexible white space, hyphens and apostrophes.</summary>
    private static string PhrasePattern(string phrase)
    {
        var pattern = new StringBuilder();
        if (IsWordChar(phrase[0]))
        {
            pattern.Append(@"\b");
        }

        var words = phrase.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0)
            {
                pattern.Append(@"\s+");
            }

            pattern.Append(Regex.Escape(words[i]).Replace("'", "['\u2019]?", StringComparison.Ordinal).Replace("-", @"[-\s]?", StringComparison.Ordinal));
        }

        if (IsWordChar(phrase[^1]))
        {
            pattern.Append(@"\b");
        }

        return pattern.ToString();
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool IsReasonCode(string code)
    {
        if (code.Length is 0 or > 50)
        {
            return false;
        }

        foreach (var c in code)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A folded phrase: the groups it triggers and the groups whose match it cancels (as an except phrase).</summary>
    private readonly record struct PhraseEntry(string Phrase, ulong Groups, ulong ExceptGroups);

    /// <summary>Where a phrase occurs in a folded text (character positions) and which entry it is.</summary>
    private readonly record struct Hit(int Start, int End, int Entry);

    private sealed class PhraseTable
    {
        public Dictionary<string, int> Index { get; } = new(StringComparer.Ordinal);

        public List<PhraseEntry> Entries { get; } = [];

        public void Add(string key, string phrase, ulong groups, ulong exceptGroups)
        {
            if (Index.TryGetValue(key, out var at))
            {
                var entry = Entries[at];
                Entries[at] = entry with { Groups = entry.Groups | groups, ExceptGroups = entry.ExceptGroups | exceptGroups };
            }
            else
            {
                Index.Add(key, Entries.Count);
                Entries.Add(new PhraseEntry(phrase, groups, exceptGroups));
            }
        }
    }

    private sealed record RuleGroup(string Reason, KeywordFields Fields, Regex? Pattern, Regex? Except);
}
