using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Handoff.Common;
using Handoff.Leads;
using Handoff.Qualification;

namespace Handoff.Bench.Micro;

/// <summary>
/// The in-memory part of the MQL check that runs on every capture (the field rules of the active definition, compiled
/// once), and the scorecard judgement of an evaluation. Run:
/// <c>dotnet run -c Release --project bench/Handoff.Bench -- micro --filter '*Qualification*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class QualificationBenchmarks
{
    private const string Document = """
        {
          "mql": {"minFitScore": 0,
                  "conditions": [{"field":"employeeCount","op":"gte","value":50},{"field":"seniority","op":"in","value":["Director","VP","CLevel"]},
                                 {"field":"country","op":"in","value":["United Kingdom","Ireland","Germany","France"]},{"field":"isFreeMail","op":"eq","value":false}],
                  "activities": [{"types":["SalesTouch","Call","Meeting","EmailReply"],"atLeast":1}]},
          "sql": {"framework": "BANT", "requiredFields": ["company","phone"]},
          "sources": [{"name":"Referral","when":[{"field":"source","op":"eq","value":"Referral"}],"fastTrack":true}]
        }
        """;

    private static readonly DateTime Now = new(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc);
    private readonly JsonElement[] _answers =
    [
        JsonSerializer.SerializeToElement(true),
        JsonSerializer.SerializeToElement("VP"),
        JsonSerializer.SerializeToElement(true),
        JsonSerializer.SerializeToElement("2027-03-31"),
    ];

    private readonly string _document = Document;
    private CompiledDefinition _definition = null!;
    private LeadFacts _facts;

    [GlobalSetup]
    public void Setup()
    {
        _definition = Compile();
        var details = new LeadDetails
        {
            FirstName = "Helena",
            LastName = "Marsh",
            Email = "helena.marsh@harbor-logistics.co.uk",
            Company = "Harbor Logistics",
            Title = "VP of Operations",
            EmployeeCount = 250,
            Country = "United Kingdom",
            Source = "Website",
        };
        _facts = new LeadFacts(Lead.Capture(details, new Owner(OwnerKind.Queue, Guid.CreateVersion7()), Actor.System("bench"), Now).Lead);
    }

    /// <summary>Parsing and compiling a definition: paid once per version per node, when the cache loads it.</summary>
    [Benchmark]
    public CompiledDefinition Definition_Compile() => Compile();

    /// <summary>What every capture pays in memory: the source variation and the MQL field rules.</summary>
    [Benchmark]
    public bool MqlFieldRules_OneLead()
    {
        var bar = _definition.VariationFor(_facts)?.Mql ?? _definition.Mql;
        var passed = true;
        foreach (var rule in bar.Rules)
        {
            passed &= rule.Check(_facts).Passed;
        }

        return passed;
    }

    [Benchmark]
    public int Bant_JudgeAllCriteria()
    {
        var passed = 0;
        var criteria = _definition.Sql.Scorecard.Criteria;
        for (var i = 0; i < criteria.Count; i++)
        {
            passed += criteria[i].Judge(_answers[i], Now).Passed ? 1 : 0;
        }

        return passed;
    }

    private CompiledDefinition Compile() =>
        JsonSerializer.Deserialize<DefinitionDocument>(_document, QualificationJson.Options)!.Compile(1, new FieldErrors())!;
}
