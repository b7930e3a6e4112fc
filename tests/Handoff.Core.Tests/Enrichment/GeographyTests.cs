using Handoff.Enrichment;

namespace Handoff.Core.Tests.Enrichment;

public class GeographyTests
{
    [Theory]
    [InlineData("US", "US")]
    [InlineData("us", "US")]
    [InlineData("USA", "US")]
    [InlineData("U.S.A.", "US")]
    [InlineData("United States", "US")]
    [InlineData("united states of america", "US")]
    [InlineData("The United States", "US")]
    [InlineData("Deutschland", "DE")]
    [InlineData("Germany", "DE")]
    [InlineData("DEU", "DE")]
    [InlineData("UK", "GB")]
    [InlineData("GB", "GB")]
    [InlineData("Great Britain", "GB")]
    [InlineData("England", "GB")]
    [InlineData("United Kingdom", "GB")]
    [InlineData("Österreich", "AT")]
    [InlineData("Oesterreich", "AT")]
    [InlineData("México", "MX")]
    [InlineData("Mexico", "MX")]
    [InlineData("Brasil", "BR")]
    [InlineData("España", "ES")]
    [InlineData("The Netherlands", "NL")]
    [InlineData("Holland", "NL")]
    [InlineData("South Korea", "KR")]
    [InlineData("Korea, Republic of", "KR")]
    [InlineData("Viet Nam", "VN")]
    [InlineData("Côte d'Ivoire", "CI")]
    [InlineData("Ivory Coast", "CI")]
    [InlineData("UAE", "AE")]
    [InlineData("Türkiye", "TR")]
    [InlineData("  india ", "IN")]
    [InlineData("日本", "JP")]
    public void CountryCode_NormalizesNamesAndCodes(string country, string code) =>
        Assert.Equal(code, Geography.CountryCode(country));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Atlantis")]
    [InlineData("XX")]
    public void CountryCode_IsNull_ForUnknownCountries(string? country) =>
        Assert.Null(Geography.CountryCode(country));

    [Theory]
    [InlineData("US", Region.AMER, SubRegion.NA)]
    [InlineData("CA", Region.AMER, SubRegion.NA)]
    [InlineData("MX", Region.AMER, SubRegion.LATAM)]
    [InlineData("BR", Region.AMER, SubRegion.LATAM)]
    [InlineData("JM", Region.AMER, SubRegion.LATAM)]
    [InlineData("DE", Region.EMEA, SubRegion.None)]
    [InlineData("GB", Region.EMEA, SubRegion.None)]
    [InlineData("AE", Region.EMEA, SubRegion.None)]
    [InlineData("ZA", Region.EMEA, SubRegion.None)]
    [InlineData("RU", Region.EMEA, SubRegion.None)]
    [InlineData("IN", Region.APAC, SubRegion.None)]
    [InlineData("JP", Region.APAC, SubRegion.None)]
    [InlineData("AU", Region.APAC, SubRegion.None)]
    [InlineData("NZ", Region.APAC, SubRegion.None)]
    [InlineData("SG", Region.APAC, SubRegion.None)]
    [InlineData("AQ", Region.Unknown, SubRegion.None)]
    [InlineData(null, Region.Unknown, SubRegion.None)]
    public void RegionOf_GivesTheSalesRegion(string? code, Region region, SubRegion subRegion)
    {
        Assert.Equal(region, Geography.RegionOf(code));
        Assert.Equal(subRegion, Geography.SubRegionOf(code));
    }

    [Fact]
    public void All_HoldsEveryIso3166Country_WithARegion()
    {
        Assert.Equal(249, Geography.All.Count);
        Assert.All(Geography.All.Values.Where(c => c.Code != "AQ"), c => Assert.NotEqual(Region.Unknown, c.Region));
        Assert.All(Geography.All.Values.Where(c => c.Region == Region.AMER), c => Assert.NotEqual(SubRegion.None, c.SubRegion));
    }

    [Theory]
    [InlineData("California", null, "CA", "US")]
    [InlineData("ca", "US", "CA", "US")]
    [InlineData("New York", "US", "NY", "US")]
    [InlineData("Washington D.C.", "US", "DC", "US")]
    [InlineData("Ontario", null, "ON", "CA")]
    [InlineData("Québec", "CA", "QC", "CA")]
    [InlineData("BC", "CA", "BC", "CA")]
    public void FindState_NormalizesUsStatesAndCanadianProvinces(string state, string? country, string code, string countryCode) =>
        Assert.Equal(new StateMatch(code, countryCode), Geography.FindState(state, country));

    [Theory]
    [InlineData("Bavaria", "DE")]
    [InlineData("California", "CA")]
    [InlineData("Ontario", "US")]
    [InlineData("Narnia", null)]
    [InlineData("", "US")]
    public void FindState_IsNull_OutsideTheUsAndCanada_OrForUnknownNames(string state, string? country) =>
        Assert.Null(Geography.FindState(state, country));
}
