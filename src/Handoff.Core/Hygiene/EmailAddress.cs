namespace Handoff.Hygiene;

/// <summary>Email address helpers for dedupe and matching. They never validate: <c>LeadDetails.Validate</c> does.</summary>
public static class EmailAddress
{
    /// <summary>
    /// The dedupe key of an address: two addresses with the same key reach the same mailbox.
    /// <list type="bullet">
    /// <item>trimmed and lower-cased (mailbox names are case-insensitive in practice everywhere);</item>
    /// <item>a "+tag" is cut off for every domain: Gmail, Google Workspace, Microsoft 365 / Outlook.com, iCloud,
    /// Fastmail, Proton and most corporate servers deliver <c>ada+news@x</c> to <c>ada@x</c>; a server that
    /// treats '+' literally is rare enough that a merged pair is the smaller risk than a person counted twice;</item>
    /// <item>gmail.com and googlemail.com: dots in the local part are ignored by Google, and googlemail.com is the
    /// same mailbox as gmail.com (Google Workspace domains keep their dots: only consumer Gmail ignores them);</item>
    /// <item>yahoo.* domains: Yahoo's disposable addresses are <c>base-keyword@yahoo.com</c>; Yahoo IDs cannot
    /// contain '-', so everything from the first '-' is cut.</item>
    /// </list>
    /// Returns null for null, blank or text without a local part and a domain.
    /// The key is for matching only: mail still goes to the address as typed.
    /// </summary>
    public static string? Normalize(string? email)
    {
        if (email is null)
        {
            return null;
        }

        var trimmed = email.AsSpan().Trim();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1)
        {
            return null;
        }

        Span<char> buffer = trimmed.Length <= 512 ? stackalloc char[trimmed.Length] : new char[trimmed.Length];
        trimmed.ToLowerInvariant(buffer);
        var domain = TrimDomain(buffer[(at + 1)..]);
        var local = buffer[..at];
        if (domain.IsEmpty)
        {
            return null;
        }

        var plus = local.IndexOf('+');
        if (plus > 0)
        {
            local = local[..plus];
        }

        var gmail = domain.SequenceEqual("gmail.com") || domain.SequenceEqual("googlemail.com");
        if (gmail)
        {
            var kept = 0;
            for (var i = 0; i < local.Length; i++)
            {
                if (local[i] != '.')
                {
                    local[kept++] = local[i];
                }
            }

            local = local[..kept];
        }
        else if (domain.StartsWith("yahoo."))
        {
            var dash = local.IndexOf('-');
            if (dash > 0)
            {
                local = local[..dash];
            }
        }

        if (local.IsEmpty)
        {
            return null;
        }

        ReadOnlySpan<char> keyDomain = gmail ? "gmail.com" : domain;
        return string.Concat(local, "@", keyDomain);
    }

    /// <summary>The domain of an address, trimmed and lower-cased (<c>Ada@Mail.Example.COM</c> → <c>mail.example.com</c>); null when there is none.</summary>
    public static string? DomainOf(string? email)
    {
        var domain = DomainSpan(email);
        return domain.IsEmpty ? null : domain.ToString().ToLowerInvariant();
    }

    /// <summary>The local part of an address (before the last '@'), trimmed, case kept; null when there is none.</summary>
    public static string? LocalPartOf(string? email)
    {
        var local = LocalPartSpan(email);
        return local.IsEmpty ? null : local.ToString();
    }

    /// <summary>The domain as a slice of the input (case kept): for lookups that must not allocate.</summary>
    internal static ReadOnlySpan<char> DomainSpan(string? email)
    {
        if (email is null)
        {
            return default;
        }

        var trimmed = email.AsSpan().Trim();
        var at = trimmed.LastIndexOf('@');
        return at < 0 ? default : TrimDomain(trimmed[(at + 1)..]);
    }

    internal static ReadOnlySpan<char> LocalPartSpan(string? email)
    {
        if (email is null)
        {
            return default;
        }

        var trimmed = email.AsSpan().Trim();
        var at = trimmed.LastIndexOf('@');
        return at <= 0 ? default : trimmed[..at];
    }

    private static ReadOnlySpan<char> TrimDomain(ReadOnlySpan<char> domain) => domain.Trim().TrimEnd('.');

    private static Span<char> TrimDomain(Span<char> domain)
    {
        var start = 0;
        var end = domain.Length;
        while (start < end && char.IsWhiteSpace(domain[start]))
        {
            start++;
        }

        while (end > start && (char.IsWhiteSpace(domain[end - 1]) || domain[end - 1] == '.'))
        {
            end--;
        }

        return domain[start..end];
    }
}
