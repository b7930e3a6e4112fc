using System.Text.Json;
using Handoff.Common;
using Handoff.Enrichment;
using Handoff.Leads;

namespace Handoff.Core.Tests.Leads;

public class LeadConditionTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private static readonly LeadEnricher Enricher = new(Handoff.Hygiene.HygieneLists.Shipped);

    private static LeadFacts Facts(LeadDetails details) =>
        new(Lead.Capture(details, new Owner(OwnerKind.Queue, Guid.NewGuid()), Actor.System("test"), DateTime.UtcNow, Enricher.Of(details)).Lead);

    private static readonly LeadFacts Director = Facts(new LeadDetails
    {
        Email = "grace@hopperlabs.io",
        LastName = "Hopper",
        Title = "Director of Engineering",
        EmployeeCount = 250,
        Country = "United States",
        CustomFields = new() { ["timeline"] = "3 months" },
    });

    private static Func<LeadFacts, bool> Compile(string json)
    {
        var errors = new FieldErrors();
        var test = JsonSerializer.Deserialize<LeadCondition>(json, Json)!.Compile(errors, "condition");
        Assert.False(errors.Any, string.Join("; ", errors.ToError().Fields.Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
        return test!;
    }

    [Theory]
    [InlineData("""{"field":"employeeCount","op":"gte","value":50}""", true)]
    [InlineData("""{"field":"employeeCount","op":"lt","value":50}""", false)]
    [InlineData("""{"field":"seniority","op":"in","value":["Director","VP","CLevel"]}""", true)]
    [InlineData("""{"field":"countryCode","op":"eq","value":"us"}""", true)]
    [InlineData("""{"field":"title","op":"contains","value":"engineering"}""", true)]
    [InlineData("""{"field":"isFreeMail","op":"eq","value":false}""", true)]
    [InlineData("""{"field":"custom.timeline","op":"exists"}""", true)]
    [InlineData("""{"field":"custom.budget","op":"exists"}""", false)]
    [InlineData("""{"field":"phone","op":"missing"}""", true)]
    [InlineData("""{"field":"title","op":"matches","value":"^dir"}""", true)]
    [InlineData("""{"field":"account.industry","op":"eq","value":"Software"}""", false)]
    public void Condition_TestsTheLeadField(string json, bool expected) => Assert.Equal(expected, Compile(json)(Director));

    [Theory]
    [InlineData("""{"field":"isFreeMail","op":"eq","value":false}""", false)]
    [InlineData("""{"field":"isFreeMail","op":"eq","value":true}""", false)]
    [InlineData("""{"field":"isFreeMail","op":"missing"}""", true)]
    public void IsFreeMail_OfALeadWithoutAnEmail_IsNeitherTrueNorFalse(string json, bool expected) =>
        Assert.Equal(expected, Compile(json)(Facts(new LeadDetails { LastName = "Hopper", Phone = "+1 415 555 0100" })));

    [Theory]
    [InlineData("""{"field":"shoeSize","op":"eq","value":"9"}""", "condition.field")]
    [InlineData("""{"field":"employeeCount","op":"gte"}""", "condition.value")]
    [InlineData("""{"field":"employeeCount","op":"gte","value":"many"}""", "condition.value")]
    [InlineData("""{"field":"country","op":"in","value":"US"}""", "condition.value")]
    [InlineData("""{"field":"title","op":"matches","value":"(unclosed"}""", "condition.value")]
    public void Condition_RefusesWhatItCannotTest_NamingTheProblem(string json, string field)
    {
        var errors = new FieldErrors();
        var test = JsonSerializer.Deserialize<LeadCondition>(json, Json)!.Compile(errors, "condition");
        Assert.Null(test);
        Assert.Contains(field, errors.ToError().Fields.Keys);
    }
}
