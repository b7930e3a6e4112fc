using System.Security.Claims;
using System.Text.Encodings.Web;
using Handoff.Access;
using Handoff.Common;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>. A key found by its hash is cached for a short while so that a burst
/// of captures does not read the key table on every request; a revoked key stops working within that time.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IMemoryCache cache,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length > 512)
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api key>'.");
        }

        var plain = header["Bearer ".Length..].Trim();
        var principal = await cache.GetOrCreateAsync(ApiKey.HashOf(plain), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            var key = await keys.FindActiveAsync(plain, Context.RequestAborted);
            return key is null ? null : PrincipalOf(key);
        });

        return principal is null
            ? AuthenticateResult.Fail("Unknown or revoked API key.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private static ClaimsPrincipal PrincipalOf(ApiKey key)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.Id.ToString()),
            new(ClaimTypes.Name, key.Name),
        };
        claims.AddRange(Enum.GetValues<ApiScope>().Where(key.Allows).Select(s => new Claim(ScopeClaim, s.ToString())));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
    }
}

internal static class Principals
{
    /// <summary>The author recorded in history for a request.</summary>
    public static Actor ActorOf(this ClaimsPrincipal user) => new(
        ActorKind.Integration,
        "apikey:" + (user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown"),
        "API key " + (user.Identity?.Name ?? "unknown"));
}
