using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Handoff.Enrichment;

/// <summary>The <c>Handoff:Enrichment:Http</c> section: an external company-data service.</summary>
public sealed class HttpEnrichmentOptions
{
    public const string Section = "Handoff:Enrichment:Http";

    /// <summary>The lookup URL; Handoff calls <c>GET {Url}?domain=…&amp;email=…</c>. Empty: no provider.</summary>
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Per attempt; the whole lookup with retries is bounded by three times this.</summary>
    public double TimeoutSeconds { get; set; } = 2;
    public int Retries { get; set; } = 2;

    /// <summary>How long an answer (including "unknown") is reused for the same domain.</summary>
    public double CacheMinutes { get; set; } = 24 * 60;
}

/// <summary>
/// One HTTP enrichment provider. Expects JSON like <c>{"name":"Acme","industry":"Software","employees":250,"country":"DE"}</c>
/// (also <c>companyName</c>, <c>employeeCount</c>, <c>countryCode</c>); 404 means unknown. Timeouts, retries with
/// back-off and a circuit breaker come from the resilience handler registered with its HttpClient; answers are cached.
/// </summary>
public sealed class HttpEnrichmentProvider(HttpClient http, IMemoryCache cache, IOptions<HttpEnrichmentOptions> options) : IEnrichmentProvider
{
    public string Name => "http";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.Url);

    public async ValueTask<EnrichmentFacts?> LookupAsync(EnrichmentQuery query, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var key = "enrichment:" + (query.Domain ?? query.Email);
        if (cache.TryGetValue(key, out EnrichmentFacts? cached))
        {
            return cached;
        }

        var url = $"{settings.Url}?domain={Uri.EscapeDataString(query.Domain ?? "")}&email={Uri.EscapeDataString(query.Email ?? "")}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!string.IsNullOrEmpty(settings.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        EnrichmentFacts? facts = null;
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<ProviderAnswer>(cancellationToken);
            if (body is not null)
            {
                var employees = body.EmployeeCount ?? body.Employees;
                var country = (body.CountryCode ?? body.Country)?.Trim();
                facts = new EnrichmentFacts
                {
                    CompanyName = Clip(body.CompanyName ?? body.Name, 200),
                    Industry = Clip(body.Industry, 100),
                    EmployeeCount = employees is >= 0 and <= 10_000_000 ? employees : null,
                    CountryCode = country is { Length: 2 } ? country.ToUpperInvariant() : null,
                    Provider = Name,
                };
            }
        }

        cache.Set(key, facts, TimeSpan.FromMinutes(settings.CacheMinutes));
        return facts;
    }

    private static string? Clip(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().Length <= max ? value.Trim() : value.Trim()[..max];

    private sealed record ProviderAnswer(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("companyName")] string? CompanyName,
        [property: JsonPropertyName("industry")] string? Industry,
        [property: JsonPropertyName("employees")] int? Employees,
        [property: JsonPropertyName("employeeCount")] int? EmployeeCount,
        [property: JsonPropertyName("country")] string? Country,
        [property: JsonPropertyName("countryCode")] string? CountryCode);
}
