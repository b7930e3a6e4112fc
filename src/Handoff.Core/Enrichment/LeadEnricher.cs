using Handoff.Hygiene;

namespace Handoff.Enrichment;

/// <summary>The <c>Handoff:Enrichment</c> configuration section.</summary>
public sealed class EnrichmentOptions
{
    public const string Section = "Handoff:Enrichment";

    /// <summary>The phone region (ISO alpha-2) for numbers without a prefix on leads without a country; null: leave them unchecked.</summary>
    public string? DefaultPhoneRegion { get; set; }
}

/// <summary>The lead fields enrichment reads, as plain text (normalized or raw).</summary>
public sealed record EnrichmentInput
{
    public string? Title { get; init; }
    public string? Email { get; init; }
    public string? Website { get; init; }
    public string? Country { get; init; }
    public string? State { get; init; }
    public int? EmployeeCount { get; init; }
    public string? Phone { get; init; }
}

/// <summary>
/// What the built-in enricher derives from a lead. Named LeadEnrichment, not Enrichment: a type named like its
/// namespace (Handoff.Enrichment) cannot be referred to by its short name from the rest of Handoff.
/// </summary>
public sealed record LeadEnrichment
{
    public Seniority Seniority { get; init; }
    public Department Department { get; init; }

    /// <summary>The email's domain, lower case; null without an email.</summary>
    public string? EmailDomain { get; init; }

    /// <summary>The email's domain when it is a company's (not free webmail, not disposable): the key to match an account.</summary>
    public string? CompanyDomain { get; init; }

    /// <summary>The website's domain ("https://www.acme.com/x" → "acme.com").</summary>
    public string? WebsiteDomain { get; init; }

    public bool IsFreeMail { get; init; }
    public bool IsDisposable { get; init; }

    /// <summary>ISO 3166-1 alpha-2, from the country field, or from a US state or Canadian province when the country is empty.</summary>
    public string? CountryCode { get; init; }

    public Region Region { get; init; }
    public SubRegion SubRegion { get; init; }

    /// <summary>The postal code of a US state or Canadian province ("CA", "ON"); null elsewhere.</summary>
    public string? StateCode { get; init; }

    public CompanySizeBand SizeBand { get; init; }
    public Segment Segment { get; init; }

    /// <summary>E.164 when <see cref="PhoneStatus"/> is Valid, else the phone as typed.</summary>
    public string? Phone { get; init; }

    public PhoneStatus PhoneStatus { get; init; }

    /// <summary>The region of a valid phone number (may differ from <see cref="CountryCode"/>).</summary>
    public string? PhoneCountryCode { get; init; }

    /// <summary>
    /// The domains that may name the lead's account, best first: the work email's domain, the website's, then the
    /// email domain's parent ("mail.acme.com" → "acme.com"; two-label domains have none). Free webmail never
    /// appears. Capture and import match accounts by these.
    /// </summary>
    public IEnumerable<string> AccountDomains()
    {
        if (CompanyDomain is { } company)
        {
            yield return company;
        }

        if (WebsiteDomain is { } website && website != CompanyDomain)
        {
            yield return website;
        }

        // The parent is shorter than the company domain, so only the website can repeat it.
        if (CompanyDomain is { } domain && domain.Count(c => c == '.') >= 2 && domain[(domain.IndexOf('.', StringComparison.Ordinal) + 1)..] is var parent && parent != WebsiteDomain)
        {
            yield return parent;
        }
    }
}

/// <summary>
/// The built-in enricher: title → seniority and department, email → company domain and free/disposable flags,
/// website → domain, country/state → ISO code and region, employees → size band and segment, phone → E.164.
/// Pure, in process, thread-safe, no I/O: it runs inside capture on every lead.
/// </summary>
public sealed class LeadEnricher(HygieneLists lists, EnrichmentOptions? options = null)
{
    private readonly string? _defaultPhoneRegion = string.IsNullOrWhiteSpace(options?.DefaultPhoneRegion) ? null : options.DefaultPhoneRegion.Trim().ToUpperInvariant();

    public LeadEnrichment Enrich(EnrichmentInput input)
    {
        var role = JobTitle.Parse(input.Title);

        var emailDomain = EmailAddress.DomainOf(input.Email);
        var disposable = emailDomain is not null && lists.IsDisposable(emailDomain);
        var free = emailDomain is not null && lists.IsFreeMail(emailDomain);

        // A state names its country only when no country was given; an unknown country leaves the state as typed.
        var countryGiven = !string.IsNullOrWhiteSpace(input.Country);
        var countryCode = Geography.CountryCode(input.Country);
        var state = countryGiven && countryCode is null ? null : Geography.FindState(input.State, countryCode);
        countryCode ??= state?.CountryCode;

        var phone = LeadPhone.Normalize(input.Phone, countryCode ?? _defaultPhoneRegion);
        return new LeadEnrichment
        {
            Seniority = role.Seniority,
            Department = role.Department,
            EmailDomain = emailDomain,
            CompanyDomain = disposable || free ? null : emailDomain,
            WebsiteDomain = DomainName.FromWebsite(input.Website),
            IsFreeMail = free,
            IsDisposable = disposable,
            CountryCode = countryCode,
            Region = Geography.RegionOf(countryCode),
            SubRegion = Geography.SubRegionOf(countryCode),
            StateCode = state?.Code,
            SizeBand = CompanySize.BandOf(input.EmployeeCount),
            Segment = CompanySize.SegmentOf(input.EmployeeCount),
            Phone = phone.Value,
            PhoneStatus = phone.Status,
            PhoneCountryCode = phone.CountryCode,
        };
    }
}
