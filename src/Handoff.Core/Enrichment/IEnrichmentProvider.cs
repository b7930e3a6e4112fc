namespace Handoff.Enrichment;

/// <summary>What an external provider is asked about: a company domain and, when known, the person's address.</summary>
public sealed record EnrichmentQuery(string? Domain, string? Email);

/// <summary>Company facts from an external provider; every fact is optional.</summary>
public sealed record EnrichmentFacts
{
    public string? CompanyName { get; init; }
    public string? Industry { get; init; }
    public int? EmployeeCount { get; init; }

    /// <summary>ISO 3166-1 alpha-2.</summary>
    public string? CountryCode { get; init; }

    /// <summary>The provider that answered (for the lead's history).</summary>
    public string? Provider { get; init; }
}

/// <summary>
/// An external enrichment source (a data vendor over HTTP, a CRM). Called outside the capture transaction:
/// capture never waits on the network. Implementations return null when they know nothing, and throw only for
/// failures worth a retry.
/// </summary>
public interface IEnrichmentProvider
{
    /// <summary>A short stable name ("clearbit", "crm"), recorded with the facts.</summary>
    string Name { get; }

    /// <summary>False when the provider has no settings; it is then never asked.</summary>
    bool IsConfigured { get; }

    ValueTask<EnrichmentFacts?> LookupAsync(EnrichmentQuery query, CancellationToken cancellationToken = default);
}
