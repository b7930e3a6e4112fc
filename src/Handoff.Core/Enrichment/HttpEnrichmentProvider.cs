using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>The largest answer read; a bigger one is a failed lookup (a company record is a few hundred bytes).</summary>
    public const int MaxAnswerBytes = 256 * 1024;

    /// <summary>
    /// The bound of one whole lookup, the answer's body included: the resilience pipeline's timeouts end once the
    /// headers have come, so a body that trickles in is bounded by the client's own timeout, set to this.
    /// </summary>
    public TimeSpan LookupBound => TimeSpan.FromSeconds(TimeoutSeconds * (Math.Max(Retries, 0) + 1) * 2);
}

/// <summary>
/// One HTTP enrichment provider. Expects JSON like <c>{"name":"Acme","industry":"Software","employees":250,"country":"DE"}</c>
/// (also <c>companyName</c>, <c>employeeCount</c>, <c>countryCode</c>; employees may be a number or text such as
/// "51-200", the country a code or a name); 404 means unknown. Timeouts, retries with back-off and a circuit breaker
/// come from the resilience handler registered with its HttpClient; answers are cached. An answer that is not such
/// JSON, or is over <see cref="HttpEnrichmentOptions.MaxAnswerBytes"/>, is a failed lookup
/// (<see cref="HttpRequestException"/>), as a 500 is.
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
            ProviderAnswer? body;
            try
            {
                body = await response.Content.ReadFromJsonAsync<ProviderAnswer>(cancellationToken);
            }
            catch (JsonException e)
            {
                throw new HttpRequestException($"The provider's answer is not the expected JSON: {e.Message}", e);
            }

            if (body is not null)
            {
                var employees = Employees(body.EmployeeCount) ?? Employees(body.Employees);
                facts = new EnrichmentFacts
                {
                    CompanyName = Clip(body.CompanyName ?? body.Name, 200),
                    Industry = Clip(body.Industry, 100),
                    EmployeeCount = employees is >= 0 and <= 10_000_000 ? employees : null,
                    CountryCode = Geography.CountryCode(Clip(body.CountryCode, 100)) ?? Geography.CountryCode(Clip(body.Country, 100)),
                    Provider = Name,
                };
            }
        }

        cache.Set(key, facts, TimeSpan.FromMinutes(settings.CacheMinutes));
        return facts;
    }

    /// <summary>A number, or text as vendors write head counts ("51-200", "1,000+"); null for anything else.</summary>
    private static int? Employees(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.Number } number => number.TryGetInt32(out var n) ? n : number.TryGetDouble(out var d) && d is >= 0 and <= int.MaxValue ? (int)d : null,
        { ValueKind: JsonValueKind.String } text => CompanySize.Parse(text.GetString()),
        _ => null,
    };

    private static string? Clip(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().Length <= max ? value.Trim() : value.Trim()[..max];

    private sealed record ProviderAnswer(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("companyName")] string? CompanyName,
        [property: JsonPropertyName("industry")] string? Industry,
        [property: JsonPropertyName("employees")] JsonElement? Employees,
        [property: JsonPropertyName("employeeCount")] JsonElement? EmployeeCount,
        [property: JsonPropertyName("country")] string? Country,
        [property: JsonPropertyName("countryCode")] string? CountryCode);
}
