using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Common;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Routing;

/// <summary>Whose leads a rule set hands out: SDR routing of new and marketing-qualified leads, or AE routing of SQLs.</summary>
public enum RoutingPurpose
{
    Lead,
    AccountExecutive,
}

/// <summary>The moment a lead is routed automatically.</summary>
public enum RouteAt
{
    Capture,
    MQL,
    SQL,
}

/// <summary>What a rule hands the lead to.</summary>
public enum TargetKind
{
    User,
    Queue,
    Team,
}

/// <summary>How a team picks the member who gets the lead. Every strategy skips members who are out of office, outside working hours or at capacity.</summary>
public enum RoutingStrategy
{
    /// <summary>Each available member in turn, weights ignored.</summary>
    RoundRobin,

    /// <summary>In turn, in proportion to the members' weights.</summary>
    Weighted,

    /// <summary>The member with the least open work for their weight.</summary>
    LoadBalanced,

    /// <summary>Round robin among the members whose territories (country, state, region) cover the lead.</summary>
    Territory,

    /// <summary>Round robin among the members whose segments (company size) cover the lead.</summary>
    Segment,
}

/// <summary>
/// Where a matching rule sends the lead: <c>{"kind":"Team","id":"…","strategy":"RoundRobin"}</c>. The kind and the id
/// must be sent: a target without its kind was read as a user.
/// </summary>
public sealed record RoutingTarget([property: JsonRequired] TargetKind Kind, [property: JsonRequired] Guid Id, RoutingStrategy? Strategy = null);

/// <summary>One rule: when every condition holds (an empty list always holds), the lead goes to the target.</summary>
public sealed record RoutingRule(string? Name, IReadOnlyList<LeadCondition>? Conditions, RoutingTarget? Target);

/// <summary>
/// One saved version of the routing rules of a purpose. Saving never changes a version: it adds the next one, and
/// the highest version is the active one, so every assignment can name the exact rules that made it.
/// </summary>
public sealed class RoutingRuleSet
{
    private RoutingRuleSet()
    {
    }

    public Guid Id { get; private set; }
    public RoutingPurpose Purpose { get; private set; }
    public int Version { get; private set; }
    public RouteAt RouteAt { get; private set; }

    /// <summary>A lead whose account has an owner goes to that owner, before any rule.</summary>
    public bool UseAccountOwner { get; private set; }

    /// <summary>The ordered rules, as JSON.</summary>
    public string Rules { get; private set; } = "[]";
    public string? Note { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static RoutingRuleSet Create(RoutingPurpose purpose, int version, RouteAt routeAt, bool useAccountOwner, IReadOnlyList<RoutingRule> rules, string? note, string by, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Purpose = purpose,
        Version = version,
        RouteAt = routeAt,
        UseAccountOwner = useAccountOwner,
        Rules = JsonSerializer.Serialize(rules, Json),
        Note = note,
        CreatedAt = at,
        CreatedBy = by,
    };

    public IReadOnlyList<RoutingRule> ParsedRules() => JsonSerializer.Deserialize<List<RoutingRule>>(Rules, Json) ?? [];
}

internal sealed class RoutingRuleSetConfiguration : IEntityTypeConfiguration<RoutingRuleSet>
{
    public void Configure(EntityTypeBuilder<RoutingRuleSet> b)
    {
        b.HasKey(r => r.Id);
        b.Property(r => r.Purpose).HasConversion<string>().HasMaxLength(30);
        b.Property(r => r.RouteAt).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Note).HasMaxLength(1000);
        b.Property(r => r.CreatedBy).HasMaxLength(200);
        b.HasIndex(r => new { r.Purpose, r.Version }).IsUnique();
    }
}
