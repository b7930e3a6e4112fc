using Handoff.Leads;

namespace Handoff.Core.Tests.Leads;

public class MatchKeysTests
{
    [Theory]
    [InlineData("Dr. Ana", "Lima", "Ana", "Lima Jr.")]
    [InlineData("Ana", "Lima, PhD", "Mrs Ana", "Lima")]
    [InlineData("Hans", "Müller", "Hans", "Mueller")]
    [InlineData("Hans", "Muller", "Hans", "Mueller")]
    [InlineData("Zoë", "Schröder", "Zoe", "Schroeder")]
    [InlineData("Siobhán", "O'Brien", "Siobhan", "O Brien")]
    [InlineData("Jan", "Van der Beek", "Jan", "VanDerBeek")]
    [InlineData("John", "Smith III", "john", "SMITH")]
    public void LooseName_IsTheSame_ForTheSamePersonWrittenTwoWays(string first1, string last1, string first2, string last2) =>
        Assert.Equal(MatchKeys.LooseName(first1, last1), MatchKeys.LooseName(first2, last2));

    [Theory]
    [InlineData("Ana", "Lima", "Ana", "Souza")]
    [InlineData("Ana", "Lima", "Anabel", "Lima")]
    [InlineData("Hans", "Müller", "Hans", "Miller")]
    public void LooseName_Differs_ForDifferentPeople(string first1, string last1, string first2, string last2) =>
        Assert.NotEqual(MatchKeys.LooseName(first1, last1), MatchKeys.LooseName(first2, last2));

    [Fact]
    public void LooseName_NeedsALastName_AndKeepsANameMadeOnlyOfTitles()
    {
        Assert.Null(MatchKeys.LooseName("Ana", null));
        Assert.Equal("drmd", MatchKeys.LooseName("Dr", "MD"));
    }
}
