using System.Text.Json;
using Handoff.Common;
using Handoff.Leads;
using Handoff.Qualification;

namespace Handoff.Core.Tests.Qualification;

public class ScorecardTests
{
    private static readonly DateTime Now = new(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc);

    private static JsonElement Value(object value) => JsonSerializer.SerializeToElement(value);

    [Theory]
    [InlineData("2027-03-01", true, "2027-03-01 is within 183 days")]
    [InlineData("2027-09-01", false, "2027-09-01 is more than 183 days away")]
    [InlineData("2026-11-01", false, "2026-11-01 is in the past")]
    public void Timeline_WithinSixMonths(string date, bool passes, string reason)
    {
        var timeline = Frameworks.Bant.Criteria.Single(c => c.Key == "timeline");

        var (passed, why) = timeline.Judge(Value(date), Now);

        Assert.Equal(passes, passed);
        Assert.Equal(reason, why);
    }

    [Theory]
    [InlineData("Director", true)]
    [InlineData("CLevel", true)]
    [InlineData("Manager", false)]
    public void Authority_IsDirectorOrAbove(string seniority, bool passes)
    {
        var authority = Frameworks.Bant.Criteria.Single(c => c.Key == "authority");

        Assert.Equal(passes, authority.Judge(Value(seniority), Now).Passed);
    }

    [Fact]
    public void Number_ChecksItsBounds_AndUnansweredFails()
    {
        var employees = new Criterion { Key = "employees", Label = "50+ employees", Type = AnswerType.Number, Min = 50 };

        Assert.Equal((true, "120 is within ≥ 50"), employees.Judge(Value(120), Now));
        Assert.Equal((false, "12 is below 50"), employees.Judge(Value(12), Now));
        Assert.Equal((false, "not answered"), employees.Judge(null, Now));
    }

    [Fact]
    public void CheckAnswer_RefusesTheWrongKindOfValue()
    {
        var budget = Frameworks.Bant.Criteria.Single(c => c.Key == "budget");
        var authority = Frameworks.Bant.Criteria.Single(c => c.Key == "authority");

        Assert.NotNull(budget.CheckAnswer(Value("yes")));
        Assert.Null(budget.CheckAnswer(Value(true)));
        Assert.Contains("is not an option", authority.CheckAnswer(Value("Wizard")), StringComparison.Ordinal);
    }

    [Fact]
    public void CustomScorecard_Validation_NamesEachProblem()
    {
        var card = new Scorecard
        {
            Name = "",
            PassThreshold = 120,
            Criteria =
            [
                new Criterion { Key = "fit", Label = "Fit", Type = AnswerType.Choice, Weight = 1 },
                new Criterion { Key = "fit", Label = "Again", Type = AnswerType.YesNo, Weight = 1, Prefill = "shoeSize" },
            ],
        };
        var errors = new FieldErrors();

        card.Validate(errors, "s");

        var fields = errors.ToError().Fields.Keys;
        Assert.Contains("s.name", fields);
        Assert.Contains("s.passThreshold", fields);
        Assert.Contains("s.criteria[0].options", fields);
        Assert.Contains("s.criteria[1].key", fields);
        Assert.Contains("s.criteria[1].prefill", fields);
    }

    [Fact]
    public void Document_CompilesTheIssueExample_AndPicksTheSourceVariation()
    {
        var json = """
            {
              "mql": {"conditions": [{"field":"employeeCount","op":"gte","value":50},{"field":"seniority","op":"in","value":["Director","VP","CLevel"]}],
                      "activities": [{"types":["SalesTouch","Call","Meeting"],"atLeast":1}]},
              "sql": {"framework": "BANT", "requiredFields": ["company"]},
              "sources": [{"name":"Demo requests","when":[{"field":"source","op":"eq","value":"Demo Request"}],"mql":{"minEngagementScore":0}}]
            }
            """;
        var document = JsonSerializer.Deserialize<DefinitionDocument>(json, QualificationJson.Options)!;
        var errors = new FieldErrors();

        var compiled = document.Compile(7, errors);

        Assert.False(errors.Any);
        Assert.NotNull(compiled);
        Assert.Equal(2, compiled.Mql.Rules.Count);
        Assert.Equal("BANT", compiled.Sql.Scorecard.Name);
        Assert.Equal(90, compiled.Document.Recycle.WakeAfterDays);
        var (demo, _) = Lead.Capture(new LeadDetails { Email = "ines.duarte@harbor-logistics.pt", LastName = "Duarte", Source = "Demo Request" }, new Owner(OwnerKind.Queue, Guid.NewGuid()), Actor.System("test"), Now);
        var (web, _) = Lead.Capture(new LeadDetails { Email = "ines.duarte@harbor-logistics.pt", LastName = "Duarte", Source = "Website" }, new Owner(OwnerKind.Queue, Guid.NewGuid()), Actor.System("test"), Now);
        Assert.Equal("Demo requests", compiled.VariationFor(new LeadFacts(demo))?.Name);
        Assert.Null(compiled.VariationFor(new LeadFacts(web)));
    }
}
