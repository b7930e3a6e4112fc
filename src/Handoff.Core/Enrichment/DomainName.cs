namespace Handoff.Enrichment;

/// <summary>Domain helpers for account matching.</summary>
public static class DomainName
{
    /// <summary>
    /// The domain of a website as typed in a form: scheme, user info, port, path, query, a trailing dot and a
    /// leading "www." removed, lower case ("https://www.Acme.com/about?x=1" → "acme.com"); null when no domain is left.
    /// </summary>
    public static string? FromWebsite(string? website)
    {
        if (string.IsNullOrWhiteSpace(website))
        {
            return null;
        }

        var host = website.AsSpan().Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }
        else if (host.StartsWith("//", StringComparison.Ordinal))
        {
            host = host[2..];
        }

        var end = host.IndexOfAny('/', '?', '#');
        if (end >= 0)
        {
            host = host[..end];
        }

        var at = host.LastIndexOf('@');
        if (at >= 0)
        {
            host = host[(at + 1)..];
        }

        var port = host.LastIndexOf(':');
        if (port >= 0)
        {
            host = host[..port];
        }

        host = host.TrimEnd('.');
        if (host.StartsWith("www.", StringComparison.OrdinalIgnoreCase))
        {
            host = host[4..];
        }

        if (host.IsEmpty || !host.Contains('.') || host.ContainsAny(' ', '\t', ',') || host[0] == '.')
        {
            return null;
        }

        return host.ToString().ToLowerInvariant();
    }
}
