using System.Security.Cryptography;
using System.Text;
using Handoff.Common;

namespace Handoff.Access;

/// <summary>What an API key may do. Admin implies every other scope; write implies read and capture.</summary>
public enum ApiScope
{
    Capture,
    Read,
    Write,
    Admin,
}

/// <summary>
/// A secret for machines and scripts. Only its SHA-256 hash is stored: keys are 256-bit random values, so a
/// fast hash is safe here (a slow password hash would only slow every request).
/// </summary>
public sealed class ApiKey
{
    private ApiKey()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>The first characters of the key, shown in lists so people can tell keys apart.</summary>
    public string Prefix { get; private set; } = "";
    public string Hash { get; private set; } = "";
    public List<ApiScope> Scopes { get; private set; } = [];
    public DateTime CreatedAt { get; private set; }
    public DateTime? RevokedAt { get; private set; }

    public bool Allows(ApiScope scope) =>
        Scopes.Contains(ApiScope.Admin)
        || Scopes.Contains(scope)
        || (scope is (ApiScope.Read or ApiScope.Capture) && Scopes.Contains(ApiScope.Write));

    /// <summary>Makes a new random key; the plain text is returned once and never stored.</summary>
    public static (ApiKey Key, string PlainText) Generate(string name, IEnumerable<ApiScope> scopes, DateTime at)
    {
        var plain = "hk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return (FromPlainText(plain, name, scopes, at), plain);
    }

    /// <summary>Registers a key chosen elsewhere (the bootstrap key from configuration).</summary>
    public static ApiKey FromPlainText(string plain, string name, IEnumerable<ApiScope> scopes, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Name = name,
        Prefix = plain[..Math.Min(plain.Length, 10)],
        Hash = HashOf(plain),
        Scopes = scopes.Distinct().Order().ToList(),
        CreatedAt = at,
    };

    public void Revoke(DateTime at) => RevokedAt ??= at;

    public static string HashOf(string plain) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plain)));
}
