using System.Text;
using System.Text.Json;

namespace Handoff.Hygiene;

/// <summary>
/// The public lists behind lead hygiene: disposable email domains, free webmail domains and role mailboxes.
/// Loaded once per process (about 140,000 entries); every lookup is a hash probe, case-insensitive, without
/// allocating. The shipped copies are embedded in the assembly; <see cref="HygieneOptions.ListsDirectory"/>
/// replaces any of them with a newer file of the same relative name, without a code change.
/// </summary>
public sealed class HygieneLists
{
    /// <summary>Disposable domains, each matching itself only (JSON array of strings).</summary>
    public const string DisposableFile = "disposable-email-domains/index.json";

    /// <summary>Disposable domains that match themselves and every subdomain (JSON array of strings).</summary>
    public const string DisposableWildcardFile = "disposable-email-domains/wildcard.json";

    /// <summary>Free webmail domains (JSON array of strings); united with <see cref="FreeMailTextFile"/>.</summary>
    public const string FreeMailJsonFile = "free-email-domains/domains.json";

    /// <summary>Free webmail domains, one a line; united with <see cref="FreeMailJsonFile"/>.</summary>
    public const string FreeMailTextFile = "freemail/free.txt";

    /// <summary>Role mailbox local parts (info, sales, noreply, ...), one a line.</summary>
    public const string RoleFile = "role-based-email-addresses/all.txt";

    /// <summary>Local parts the role list names that are people too often (initials, first names), one a line.</summary>
    public const string RoleExceptionsFile = "role-address-exceptions.txt";

    private static readonly Lazy<HygieneLists> ShippedLists = new(() => Load((string?)null));

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _disposable;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _disposableWildcard;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _freeMail;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _roles;

    private HygieneLists(HashSet<string> disposable, HashSet<string> wildcard, HashSet<string> freeMail, HashSet<string> roles, IReadOnlyList<string> sources)
    {
        _disposable = disposable.GetAlternateLookup<ReadOnlySpan<char>>();
        _disposableWildcard = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        _freeMail = freeMail.GetAlternateLookup<ReadOnlySpan<char>>();
        _roles = roles.GetAlternateLookup<ReadOnlySpan<char>>();
        DisposableCount = disposable.Count;
        DisposableWildcardCount = wildcard.Count;
        FreeMailCount = freeMail.Count;
        RoleCount = roles.Count;
        Sources = sources;
    }

    /// <summary>The shipped lists, loaded on first use and shared by the whole process.</summary>
    public static HygieneLists Shipped => ShippedLists.Value;

    public int DisposableCount { get; }

    public int DisposableWildcardCount { get; }

    public int FreeMailCount { get; }

    /// <summary>Role local parts, less the exceptions.</summary>
    public int RoleCount { get; }

    /// <summary>Where each file came from: <c>embedded:...</c> or the override file's full path (for logs and diagnostics).</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The shipped lists when no override folder is configured (shared), otherwise a fresh load with the overrides.</summary>
    public static HygieneLists Load(HygieneOptions options) =>
        string.IsNullOrWhiteSpace(options.ListsDirectory) ? Shipped : Load(options.ListsDirectory);

    /// <summary>Loads every list, taking each file from <paramref name="overrideDirectory"/> when it has one.</summary>
    /// <exception cref="DirectoryNotFoundException">The override folder is configured but missing.</exception>
    /// <exception cref="InvalidDataException">A file is not in the expected format.</exception>
    public static HygieneLists Load(string? overrideDirectory)
    {
        HygieneData.CheckOverrideDirectory(overrideDirectory);
        var sources = new List<string>(6);

        var disposable = new HashSet<string>(130_000, StringComparer.OrdinalIgnoreCase);
        ReadJsonArray(DisposableFile, overrideDirectory, disposable, sources);
        var wildcard = new HashSet<string>(512, StringComparer.OrdinalIgnoreCase);
        ReadJsonArray(DisposableWildcardFile, overrideDirectory, wildcard, sources);

        var freeMail = new HashSet<string>(16_000, StringComparer.OrdinalIgnoreCase);
        ReadJsonArray(FreeMailJsonFile, overrideDirectory, freeMail, sources);
        ReadLines(FreeMailTextFile, overrideDirectory, freeMail, sources);

        var roles = new HashSet<string>(1_100, StringComparer.OrdinalIgnoreCase);
        ReadLines(RoleFile, overrideDirectory, roles, sources);
        var exceptions = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ReadLines(RoleExceptionsFile, overrideDirectory, exceptions, sources);
        roles.ExceptWith(exceptions);

        return new HygieneLists(disposable, wildcard, freeMail, roles, sources);
    }

    /// <summary>
    /// True when mail at <paramref name="domain"/> is throw-away: the domain is on the disposable list, or it or
    /// one of its parent domains is on the wildcard list (<c>mail.foo.disposable.tld</c> matches <c>disposable.tld</c>).
    /// </summary>
    public bool IsDisposable(ReadOnlySpan<char> domain)
    {
        domain = CleanDomain(domain);
        if (domain.IsEmpty)
        {
            return false;
        }

        if (_disposable.Contains(domain))
        {
            return true;
        }

        while (true)
        {
            if (_disposableWildcard.Contains(domain))
            {
                return true;
            }

            var dot = domain.IndexOf('.');
            if (dot < 0)
            {
                return false;
            }

            domain = domain[(dot + 1)..];
        }
    }

    /// <summary>True when <paramref name="domain"/> is a free webmail provider (gmail.com, web.de, ...). Not junk: people use them.</summary>
    public bool IsFreeMail(ReadOnlySpan<char> domain)
    {
        domain = CleanDomain(domain);
        return !domain.IsEmpty && _freeMail.Contains(domain);
    }

    /// <summary>True when <paramref name="localPart"/> names a role mailbox (info, sales, noreply, ...); a "+tag" is ignored.</summary>
    public bool IsRoleLocalPart(ReadOnlySpan<char> localPart)
    {
        localPart = localPart.Trim();
        var plus = localPart.IndexOf('+');
        if (plus > 0)
        {
            localPart = localPart[..plus];
        }

        return !localPart.IsEmpty && _roles.Contains(localPart);
    }

    private static ReadOnlySpan<char> CleanDomain(ReadOnlySpan<char> domain) => domain.Trim().TrimEnd('.');

    private static void ReadJsonArray(string file, string? overrideDirectory, HashSet<string> into, List<string> sources)
    {
        byte[] bytes;
        string source;
        using (var stream = HygieneData.Open(file, overrideDirectory, out source))
        {
            bytes = HygieneData.ReadAll(stream);
        }

        sources.Add(source);
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new InvalidDataException($"{source} must hold a JSON array of domain names.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new InvalidDataException($"{source} must hold only strings (found {reader.TokenType} at byte {reader.TokenStartIndex}).");
                }

                Add(into, reader.GetString());
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {e.Message}", e);
        }
    }

    private static void ReadLines(string file, string? overrideDirectory, HashSet<string> into, List<string> sources)
    {
        using var stream = HygieneData.Open(file, overrideDirectory, out var source);
        sources.Add(source);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            if (!line.AsSpan().TrimStart().StartsWith('#'))
            {
                Add(into, line);
            }
        }
    }

    private static void Add(HashSet<string> into, string? value)
    {
        if (value is null)
        {
            return;
        }

        var trimmed = value.AsSpan().Trim().TrimEnd('.');
        if (!trimmed.IsEmpty)
        {
            into.Add(trimmed.Length == value.Length ? value : trimmed.ToString());
        }
    }
}
