using System.Buffers;
using System.Text.RegularExpressions;

namespace Handoff.Hygiene;

/// <summary>
/// The text checks behind the junk verdicts: links and markup, test entries, gibberish person names.
/// Tuned to let real names through: none of the 58,049 names of @faker-js/faker's 60+ locales is flagged,
/// the tests keep a list of hard cases (JunkClassifierTests.RealNames), and a name in a non-Latin script is
/// never called gibberish.
/// </summary>
internal static partial class NameChecks
{
    // Markers of links and markup; a person never types these into a name field.
    private static readonly SearchValues<string> LinkMarkers = SearchValues.Create(
        ["http://", "https://", "www.", "<a ", "<a>", "</a", "<script", "<iframe", "<img", "[url", "[/url", "[link", "href="],
        StringComparison.OrdinalIgnoreCase);

    // Markup only (no plain URLs): a description may carry a link, never a tag or bbcode.
    private static readonly SearchValues<string> MarkupMarkers = SearchValues.Create(
        ["<a ", "<a>", "</a", "<script", "<iframe", "<img", "[url", "[/url", "[link", "href="],
        StringComparison.OrdinalIgnoreCase);

    // Keyboard rows (QWERTY, QWERTZ, AZERTY) and their reverses; five keys in a row is a mash, not a name.
    private static readonly string[] KeyboardRows =
    [
        "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn",
        "poiuytrewq", "lkjhgfdsa", "mnbvcxz", "poiuztrewq", "mnbvcxy", "poiuytreza", "mlkjhgfdsq", "nbvcxw",
    ];

    // Four-key runs on the QWERTY rows that are a whole name token ("Asdf", "Hjkl"); "wert" is left out (a surname).
    private static readonly HashSet<string> KeyboardFours = new(
        ["qwer", "erty", "rtyu", "tyui", "yuio", "uiop", "asdf", "sdfg", "dfgh", "fghj", "ghjk", "hjkl", "zxcv", "xcvb", "cvbn", "vbnm"],
        StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> KeyboardFourLookup = KeyboardFours.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly string[] TestDomains = ["example.com", "example.org", "example.net", "test.com", "test.org", "test.net"];

    private static readonly string[] ReservedTopLevelDomains = ["test", "example", "invalid", "localhost"];

    /// <summary>True when <paramref name="text"/> carries a link or markup (http://, www., &lt;a, &lt;script, [url]).</summary>
    public static bool HasLink(ReadOnlySpan<char> text) => text.IndexOfAny(LinkMarkers) >= 0 || HtmlTag().IsMatch(text);

    /// <summary>True when <paramref name="text"/> carries markup or bbcode (a plain URL is fine).</summary>
    public static bool HasMarkup(ReadOnlySpan<char> text) => text.IndexOfAny(MarkupMarkers) >= 0 || HtmlTag().IsMatch(text);

    /// <summary>A company field that is only a website ("www.acme.com", "https://acme.com/") was typed in the wrong box: not spam.</summary>
    public static bool IsBareWebsite(ReadOnlySpan<char> text) => BareWebsite().IsMatch(text);

    /// <summary>"Test", "Testing", "asdf", "Dummy", "Lorem" as a word of a name.</summary>
    public static bool IsTestName(ReadOnlySpan<char> name) => TestWord().IsMatch(name);

    /// <summary>A company that is only "Test", "Test Company", "asdf", "Example Inc".</summary>
    public static bool IsTestCompany(ReadOnlySpan<char> company) => TestCompany().IsMatch(company);

    /// <summary>A local part like test, testing, test123, asdf, dummy, fake.</summary>
    public static bool IsTestLocalPart(ReadOnlySpan<char> localPart) => TestLocalPart().IsMatch(localPart);

    /// <summary>example.com/org/net, test.com/org/net (and their subdomains), example.*, and the reserved TLDs .test, .example, .invalid, .localhost.</summary>
    public static bool IsTestDomain(ReadOnlySpan<char> domain)
    {
        if (domain.IsEmpty)
        {
            return false;
        }

        foreach (var test in TestDomains)
        {
            if (domain.Equals(test, StringComparison.OrdinalIgnoreCase)
                || (domain.Length > test.Length + 1 && domain[^(test.Length + 1)] == '.' && domain.EndsWith(test, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        if (domain.StartsWith("example.", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var lastDot = domain.LastIndexOf('.');
        var topLevel = lastDot < 0 ? domain : domain[(lastDot + 1)..];
        foreach (var reserved in ReservedTopLevelDomains)
        {
            if (topLevel.Equals(reserved, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Why a person name looks machine-made, or null when it looks like a name. Each word is checked for digits,
    /// a character repeated four times, a keyboard run, a long run of Latin letters without a vowel, and random
    /// mixed case ("xKqZpWv"; "McDonald", "DeShawn", "VanDerBeek" pass).
    /// </summary>
    public static string? Gibberish(ReadOnlySpan<char> name)
    {
        var start = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || IsSeparator(name[i]))
            {
                if (i > start)
                {
                    var why = GibberishWord(name[start..i]);
                    if (why is not null)
                    {
                        return why;
                    }
                }

                start = i + 1;
            }
        }

        return null;
    }

    private static bool IsSeparator(char c) => char.IsWhiteSpace(c) || c is '-' or '\'' or '\u2019' or '.' or ',' or '(' or ')' or '/' or '&';

    private static string? GibberishWord(ReadOnlySpan<char> word)
    {
        var asciiLetters = true;
        var vowels = 0;
        var run = 1;
        var upperAfterLower = 0;
        for (var i = 0; i < word.Length; i++)
        {
            var c = word[i];
            if (char.IsDigit(c))
            {
                return "digits";
            }

            if (i > 0)
            {
                run = char.ToLowerInvariant(c) == char.ToLowerInvariant(word[i - 1]) ? run + 1 : 1;
                if (run >= 4 && char.IsLetter(c))
                {
                    return "a character repeated";
                }

                if (char.IsUpper(c) && char.IsLower(word[i - 1]))
                {
                    upperAfterLower++;
                }
            }

            if (!char.IsAsciiLetter(c))
            {
                asciiLetters = false;
            }
            else if ("aeiouyAEIOUY".Contains(c))
            {
                vowels++;
            }
        }

        if (upperAfterLower >= 3 || (upperAfterLower >= 2 && char.IsLower(word[0])))
        {
            return "random mixed case";
        }

        if (!asciiLetters)
        {
            return null;
        }

        if (IsKeyboardRun(word) || IsKeyboardStutter(word))
        {
            return "keyboard mash";
        }

        return vowels == 0 && word.Length >= 5 ? "no vowels" : null;
    }

    /// <summary>"sdfsdf", "asdasd", "kjhkjh": three neighbouring keys typed twice or more ("Boubou", "Gangan" pass).</summary>
    private static bool IsKeyboardStutter(ReadOnlySpan<char> word)
    {
        if (word.Length < 6 || word.Length % 3 != 0 || word.Length > 64)
        {
            return false;
        }

        Span<char> lower = stackalloc char[word.Length];
        word.ToLowerInvariant(lower);
        for (var i = 3; i < lower.Length; i++)
        {
            if (lower[i] != lower[i - 3])
            {
                return false;
            }
        }

        var chunk = lower[..3];
        foreach (var row in KeyboardRows)
        {
            if (row.AsSpan().IndexOf(chunk) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsKeyboardRun(ReadOnlySpan<char> word)
    {
        if (word.Length == 4)
        {
            return KeyboardFourLookup.Contains(word);
        }

        if (word.Length < 5 || word.Length > 64)
        {
            return false;
        }

        Span<char> lower = stackalloc char[word.Length];
        word.ToLowerInvariant(lower);
        for (var i = 0; i + 5 <= lower.Length; i++)
        {
            var five = lower.Slice(i, 5);
            foreach (var row in KeyboardRows)
            {
                if (row.AsSpan().IndexOf(five) >= 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    [GeneratedRegex(@"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"^(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BareWebsite();

    [GeneratedRegex(@"(?<![\p{L}\p{N}])(?:test(?:ing)?\d*|testtest|asdf(?:asdf)?|dummy|lorem|ipsum)(?![\p{L}\p{N}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TestWord();

    [GeneratedRegex(@"^(?:test(?:ing)?|asdf|dummy|example|sample|fake)(?:\s+(?:company|co|corp|corporation|inc|llc|ltd|gmbh|org|account|user))?\.?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TestCompany();

    [GeneratedRegex(@"^(?:test(?:ing)?\d*|testtest|asdf(?:asdf)?|dummy|fake|example)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TestLocalPart();
}
