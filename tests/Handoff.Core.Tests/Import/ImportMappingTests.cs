using Handoff.Common;
using Handoff.Import;

namespace Handoff.Core.Tests.Import;

public sealed class ImportMappingTests
{
    private static ImportMapping Resolve(string[] headers, Dictionary<string, string>? explicitMapping = null, bool keepUnmapped = true)
    {
        var result = ImportMapping.Resolve(headers, explicitMapping, keepUnmapped);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value!;
    }

    private static Dictionary<string, string> Targets(ImportMapping mapping) =>
        mapping.Columns.ToDictionary(c => c.Column, c => c.Target);

    [Fact]
    public void SalesforceLabelsAndApiNames_AreRecognized()
    {
        var labels = Targets(Resolve([
            "First Name", "Last Name", "Email", "Company", "Title", "Phone", "Mobile Phone", "Website", "Industry",
            "No. of Employees", "Country", "State/Province", "City", "Lead Source", "Description", "Email Opt Out", "Lead Status",
        ]));
        var api = Targets(Resolve(["FirstName", "LastName", "NumberOfEmployees", "LeadSource", "HasOptedOutOfEmail", "MobilePhone"]));

        Assert.Equal("firstName", labels["First Name"]);
        Assert.Equal("mobile", labels["Mobile Phone"]);
        Assert.Equal("employeeCount", labels["No. of Employees"]);
        Assert.Equal("state", labels["State/Province"]);
        Assert.Equal("source", labels["Lead Source"]);
        Assert.Equal("emailOptOut", labels["Email Opt Out"]);
        Assert.Equal("custom:Lead Status", labels["Lead Status"]);
        Assert.Equal(["firstName", "lastName", "employeeCount", "source", "emailOptOut", "mobile"], api.Values);
    }

    [Fact]
    public void HubSpotAndHandoffNames_AreRecognized()
    {
        var hubspot = Targets(Resolve([
            "Company Name", "Job Title", "Phone Number", "Website URL", "Number of Employees", "Country/Region",
            "State/Region", "Original Source", "Unsubscribed from all email", "Record ID",
        ]));
        var handoff = Targets(Resolve(["firstName", "utmCampaign", "emailConsent", "employeeCount"]));

        Assert.Equal(
            ["company", "title", "phone", "website", "employeeCount", "country", "state", "source", "emailOptOut", "custom:Record ID"],
            hubspot.Values);
        Assert.Equal(["firstName", "utmCampaign", "emailConsent", "employeeCount"], handoff.Values);
    }

    [Fact]
    public void ExplicitMapping_OverridesRecognition_AndUnmappedColumnsCanBeIgnored()
    {
        var mapping = Targets(Resolve(
            ["E-mail address", "Notes", "Id", "Title", "Score"],
            new Dictionary<string, string> { ["e-mail address"] = "email", ["Notes"] = "custom:notes", ["Title"] = "ignore" },
            keepUnmapped: false));

        Assert.Equal(["email", "custom:notes", "ignore", "ignore", "ignore"], mapping.Values);
    }

    [Fact]
    public void ExplicitMapping_NamesMissingColumnsAndUnknownTargets()
    {
        var result = ImportMapping.Resolve(["Email"], new Dictionary<string, string> { ["Mail"] = "email", ["Email"] = "electronicMail" }, keepUnmapped: true);

        var fields = Assert.IsType<ValidationError>(result.Error).Fields;
        Assert.Contains("no column 'Mail'", fields["mapping.Mail"][0], StringComparison.Ordinal);
        Assert.Contains("'electronicMail' is not a target", fields["mapping.Email"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void MoreUnmappedColumnsThanCustomFields_IsRefusedUpFront()
    {
        var headers = Enumerable.Range(0, 101).Select(i => $"Extra {i}").Prepend("Email").ToArray();

        var result = ImportMapping.Resolve(headers, null, keepUnmapped: true);

        Assert.Contains("at most 100", Assert.IsType<ValidationError>(result.Error).Fields["mapping"][0], StringComparison.Ordinal);
        Assert.True(ImportMapping.Resolve(headers, null, keepUnmapped: false).IsSuccess);
    }

    [Fact]
    public void ParseExplicit_RefusesWhatIsNotAnObjectOfStrings()
    {
        Assert.Null(ImportMapping.ParseExplicit(null).Value);
        Assert.Equal("email", ImportMapping.ParseExplicit("""{"Mail":"email"}""").Value!["Mail"]);
        Assert.IsType<ValidationError>(ImportMapping.ParseExplicit("""["email"]""").Error);
        Assert.IsType<ValidationError>(ImportMapping.ParseExplicit("""{"Mail":1}""").Error);
    }

    [Fact]
    public void Map_FillsTheLead_InvertingOptOut_ParsingRanges_AndFallingBackToMobile()
    {
        var mapping = Resolve(["First Name", "Email", "Mobile Phone", "Number of Employees", "Email Opt Out", "Rating"]);

        var (details, problems) = mapping.Map(["  Ada ", "ADA@Example.com", "+44 20 7946 0000", "51-200", "1", "Hot"]);

        Assert.Null(problems);
        Assert.Equal("Ada", details!.FirstName);
        Assert.Equal("ada@example.com", details.Email);
        Assert.Equal("+44 20 7946 0000", details.Phone);
        Assert.Equal(51, details.EmployeeCount);
        Assert.False(details.EmailConsent);
        Assert.Equal("Import", details.Source);
        Assert.Equal("Hot", details.CustomFields!["Rating"]);
    }

    [Theory]
    [InlineData("0", "", null)] // "not opted out", every CRM's default, is no opt-in
    [InlineData("1", "", false)]
    [InlineData("0", "yes", true)]
    [InlineData("1", "yes", false)] // an opt-out wins
    [InlineData("", "no", false)]
    public void Map_TakesConsentOnlyFromWhatTheFileSays(string optOut, string optIn, bool? consent)
    {
        var mapping = Resolve(["Email", "Email Opt Out", "Email Opt In"]);

        var (details, problems) = mapping.Map(["ada@example.com", optOut, optIn]);

        Assert.Null(problems);
        Assert.Equal(consent, details!.EmailConsent);
    }

    [Fact]
    public void Map_NamesTheColumnOfEveryProblem()
    {
        var mapping = Resolve(["Email", "No. of Employees", "Title", "Email Opt Out"]);

        var (details, problems) = mapping.Map(["not-an-email", "lots", new string('x', 201), "maybe"]);
        var (_, invalid) = mapping.Map(["not-an-email", "", new string('x', 201), ""]);
        var (_, nobody) = mapping.Map(["", "", "CTO", ""]);

        Assert.Null(details);
        Assert.Equal(["Email", "Email Opt Out", "No. of Employees", "Title"], problems!.Select(p => p.Column).Order());
        Assert.Equal("lots", problems!.Single(p => p.Column == "No. of Employees").Value);
        Assert.Equal(["Email", "Title"], invalid!.Select(p => p.Column).Order());
        var identity = Assert.Single(nobody!);
        Assert.Equal("Email", identity.Column);
        Assert.Equal("a lead needs an email, a phone or a name", identity.Reason);
    }

    [Fact]
    public void Map_ReportsEveryProblemOfARow_OneForEachColumnAtFault()
    {
        var mapping = Resolve(["First Name", "Email", "Number of Employees", "City"]);

        var (details, problems) = mapping.Map([new string('a', 101), "ada(at)example.com", "a few", "Paris"]);

        Assert.Null(details);
        Assert.Equal(["Email", "First Name", "Number of Employees"], problems!.Select(p => p.Column).Order());
        Assert.Contains("at most 100", problems!.Single(p => p.Column == "First Name").Reason, StringComparison.Ordinal);
        Assert.Equal("ada(at)example.com", problems!.Single(p => p.Column == "Email").Value);
        Assert.Equal("a few", problems!.Single(p => p.Column == "Number of Employees").Value);
    }

    [Fact]
    public void ExplicitMapping_NamesAHeaderWithALineBreak_EitherWay()
    {
        var headers = new[] { "Given Name", "Email" }; // the file's "Given⏎Name", as ImportFile reads it

        var spaced = Targets(Resolve(headers, new Dictionary<string, string> { ["Given Name"] = "lastName" }));
        var broken = Targets(Resolve(headers, new Dictionary<string, string> { ["Given\r\nName"] = "lastName" }));

        Assert.Equal("lastName", spaced["Given Name"]);
        Assert.Equal("lastName", broken["Given Name"]);
    }
}
