using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Sla;

/// <summary>What a service level asks for.</summary>
public enum SlaTarget
{
    /// <summary>A sales touch (sales touch, call or meeting activity) after the clock starts.</summary>
    FirstTouch,

    /// <summary>The lead leaves the policy's stage (MQL: accepted to SAL, or rejected).</summary>
    AcceptOrReject,

    /// <summary>The lead leaves the policy's stage (SAL: qualified to SQL, or disqualified).</summary>
    Qualify,

    /// <summary>The lead leaves the policy's stage, whatever the next stage.</summary>
    StageExit,
}

/// <summary>The event that starts a clock.</summary>
public enum SlaStart
{
    /// <summary>The lead enters the policy's stage (capture counts as entering New).</summary>
    StageEntered,

    /// <summary>The lead is owned by a user while in the policy's stage (assigned, or entered the stage already assigned).</summary>
    Assignment,

    /// <summary>An activity of <see cref="SlaPolicy.StartActivity"/> arrives (e.g. a demo request).</summary>
    Activity,
}

/// <summary>What one step of the escalation ladder does.</summary>
public enum EscalationAction
{
    NotifyOwner,
    NotifyManager,
    Reassign,
}

/// <summary>Where a reassignment step sends the lead.</summary>
public enum ReassignTarget
{
    /// <summary>A queue: <see cref="EscalationStep.QueueId"/>, or the fallback queue.</summary>
    Queue,

    /// <summary>The next active member of the owner's team (by name), or the fallback queue when there is none.</summary>
    NextMember,
}

/// <summary>One rung of the ladder: what to do, how long after the breach.</summary>
public sealed record EscalationStep
{
    public EscalationAction Action { get; init; }

    /// <summary>Calendar minutes after the deadline; 0 is at the breach.</summary>
    public int AfterMinutes { get; init; }

    /// <summary>For <see cref="EscalationAction.Reassign"/>: queue (default) or next team member.</summary>
    public ReassignTarget? To { get; init; }

    /// <summary>For a reassignment to a queue; null is the fallback queue.</summary>
    public Guid? QueueId { get; init; }
}

/// <summary>
/// One version of a service level: which leads it covers (stage and conditions on source, priority or any lead field),
/// what must happen by when (in business or calendar time), when the lead counts as at risk, and the escalation
/// ladder on breach. A change writes a new version; running clocks keep the version they started with.
/// </summary>
public sealed class SlaPolicy
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private SlaPolicy()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>Stable name across versions, e.g. <c>mql-first-touch</c>.</summary>
    public string Key { get; private set; } = "";
    public int Version { get; private set; }

    /// <summary>The newest version of its key; only current, active versions start clocks.</summary>
    public bool IsCurrent { get; private set; }
    public bool Active { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>Lower first: of the policies with the same target that match a lead, the first one starts its clock.</summary>
    public int Order { get; private set; }

    /// <summary>The stage the lead must be in; null for any open stage (first-touch policies only).</summary>
    public LeadStage? Stage { get; private set; }

    /// <summary>JSON array of <see cref="LeadCondition"/>, all of which must hold.</summary>
    public string Conditions { get; private set; } = "[]";
    public SlaTarget Target { get; private set; }
    public SlaStart StartOn { get; private set; }
    public ActivityType? StartActivity { get; private set; }
    public int DurationMinutes { get; private set; }

    /// <summary>Counts only the working time of <see cref="CalendarId"/>; otherwise calendar time.</summary>
    public bool BusinessTime { get; private set; }
    public Guid? CalendarId { get; private set; }

    /// <summary>Share of the duration after which the lead is at risk (1–99).</summary>
    public int AtRiskPercent { get; private set; }

    /// <summary>JSON array of <see cref="EscalationStep"/>, in ladder order.</summary>
    public string Escalation { get; private set; } = "[]";
    public DateTime CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    public IReadOnlyList<LeadCondition> ConditionList => JsonSerializer.Deserialize<List<LeadCondition>>(Conditions, Json) ?? [];

    public IReadOnlyList<EscalationStep> Ladder => JsonSerializer.Deserialize<List<EscalationStep>>(Escalation, Json) ?? [];

    internal static SlaPolicy Write(string key, int version, SlaPolicyRequest r, Actor actor, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Key = key,
        Version = version,
        IsCurrent = true,
        Active = r.Active ?? true,
        Name = r.Name!.Trim(),
        Order = r.Order ?? 100,
        Stage = r.Stage,
        Conditions = JsonSerializer.Serialize(r.Conditions ?? [], Json),
        Target = r.Target!.Value,
        StartOn = r.StartOn ?? (r.Target == SlaTarget.FirstTouch ? SlaStart.Assignment : SlaStart.StageEntered),
        StartActivity = r.StartActivity,
        DurationMinutes = r.DurationMinutes!.Value,
        BusinessTime = r.BusinessTime ?? false,
        CalendarId = r.BusinessTime == true ? r.CalendarId : null,
        AtRiskPercent = r.AtRiskPercent ?? 75,
        Escalation = JsonSerializer.Serialize(r.Escalation ?? [], Json),
        CreatedAt = at,
        CreatedBy = actor.Name,
    };

    /// <summary>A newer version replaced this one.</summary>
    internal void Supersede() => IsCurrent = false;

    public SlaPolicyView ToView() => new(
        Id, Key, Version, IsCurrent, Active, Name, Order, Stage, ConditionList, Target, StartOn, StartActivity,
        DurationMinutes, BusinessTime, CalendarId, AtRiskPercent, Ladder, CreatedAt, CreatedBy);
}

/// <summary>
/// A policy as written (create, or a new version of a key), e.g.
/// <c>{"key":"mql-first-touch","name":"MQL: first touch in 1 business hour","stage":"MQL","target":"firstTouch",
/// "durationMinutes":60,"businessTime":true,"calendarId":"…","escalation":[{"action":"notifyOwner"}]}</c>.
/// </summary>
public sealed record SlaPolicyRequest
{
    public string? Key { get; init; }
    public string? Name { get; init; }
    public bool? Active { get; init; }
    public int? Order { get; init; }
    public LeadStage? Stage { get; init; }
    public List<LeadCondition>? Conditions { get; init; }
    public SlaTarget? Target { get; init; }
    public SlaStart? StartOn { get; init; }
    public ActivityType? StartActivity { get; init; }
    public int? DurationMinutes { get; init; }
    public bool? BusinessTime { get; init; }
    public Guid? CalendarId { get; init; }
    public int? AtRiskPercent { get; init; }
    public List<EscalationStep>? Escalation { get; init; }
}

/// <summary>A policy version as read.</summary>
public sealed record SlaPolicyView(
    Guid Id,
    string Key,
    int Version,
    bool IsCurrent,
    bool Active,
    string Name,
    int Order,
    LeadStage? Stage,
    IReadOnlyList<LeadCondition> Conditions,
    SlaTarget Target,
    SlaStart StartOn,
    ActivityType? StartActivity,
    int DurationMinutes,
    bool BusinessTime,
    Guid? CalendarId,
    int AtRiskPercent,
    IReadOnlyList<EscalationStep> Escalation,
    DateTime CreatedAt,
    string CreatedBy);
