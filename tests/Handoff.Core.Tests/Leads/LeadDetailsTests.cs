using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Core.Tests.Leads;

public class LeadDetailsTests
{
    private static IReadOnlyDictionary<string, string[]> ErrorsOf(LeadDetails details)
    {
        var errors = new FieldErrors();
        details.Normalize().Validate(errors);
        return errors.Any ? errors.ToError().Fields : new Dictionary<string, string[]>();
    }

    [Fact]
    public void Normalize_TrimsLowersEmailAndDropsBlanksAndControlCharacters()
    {
        var d = new LeadDetails { Email = "  Ada@Example.COM ", FirstName = "  ", Company = "Acme\u0000 Corp\u0007" }.Normalize();

        Assert.Equal("ada@example.com", d.Email);
        Assert.Null(d.FirstName);
        Assert.Equal("Acme Corp", d.Company);
    }

    [Theory]
    [InlineData("zed\u200B@zw.com")] // zero-width space, pasted from a web page
    [InlineData("\uFEFFzed@zw.com")] // byte order mark
    [InlineData("ze\u200Dd@zw.com\u2060")] // joiner, word joiner
    [InlineData("\u200B zed@zw.com")] // then a space, trimmed after
    public void Normalize_DropsInvisibleCharactersFromTheEmail(string email) =>
        Assert.Equal("zed@zw.com", new LeadDetails { Email = email }.Normalize().Email);

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("Ada <ada@example.com>")]
    [InlineData("ada@example.com.")]
    public void Validate_RejectsMalformedEmails(string email) =>
        Assert.Contains("email", ErrorsOf(new LeadDetails { Email = email }).Keys);

    [Fact]
    public void Validate_NamesEachOversizeField()
    {
        var errors = ErrorsOf(new LeadDetails { Email = "a@example.com", Company = new string('x', 201), Description = new string('y', LeadDetails.MaxDescription + 1) });

        Assert.Contains("company", errors.Keys);
        Assert.Contains("description", errors.Keys);
    }

    [Fact]
    public void Validate_SaysHowManyCustomFieldsTheLeadHas_WhenThereAreTooMany()
    {
        var errors = ErrorsOf(new LeadDetails { Email = "a@acme-corp.io", CustomFields = Enumerable.Range(0, 130).ToDictionary(i => $"f{i}", _ => "x") });

        Assert.Equal(["at most 100 custom fields (got 130)"], errors["customFields"]);
    }

    [Fact]
    public void Validate_RequiresSomeWayToReachThePerson() =>
        Assert.Contains("email", ErrorsOf(new LeadDetails { Company = "Acme" }).Keys);

    [Fact]
    public void Validate_AcceptsATypicalLead() =>
        Assert.Empty(ErrorsOf(new LeadDetails
        {
            FirstName = "Ada",
            LastName = "Lovelace",
            Email = "ada@example.co.uk",
            Phone = "+44 20 7946 0958",
            Website = "https://example.co.uk/about",
            EmployeeCount = 120,
            CustomFields = new() { ["budget"] = "50k" },
        }));

    [Fact]
    public void Validate_RejectsNegativeEmployeeCountsAndBadWebsites()
    {
        var errors = ErrorsOf(new LeadDetails { Email = "a@example.com", EmployeeCount = -1, Website = "javascript:alert(1)" });

        Assert.Contains("employeeCount", errors.Keys);
        Assert.Contains("website", errors.Keys);
    }
}
