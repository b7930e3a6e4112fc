using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Scoring;

namespace Handoff.Core.Tests.Scoring;

/// <summary>Scoring models written as JSON in the scoring unit tests, compiled as the API would compile them.</summary>
internal static class TestRules
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The document as the API reads it (enums by name).</summary>
    public static ScoringDocument? Document(string json) => JsonSerializer.Deserialize<ScoringDocument>(json, Json);

    /// <summary>The compiled model; the test fails when the document is refused.</summary>
    public static ScoringRules Compile(string json, int version)
    {
        var compiled = ScoringRules.Compile(Document(json), version);
        Assert.True(compiled.IsSuccess, compiled.Error?.ToString());
        return compiled.Value!;
    }
}
