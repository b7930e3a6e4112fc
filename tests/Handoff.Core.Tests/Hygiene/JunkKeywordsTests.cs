using System.Text;
using Handoff.Hygiene;

namespace Handoff.Core.Tests.Hygiene;

public sealed class JunkKeywordsTests : IDisposable
{
    private readonly string _overrides = Path.Combine(Path.GetTempPath(), "handoff-keywords-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_overrides))
        {
            Directory.Delete(_overrides, recursive: true);
        }
    }

    private static JunkKeywords Parse(string json) => JunkKeywords.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Shipped_MapsToJunkReasonCodes_InFileOrder() =>
        Assert.Equal([JunkReasons.Spam, JunkReasons.Vendor, JunkReasons.JobSeeker, JunkReasons.Student], JunkKeywords.Shipped.Reasons);

    [Fact]
    public void Match_PhrasesAreCaseInsensitive_OnWordBoundaries_WithFlexibleSpaces()
    {
        var keywords = Parse("""{ "vendor": [ { "phrases": ["guest post"] } ] }""");

        Assert.NotNull(keywords.Match(new JunkCheckInput { Description = "A GUEST\n  Post for you" }));
        Assert.Null(keywords.Match(new JunkCheckInput { Description = "our guest posting policy" }));
        Assert.Null(keywords.Match(new JunkCheckInput { Description = "theguest post" }));
    }

    [Fact]
    public void Match_PhrasesEndingInPunctuation_StillNeedTheirWordStart()
    {
        var keywords = Parse("""{ "job-seeker": [ { "phrases": ["hiring?"] } ] }""");

        Assert.NotNull(keywords.Match(new JunkCheckInput { Description = "Hiring? I am available." }));
        Assert.Null(keywords.Match(new JunkCheckInput { Description = "We are hiring fast." }));
        Assert.Null(keywords.Match(new JunkCheckInput { Description = "Rehiring? no" }));
    }

    [Fact]
    public void Match_ApostrophesVanish_AndPunctuationIsASpace()
    {
        var keywords = Parse("""{ "student": [ { "phrases": ["i'm a student", "white-label"] } ] }""");

        Assert.NotNull(keywords.Match(new JunkCheckInput { Description = "I’m a student" }));
        Assert.NotNull(keywords.Match(new JunkCheckInput { Description = "White Label" }));
        Assert.NotNull(keywords.Match(new JunkCheckInput { Description = "white—label" }));
        Assert.Null(keywords.Match(new JunkCheckInput { Description = "whitelabel" }));
    }

    [Fact]
    public void Match_LooksOnlyInTheGroupsFields()
    {
        var keywords = Parse("""{ "vendor": [ { "fields": ["description"], "phrases": ["seo services"] } ] }""");

        Assert.Null(keywords.Match(new JunkCheckInput { Company = "SEO Services Ltd", Title = "SEO services", CustomFields = new Dictionary<string, string> { ["x"] = "seo services" } }));
        Assert.NotNull(keywords.Match(new JunkCheckInput { Description = "seo services" }));
    }

    [Fact]
    public void Match_PatternsAreRegularExpressions()
    {
        var keywords = Parse("""{ "student": [ { "fields": ["title"], "patterns": ["^students?$"] } ] }""");

        Assert.NotNull(keywords.Match(new JunkCheckInput { Title = " Students " }));
        Assert.Null(keywords.Match(new JunkCheckInput { Title = "Student Success Manager" }));
    }

    [Fact]
    public void Match_ExceptCancelsOnlyTheMatchItOverlaps()
    {
        var keywords = Parse("""{ "student": [ { "phrases": ["student"], "except": ["student success"] } ] }""");

        Assert.Null(keywords.Match(new JunkCheckInput { Description = "our student success team" }));
        Assert.NotNull(keywords.Match(new JunkCheckInput { Description = "student success team, and I am a student" }));
    }

    [Fact]
    public void Match_FirstReasonInTheFileWins()
    {
        var keywords = Parse("""{ "student": [ { "phrases": ["thesis"] } ], "vendor": [ { "phrases": ["thesis"] } ] }""");

        Assert.Equal(JunkReasons.Student, keywords.Match(new JunkCheckInput { Description = "thesis" })!.Reason);
    }

    [Fact]
    public void Parse_AcceptsCommentsAndTrailingCommas() =>
        Assert.Single(Parse("""
            // a comment
            { "vendor": [ { "phrases": ["a", "b",], }, ], }
            """).Reasons);

    [Theory]
    [InlineData("[]", "top level")]
    [InlineData("""{ "Vendor Pitch": [] }""", "not a reason code")]
    [InlineData("""{ "vendor": [ { "fields": ["body"], "phrases": ["x"] } ] }""", "unknown field")]
    [InlineData("""{ "vendor": [ { "phrase": ["x"] } ] }""", "unknown key")]
    [InlineData("""{ "vendor": [ { "patterns": ["(unclosed"] } ] }""", "invalid pattern")]
    [InlineData("""{ "vendor": [ { "fields": ["title"] } ] }""", "no phrases")]
    [InlineData("""{ "vendor": [ { "phrases": [""] } ] }""", "non-empty")]
    [InlineData("""{ "vendor": """, "not valid JSON")]
    public void Parse_RejectsAMalformedFile_SayingWhy(string json, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse(json));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TakesTheOverrideFile_WhenThereIsOne()
    {
        Directory.CreateDirectory(_overrides);
        File.WriteAllText(Path.Combine(_overrides, JunkKeywords.File), """{ "vendor": [ { "phrases": ["synergy package"] } ] }""");

        var keywords = JunkKeywords.Load(new HygieneOptions { ListsDirectory = _overrides });
        var classifier = new JunkClassifier(HygieneLists.Shipped, keywords);

        Assert.Equal(Path.Combine(_overrides, JunkKeywords.File), keywords.Source);
        Assert.Equal(JunkReasons.Vendor, classifier.Classify(new JunkCheckInput { Description = "Our Synergy Package" })?.Reason);
        Assert.Null(classifier.Classify(new JunkCheckInput { Description = "SEO services" }));
    }

    [Fact]
    public void Load_KeepsTheShippedFile_WhenTheOverrideDirectoryHasNone()
    {
        Directory.CreateDirectory(_overrides);

        Assert.Equal("embedded:keywords.json", JunkKeywords.Load(_overrides).Source);
    }
}
