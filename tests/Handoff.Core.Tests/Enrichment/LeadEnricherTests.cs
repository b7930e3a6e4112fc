using Handoff.Enrichment;
using Handoff.Hygiene;

namespace Handoff.Core.Tests.Enrichment;

public class LeadEnricherTests
{
    private static readonly LeadEnricher Enricher = new(HygieneLists.Shipped);

    [Theory]
    [InlineData("ada@analytical-engines.com", "https://www.analytical-engines.com", "analytical-engines.com")]
    [InlineData("ada@mail.analytical-engines.com", "https://analytical-engines.com", "mail.analytical-engines.com analytical-engines.com")]
    [InlineData("ada@mail.analytical-engines.com", "https://babbage.co.uk", "mail.analytical-engines.com babbage.co.uk analytical-engines.com")]
    [InlineData("ada.lovelace@gmail.com", "https://analytical-engines.com", "analytical-engines.com")]
    [InlineData("ada.lovelace@gmail.com", null, "")]
    public void AccountDomains_AreWorkEmailThenWebsiteThenParent_WithoutRepeats_AndNeverWebmail(string email, string? website, string expected)
    {
        var result = Enricher.Enrich(new EnrichmentInput { Email = email, Website = website });

        Assert.Equal(expected, string.Join(' ', result.AccountDomains()));
    }

    [Fact]
    public void Enrich_ATypicalLead_FillsEveryField()
    {
        var result = Enricher.Enrich(new EnrichmentInput
        {
            Title = "VP of Sales",
            Email = "Ada@Analytical-Engines.com",
            Website = "https://www.analytical-engines.com/about",
            Country = "USA",
            State = "California",
            EmployeeCount = 350,
            Phone = "(415) 555-2671",
        });

        Assert.Equal(Seniority.VP, result.Seniority);
        Assert.Equal(Department.Sales, result.Department);
        Assert.Equal("analytical-engines.com", result.EmailDomain);
        Assert.Equal("analytical-engines.com", result.CompanyDomain);
        Assert.Equal("analytical-engines.com", result.WebsiteDomain);
        Assert.False(result.IsFreeMail);
        Assert.False(result.IsDisposable);
        Assert.Equal("US", result.CountryCode);
        Assert.Equal(Region.AMER, result.Region);
        Assert.Equal(SubRegion.NA, result.SubRegion);
        Assert.Equal("CA", result.StateCode);
        Assert.Equal(CompanySizeBand.Employees201To1000, result.SizeBand);
        Assert.Equal(Segment.MidMarket, result.Segment);
        Assert.Equal("+14155552671", result.Phone);
        Assert.Equal(PhoneStatus.Valid, result.PhoneStatus);
        Assert.Equal("US", result.PhoneCountryCode);
    }

    [Fact]
    public void Enrich_AnEmptyLead_IsAllUnknown()
    {
        var result = Enricher.Enrich(new EnrichmentInput());

        Assert.Equal(new LeadEnrichment
        {
            Seniority = Seniority.Unknown,
            Department = Department.Unknown,
            Region = Region.Unknown,
            SubRegion = SubRegion.None,
            SizeBand = CompanySizeBand.Unknown,
            Segment = Segment.Unknown,
            PhoneStatus = PhoneStatus.Missing,
        }, result);
    }

    [Theory]
    [InlineData("ada@gmail.com", true, false)]
    [InlineData("ada@googlemail.com", true, false)]
    [InlineData("ada@mailinator.com", true, true)]
    [InlineData("ada@x.yopmail.com", false, true)]
    public void Enrich_FreeOrDisposableMail_HasNoCompanyDomain(string email, bool free, bool disposable)
    {
        var result = Enricher.Enrich(new EnrichmentInput { Email = email });

        Assert.Null(result.CompanyDomain);
        Assert.NotNull(result.EmailDomain);
        Assert.Equal(free, result.IsFreeMail);
        Assert.Equal(disposable, result.IsDisposable);
    }

    [Theory]
    [InlineData("https://www.Acme.com/about?x=1#top", "acme.com")]
    [InlineData("acme.com", "acme.com")]
    [InlineData("www.acme.co.uk/", "acme.co.uk")]
    [InlineData("http://user:pw@shop.acme.com:8080/x", "shop.acme.com")]
    [InlineData("//acme.io", "acme.io")]
    [InlineData("acme.com.", "acme.com")]
    [InlineData("localhost", null)]
    [InlineData("not a site", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void WebsiteDomain_StripsSchemeWwwAndPath(string? website, string? expected) =>
        Assert.Equal(expected, DomainName.FromWebsite(website));

    [Theory]
    [InlineData(null, CompanySizeBand.Unknown, Segment.Unknown)]
    [InlineData(0, CompanySizeBand.Unknown, Segment.Unknown)]
    [InlineData(1, CompanySizeBand.Employees1To10, Segment.SMB)]
    [InlineData(10, CompanySizeBand.Employees1To10, Segment.SMB)]
    [InlineData(11, CompanySizeBand.Employees11To50, Segment.SMB)]
    [InlineData(50, CompanySizeBand.Employees11To50, Segment.SMB)]
    [InlineData(51, CompanySizeBand.Employees51To200, Segment.SMB)]
    [InlineData(200, CompanySizeBand.Employees51To200, Segment.SMB)]
    [InlineData(201, CompanySizeBand.Employees201To1000, Segment.MidMarket)]
    [InlineData(1000, CompanySizeBand.Employees201To1000, Segment.MidMarket)]
    [InlineData(1001, CompanySizeBand.Employees1001To5000, Segment.Enterprise)]
    [InlineData(5000, CompanySizeBand.Employees1001To5000, Segment.Enterprise)]
    [InlineData(5001, CompanySizeBand.Employees5001Plus, Segment.Enterprise)]
    public void SizeBandAndSegment_FollowTheEmployeeCount(int? employees, CompanySizeBand band, Segment segment)
    {
        var result = Enricher.Enrich(new EnrichmentInput { EmployeeCount = employees });

        Assert.Equal(band, result.SizeBand);
        Assert.Equal(segment, result.Segment);
    }

    [Fact]
    public void SizeBand_HasTheLabelsPeopleUse() =>
        Assert.Equal(["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"], Enum.GetValues<CompanySizeBand>().Skip(1).Select(b => CompanySize.Label(b)!));

    [Theory]
    [InlineData("+49 30 901820", null, "+4930901820", "DE")]
    [InlineData("030 901820", "DE", "+4930901820", "DE")]
    [InlineData("0049 30 901820", null, "+4930901820", "DE")]
    [InlineData("020 7946 0958", "GB", "+442079460958", "GB")]
    [InlineData("+1 (415) 555-2671 ext. 12", null, "+14155552671", "US")]
    public void Phone_ValidNumbers_BecomeE164(string phone, string? country, string e164, string region)
    {
        var result = LeadPhone.Normalize(phone, country);

        Assert.Equal(new NormalizedPhone(e164, PhoneStatus.Valid, region), result);
    }

    [Theory]
    [InlineData("12345", "US")]
    [InlineData("+1 000 000 0000", null)]
    [InlineData("call me maybe", "DE")]
    public void Phone_InvalidNumbers_KeepTheirTextAndAreFlagged(string phone, string? country) =>
        Assert.Equal(new NormalizedPhone(phone, PhoneStatus.Invalid, null), LeadPhone.Normalize(phone, country));

    [Fact]
    public void Phone_WithoutPrefixOrCountry_IsLeftUnchecked() =>
        Assert.Equal(new NormalizedPhone("030 901820", PhoneStatus.Unchecked, null), LeadPhone.Normalize(" 030 901820 ", null));

    [Fact]
    public void Enrich_UsesTheLeadsCountry_AsThePhoneRegion() =>
        Assert.Equal("+4930901820", Enricher.Enrich(new EnrichmentInput { Phone = "030 901820", Country = "Deutschland" }).Phone);

    [Fact]
    public void Enrich_FallsBackToTheConfiguredPhoneRegion()
    {
        var enricher = new LeadEnricher(HygieneLists.Shipped, new EnrichmentOptions { DefaultPhoneRegion = "gb" });

        Assert.Equal("+442079460958", enricher.Enrich(new EnrichmentInput { Phone = "020 7946 0958" }).Phone);
    }

    [Fact]
    public void Enrich_InfersTheCountry_FromAUsStateWhenNoCountryIsGiven()
    {
        var result = Enricher.Enrich(new EnrichmentInput { State = "tx" });

        Assert.Equal(("US", "TX", Region.AMER), (result.CountryCode, result.StateCode, result.Region));
    }

    [Fact]
    public void Enrich_LeavesTheStateAlone_WhenTheCountryIsUnknown()
    {
        var result = Enricher.Enrich(new EnrichmentInput { Country = "Atlantis", State = "CA" });

        Assert.Equal((null, null), (result.CountryCode, result.StateCode));
    }
}
