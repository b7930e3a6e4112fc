using System.Security.Cryptography;
using Handoff.Activities;
using Handoff.Common;

namespace Handoff.Capture;

/// <summary>
/// A hosted form that a website posts to (<c>POST /f/{key}</c>): which origins may post, where it may send the
/// visitor back to, how its own field names map to lead fields, and which touch a submission is.
/// </summary>
public sealed class WebForm
{
    private WebForm()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>The public key in the form's URL; not a secret, but unguessable so forms cannot be enumerated.</summary>
    public string Key { get; private set; } = "";
    public string Name { get; private set; } = "";

    /// <summary>Origins (scheme://host[:port]) whose pages may post with a browser; none means any.</summary>
    public List<string> AllowedOrigins { get; private set; } = [];

    /// <summary>Return URLs (prefixes) the form may redirect to after a post; anything else is never followed.</summary>
    public List<string> ReturnUrls { get; private set; } = [];

    /// <summary>The form's own field names mapped to lead fields (<c>"work_email" → "email"</c>).</summary>
    public Dictionary<string, string> FieldMap { get; private set; } = [];

    /// <summary>A field hidden from people; bots fill it. Default <c>hp_website</c>.</summary>
    public string HoneypotField { get; private set; } = DefaultHoneypot;
    public bool RequiresPerson { get; private set; }
    public ActivityType ActivityType { get; private set; }
    public string? Source { get; private set; }
    public bool IsActive { get; private set; }
    public DateTime CreatedAt { get; private set; }

    public const string DefaultHoneypot = "hp_website";

    public static WebForm Create(
        string name,
        IEnumerable<string> allowedOrigins,
        IEnumerable<string> returnUrls,
        IDictionary<string, string> fieldMap,
        string? honeypotField,
        bool requiresPerson,
        ActivityType activityType,
        string? source,
        DateTime at) => new()
    {
        Id = Ids.NewId(),
        Key = "f_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
        Name = name.Trim(),
        AllowedOrigins = allowedOrigins.Select(o => OriginOf(o) ?? throw new ArgumentException($"'{o}' is not an origin.", nameof(allowedOrigins))).Distinct().ToList(),
        ReturnUrls = returnUrls.Select(u => u.Trim()).Distinct().ToList(),
        FieldMap = fieldMap.ToDictionary(p => p.Key.Trim(), p => p.Value.Trim(), StringComparer.OrdinalIgnoreCase),
        HoneypotField = string.IsNullOrWhiteSpace(honeypotField) ? DefaultHoneypot : honeypotField.Trim(),
        RequiresPerson = requiresPerson,
        ActivityType = activityType,
        Source = string.IsNullOrWhiteSpace(source) ? null : source.Trim(),
        IsActive = true,
        CreatedAt = at,
    };

    /// <summary>
    /// A browser post from <paramref name="origin"/> may be accepted (no Origin: not a browser, allowed). The opaque
    /// origin <c>null</c> (a sandboxed frame, a file, a <c>data:</c> URL: any page can be one) is never in a list.
    /// </summary>
    public bool AllowsOrigin(string? origin) =>
        origin is null || AllowedOrigins.Count == 0
        || (origin != "null" && AllowedOrigins.Contains(origin.TrimEnd('/').ToLowerInvariant()));

    /// <summary>
    /// <paramref name="value"/> as a browser sends it in <c>Origin</c> (<c>https://www.example.com</c>: scheme and
    /// host in lower case, the host as punycode, the port only when not the scheme's default); null when it is not an
    /// origin (no http(s) scheme, or a path, query, fragment or user name, which an Origin header never has).
    /// </summary>
    public static string? OriginOf(string? value)
    {
        if (value is null || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0
            || value.Trim().TrimEnd('/').EndsWith('?') || value.Contains('#', StringComparison.Ordinal))
        {
            return null;
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }

    /// <summary>The return URL if it is one the form allows (same scheme and host, path under an allowed prefix).</summary>
    public Uri? SafeReturnUrl(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested) || !Uri.TryCreate(requested, UriKind.Absolute, out var target)
            || (target.Scheme != Uri.UriSchemeHttps && target.Scheme != Uri.UriSchemeHttp))
        {
            return null;
        }

        foreach (var allowed in ReturnUrls)
        {
            if (Uri.TryCreate(allowed, UriKind.Absolute, out var prefix)
                && string.Equals(prefix.Scheme, target.Scheme, StringComparison.OrdinalIgnoreCase)
                && string.Equals(prefix.Authority, target.Authority, StringComparison.OrdinalIgnoreCase)
                && IsUnder(target.AbsolutePath, prefix.AbsolutePath))
            {
                return target;
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="target"/> as a <c>Location</c> header may carry it: ASCII only (an accented host as punycode,
    /// accented path and query percent-encoded; <see cref="Uri.ToString"/> gives them back decoded, which a header refuses).
    /// </summary>
    public static string Location(Uri target) => new UriBuilder(target) { Host = target.IdnHost }.Uri.AbsoluteUri;

    /// <summary>The path is the allowed one or below it: <c>/thanks</c> allows <c>/thanks</c> and <c>/thanks/de</c>, not <c>/thanksgiving</c>.</summary>
    private static bool IsUnder(string path, string allowed) =>
        path.StartsWith(allowed, StringComparison.Ordinal)
        && (path.Length == allowed.Length || allowed.EndsWith('/') || path[allowed.Length] == '/');
}
