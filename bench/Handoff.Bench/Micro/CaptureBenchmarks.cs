using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Bench.Micro;

/// <summary>
/// The in-process steps of one capture, without HTTP or the database: what is left of a request's time
/// when those two are taken away. Run: <c>dotnet run -c Release --project bench/Handoff.Bench -- micro --filter '*'</c>.
/// </summary>
[MemoryDiagnoser]
public class CaptureBenchmarks
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly LeadDetails _typical = new()
    {
        FirstName = " Ada ",
        LastName = "Lovelace",
        Email = "Ada.Lovelace@Analytical-Engines.example",
        Phone = "+44 20 7946 0958",
        Company = "Analytical Engines",
        Title = "CTO",
        Website = "https://www.analytical-engines.example",
        Industry = "Manufacturing",
        EmployeeCount = 120,
        Country = "United Kingdom",
        City = "London",
        Source = "Website",
        Channel = "Paid Search",
        UtmSource = "google",
        UtmMedium = "cpc",
        UtmCampaign = "spring-launch",
        EmailConsent = true,
    };

    private readonly Owner _queue = new(OwnerKind.Queue, Guid.CreateVersion7());
    private readonly Actor _apiKey = new(ActorKind.Integration, "apikey:" + Guid.CreateVersion7(), "API key bench");
    private readonly LeadStage[] _stages = Enum.GetValues<LeadStage>();
    private readonly DateTime _at = new(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc);
    private LeadDetails _normalized = null!;
    private Lead _lead = null!;

    [GlobalSetup]
    public void Setup()
    {
        _normalized = _typical.Normalize();
        _lead = Lead.Capture(_normalized, _queue, _apiKey, _at).Lead;
    }

    /// <summary>Every (from, to) pair of the stage machine: 100 checks per operation.</summary>
    [Benchmark(OperationsPerInvoke = 100)]
    public int StageRules_CanMove_AllPairs()
    {
        var allowed = 0;
        foreach (var from in _stages)
        {
            foreach (var to in _stages)
            {
                if (StageRules.CanMove(from, to))
                {
                    allowed++;
                }
            }
        }

        return allowed;
    }

    [Benchmark]
    public bool LeadDetails_NormalizeAndValidate()
    {
        var errors = new FieldErrors();
        _typical.Normalize().Validate(errors);
        return errors.Any;
    }

    [Benchmark]
    public Lead Lead_Capture() => Lead.Capture(_normalized, _queue, _apiKey, _at).Lead;

    /// <summary>Capture serializes the lead twice per request when a webhook subscription wants lead.created: the outbox payload and the 201 answer.</summary>
    [Benchmark]
    public byte[] LeadView_ToJson() => JsonSerializer.SerializeToUtf8Bytes(LeadView.From(_lead), Json);
}
