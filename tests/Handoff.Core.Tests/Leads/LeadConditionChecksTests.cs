using System.Text.Json;
using Handoff.Common;
using Handoff.Enrichment;
using Handoff.Leads;

namespace Handoff.Core.Tests.Leads;

/// <summary>
/// The checks a condition gets when a scoring model, a routing rule set or a qualification definition is saved, and
/// the lenient compile of what is already stored.
/// </summary>
public class LeadConditionChecksTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private static readonly LeadEnricher Enricher = new(Handoff.Hygiene.HygieneLists.Shipped);

    private static readonly LeadFacts VicePresident = Facts(new LeadDetails
    {
        Email = "grace@hopperlabs.io",
        LastName = "Hopper",
        Title = "VP of Engineering",
        EmployeeCount = 250,
        Country = "United States",
    });

    private static LeadFacts Facts(LeadDetails details) =>
        new(Lead.Capture(details, new Owner(OwnerKind.Queue, Guid.NewGuid()), Actor.System("test"), DateTime.UtcNow, Enricher.Of(details)).Lead);

    private static LeadCondition Condition(string json) => JsonSerializer.Deserialize<LeadCondition>(json, Json)!;

    private static List<LeadCondition> Conditions(string json) => JsonSerializer.Deserialize<List<LeadCondition>>(json, Json)!;

    private static IReadOnlyDictionary<string, string[]> Errors(FieldErrors errors) => errors.Any ? errors.ToError().Fields : new Dictionary<string, string[]>();

    [Theory]
    [InlineData("""{"field":"employeeCount","op":"gte","value":"lots"}""", "c.value", "'employeeCount' is a number: give a number (without quotes), not \"lots\"")]
    [InlineData("""{"field":"employeeCount","op":"eq","value":"lots"}""", "c.value", "'employeeCount' is a number")]
    [InlineData("""{"field":"employeeCount","op":"gte","value":"200"}""", "c.value", "without quotes")]
    [InlineData("""{"field":"employeeCount","op":"in","value":[50,"100"]}""", "c.value", "not \"100\"")]
    [InlineData("""{"field":"seniority","op":"eq","value":"Vice President"}""", "c.value", "'Vice President' is not a value of 'seniority', so the condition could never hold; use one of: ")]
    [InlineData("""{"field":"seniority","op":"in","value":["VP","Vice President","Chief"]}""", "c.value", "'Vice President', 'Chief' are not values of 'seniority'")]
    [InlineData("""{"field":"stage","op":"eq","value":"Qualified"}""", "c.value", "'Qualified' is not a value of 'stage'")]
    [InlineData("""{"field":"fitGrade","op":"eq","value":"Q"}""", "c.value", "use one of: A, B, C, D")]
    [InlineData("""{"field":"seniority","op":"gte","value":3}""", "c.op", "'seniority' holds one of")]
    [InlineData("""{"field":"seniority","op":"contains","value":"President"}""", "c.value", "no value of 'seniority' contains 'President'")]
    [InlineData("""{"field":"region","op":"matches","value":"^Mars"}""", "c.value", "no value of 'region' matches '^Mars'")]
    [InlineData("""{"field":"isFreeMail","op":"eq","value":"no"}""", "c.value", "give true or false (without quotes), not \"no\"")]
    [InlineData("""{"field":"isFreeMail","op":"eq","value":"false"}""", "c.value", "give true or false (without quotes)")]
    [InlineData("""{"field":"isFreeMail","op":"gte","value":1}""", "c.op", "'isFreeMail' is true or false: use one of eq, neq, in, notIn, exists, missing")]
    [InlineData("""{"field":"createdAt","op":"eq","value":"2026-01-01"}""", "c.op", "'createdAt' is a date and time")]
    [InlineData("""{"field":"createdAt","op":"gte","value":"last spring"}""", "c.value", "ISO 8601")]
    [InlineData("""{"field":"country","op":"gte","value":5}""", "c.op", "'country' is text, not a number")]
    [InlineData("""{"field":"country","op":"in","value":[]}""", "c.value", "non-empty array")]
    [InlineData("""{"field":"shoeSize","op":"eq","value":"9"}""", "c.field", "is not a lead field")]
    public void Saving_RefusesAConditionThatCouldNeverHoldAsMeant_NamingTheFieldAndItsValues(string json, string path, string message)
    {
        var errors = new FieldErrors();

        var test = Condition(json).Compile(errors, "c", strict: true);

        Assert.Null(test);
        var found = Errors(errors);
        Assert.True(found.ContainsKey(path), string.Join("; ", found.Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
        Assert.Contains(found[path], m => m.Contains(message, StringComparison.Ordinal));
        Assert.Single(found.SelectMany(e => e.Value)); // one clear message, not the same problem twice
    }

    [Fact]
    public void Saving_AnUnknownChoice_ListsTheValuesTheFieldTakes()
    {
        var errors = new FieldErrors();

        Condition("""{"field":"seniority","op":"eq","value":"Vice President"}""").Compile(errors, "c", strict: true);

        var message = Assert.Single(Errors(errors)["c.value"]);
        foreach (var name in Enum.GetNames<Seniority>())
        {
            Assert.Contains(name, message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"field":"seniority","op":"in","value":["vp","clevel"]}""", true)]
    [InlineData("""{"field":"seniority","op":"startsWith","value":"V"}""", true)]
    [InlineData("""{"field":"employeeCount","op":"in","value":[250,500]}""", true)]
    [InlineData("""{"field":"employeeCount","op":"gte","value":200.5}""", true)]
    [InlineData("""{"field":"isFreeMail","op":"eq","value":false}""", true)]
    [InlineData("""{"field":"createdAt","op":"gte","value":"2020-01-01"}""", true)]
    [InlineData("""{"field":"createdAt","op":"startsWith","value":"2020"}""", false)]
    [InlineData("""{"field":"custom.budget","op":"gte","value":10000}""", false)]
    [InlineData("""{"field":"stage","op":"eq","value":"new"}""", true)]
    [InlineData("""{"field":"fitGrade","op":"in","value":["A","B","C","D"]}""", false)]
    [InlineData("""{"field":"title","op":"contains","value":"vp"}""", true)]
    [InlineData("""{"field":"country","op":"exists"}""", true)]
    public void Saving_AcceptsConditionsThatCanHold(string json, bool holds)
    {
        var errors = new FieldErrors();

        var test = Condition(json).Compile(errors, "c", strict: true);

        Assert.False(errors.Any, string.Join("; ", Errors(errors).Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
        Assert.Equal(holds, test!(VicePresident));
    }

    [Theory]
    [InlineData("""[{"field":"employeeCount","op":"gte","value":500},{"field":"employeeCount","op":"lte","value":100}]""", "no value of 'employeeCount' is at least 500 and at most 100")]
    [InlineData("""[{"field":"employeeCount","op":"gt","value":100},{"field":"employeeCount","op":"lt","value":100}]""", "more than 100 and less than 100")]
    [InlineData("""[{"field":"createdAt","op":"gte","value":"2026-06-01"},{"field":"createdAt","op":"lt","value":"2026-01-01"}]""", "no value of 'createdAt'")]
    [InlineData("""[{"field":"phone","op":"exists"},{"field":"phone","op":"missing"}]""", "'phone' cannot both exist and be missing")]
    [InlineData("""[{"field":"country","op":"missing"},{"field":"country","op":"eq","value":"DE"}]""", "'country' is missing, so 'country eq \"DE\"' could never hold")]
    [InlineData("""[{"field":"country","op":"in","value":["US","CA"]},{"field":"country","op":"eq","value":"DE"}]""", "no value of 'country' is one of US, CA and one of DE")]
    [InlineData("""[{"field":"seniority","op":"eq","value":"VP"},{"field":"seniority","op":"notIn","value":["vp","Director"]}]""", "no value of 'seniority' is one of VP and none of vp, Director")]
    [InlineData("""[{"field":"isFreeMail","op":"eq","value":true},{"field":"isFreeMail","op":"eq","value":false}]""", "no value of 'isFreeMail'")]
    public void Saving_RefusesConditionsThatCannotHoldTogether(string json, string message)
    {
        var errors = new FieldErrors();

        LeadConditionChecks.CheckTogether(Conditions(json), "rule.when", errors);

        Assert.Contains(message, Assert.Single(Errors(errors)["rule.when"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"field":"employeeCount","op":"gte","value":100},{"field":"employeeCount","op":"lte","value":500}]""")]
    [InlineData("""[{"field":"employeeCount","op":"gte","value":100},{"field":"employeeCount","op":"lte","value":100}]""")]
    [InlineData("""[{"field":"country","op":"in","value":["US","CA"]},{"field":"country","op":"neq","value":"ca"}]""")]
    [InlineData("""[{"field":"country","op":"missing"},{"field":"country","op":"neq","value":"DE"}]""")]
    [InlineData("""[{"field":"country","op":"eq","value":"DE"},{"field":"Country","op":"eq","value":"de"}]""")]
    [InlineData("""[{"field":"custom.size","op":"in","value":["10","20"]},{"field":"custom.tier","op":"eq","value":"gold"}]""")]
    public void Saving_AcceptsConditionsThatCanHoldTogether(string json)
    {
        var errors = new FieldErrors();

        LeadConditionChecks.CheckTogether(Conditions(json), "rule.when", errors);

        Assert.False(errors.Any, string.Join("; ", Errors(errors).Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
    }

    [Theory]
    [InlineData("""{"field":"seniority","op":"eq","value":"Vice President"}""", false)]
    [InlineData("""{"field":"seniority","op":"neq","value":"Vice President"}""", true)]
    [InlineData("""{"field":"employeeCount","op":"eq","value":"lots"}""", false)]
    [InlineData("""{"field":"employeeCount","op":"gte","value":"200"}""", true)]
    [InlineData("""{"field":"isFreeMail","op":"eq","value":"false"}""", true)]
    [InlineData("""{"field":"createdAt","op":"eq","value":"2026-01-01"}""", false)]
    public void Loading_AStoredConditionThatSavingWouldRefuse_StillCompiles_AndTestsAsItAlwaysDid(string json, bool holds)
    {
        var errors = new FieldErrors();

        var test = Condition(json).Compile(errors, "c");

        Assert.False(errors.Any);
        Assert.Equal(holds, test!(VicePresident));
    }
}
