using Handoff.Enrichment;
using Handoff.Hygiene;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Tests.Enrichment;

public class HttpEnrichmentOptionsTests
{
    private static HttpEnrichmentOptions Read(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create<string, string?>($"Handoff:Enrichment:Http:{s.Key}", s.Value)))
            .Build();
        var services = new ServiceCollection().AddHygiene(configuration).AddEnrichment(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<HttpEnrichmentOptions>>().Value;
    }

    [Theory]
    [InlineData("Url", "not a url", "Handoff:Enrichment:Http:Url")]
    [InlineData("Url", "ftp://data.example.com/lookup", "Handoff:Enrichment:Http:Url")]
    [InlineData("TimeoutSeconds", "0", "Handoff:Enrichment:Http:TimeoutSeconds")]
    [InlineData("Retries", "-1", "Handoff:Enrichment:Http:Retries")]
    [InlineData("CacheMinutes", "-5", "Handoff:Enrichment:Http:CacheMinutes")]
    public void ABadSetting_IsRefused_NamingIt(string key, string value, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read((key, value)));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoProvider_AndAGoodOne_AreAccepted()
    {
        Assert.Null(Read().Url);
        Assert.Equal(5, Read(("Url", "https://data.example.com/lookup"), ("TimeoutSeconds", "5")).TimeoutSeconds);
    }
}
