using Handoff.Common;
using Handoff.Leads;

namespace Handoff.Sla;

/// <summary>Whether a clock still runs.</summary>
public enum ClockState
{
    Running,

    /// <summary>The target happened (on time or late).</summary>
    Stopped,

    /// <summary>The clock no longer applies (lead closed, or reassigned before anyone touched it).</summary>
    Cancelled,
}

/// <summary>How a clock stands, as a person reads it.</summary>
public enum ClockStatus
{
    OnTrack,
    AtRisk,
    Breached,
    Met,
    Cancelled,
}

/// <summary>
/// One running or finished service-level clock of one lead: started by an event, stopped by another, with its
/// deadline and at-risk time fixed at the start (from the policy version and calendar of that moment). A row, so it
/// survives restarts; the sweep picks it up at <see cref="NextCheckAt"/>.
/// </summary>
public sealed class SlaClock
{
    private SlaClock()
    {
    }

    public Guid Id { get; private set; }
    public Guid LeadId { get; private set; }
    public Guid PolicyId { get; private set; }
    public string PolicyKey { get; private set; } = "";
    public int PolicyVersion { get; private set; }
    public SlaTarget Target { get; private set; }
    public SlaStart StartOn { get; private set; }

    /// <summary>The stage the lead was in when the clock started.</summary>
    public LeadStage Stage { get; private set; }

    /// <summary>The user who owned the lead at the start, if any.</summary>
    public Guid? OwnerUserId { get; private set; }
    public DateTime StartedAt { get; private set; }
    public DateTime AtRiskAt { get; private set; }
    public DateTime DueAt { get; private set; }
    public ClockState State { get; private set; }
    public DateTime? StoppedAt { get; private set; }
    public string? StopReason { get; private set; }

    /// <summary>The owner heard that the lead is at risk.</summary>
    public bool AtRiskNotified { get; private set; }

    /// <summary>When the sweep saw the breach; null while the clock has not been seen breached.</summary>
    public DateTime? BreachedAt { get; private set; }

    /// <summary>How many rungs of the ladder have run; each runs once.</summary>
    public int EscalationsDone { get; private set; }

    /// <summary>When the sweep must look at this clock next; null when nothing is left to do.</summary>
    public DateTime? NextCheckAt { get; private set; }

    /// <summary>Optimistic token: of several nodes sweeping the same clock, one saves, the others fail and move on.</summary>
    public int Version { get; private set; }

    /// <summary>A running clock of <paramref name="policy"/> for <paramref name="lead"/> (the <see cref="SlaClocks"/> step, and bulk loads).</summary>
    public static SlaClock Start(SlaPolicy policy, Lead lead, DateTime at, DateTime atRiskAt, DateTime dueAt) => new()
    {
        Id = Ids.NewId(),
        LeadId = lead.Id,
        PolicyId = policy.Id,
        PolicyKey = policy.Key,
        PolicyVersion = policy.Version,
        Target = policy.Target,
        StartOn = policy.StartOn,
        Stage = lead.Stage,
        OwnerUserId = lead.OwnerKind == OwnerKind.User ? lead.OwnerId : null,
        StartedAt = at,
        AtRiskAt = atRiskAt,
        DueAt = dueAt,
        State = ClockState.Running,
        NextCheckAt = atRiskAt,
        Version = 1,
    };

    /// <summary>The status at <paramref name="now"/>: worked out from the times, so it is right even between sweeps.</summary>
    public ClockStatus StatusAt(DateTime now) => State switch
    {
        ClockState.Cancelled => ClockStatus.Cancelled,
        ClockState.Stopped => StoppedAt <= DueAt ? ClockStatus.Met : ClockStatus.Breached,
        _ when now >= DueAt => ClockStatus.Breached,
        _ when now >= AtRiskAt => ClockStatus.AtRisk,
        _ => ClockStatus.OnTrack,
    };

    internal void Stop(DateTime at, string reason)
    {
        State = ClockState.Stopped;
        StoppedAt = at;
        StopReason = reason;
        NextCheckAt = null;
        Version++;
    }

    internal void Cancel(DateTime at, string reason)
    {
        State = ClockState.Cancelled;
        StoppedAt = at;
        StopReason = reason;
        NextCheckAt = null;
        Version++;
    }

    internal void MarkAtRiskNotified(DateTime at)
    {
        AtRiskNotified = true;
        NextCheckAt = DueAt > at ? DueAt : at;
        Version++;
    }

    /// <summary>Notes that rung <see cref="EscalationsDone"/> ran and when the next one is due (null: the ladder is done).</summary>
    internal void Escalated(DateTime at, DateTime? nextAt)
    {
        BreachedAt ??= at;
        EscalationsDone++;
        NextCheckAt = nextAt;
        Version++;
    }

    /// <summary>Seen breached with no rung to run now: look again at <paramref name="nextAt"/> (null: never).</summary>
    internal void Breached(DateTime at, DateTime? nextAt)
    {
        BreachedAt ??= at;
        NextCheckAt = nextAt;
        Version++;
    }
}

/// <summary>A clock as read: <c>GET /api/leads/{id}/sla</c>.</summary>
public sealed record SlaClockView(
    Guid Id,
    string Policy,
    int PolicyVersion,
    SlaTarget Target,
    LeadStage Stage,
    ClockStatus Status,
    DateTime StartedAt,
    DateTime AtRiskAt,
    DateTime DueAt,
    DateTime? StoppedAt,
    string? StopReason,
    int EscalationsDone,
    double? RemainingSeconds)
{
    public static SlaClockView From(SlaClock c, DateTime now) => new(
        c.Id, c.PolicyKey, c.PolicyVersion, c.Target, c.Stage, c.StatusAt(now), c.StartedAt, c.AtRiskAt, c.DueAt,
        c.StoppedAt, c.StopReason, c.EscalationsDone,
        c.State == ClockState.Running ? Math.Round((c.DueAt - now).TotalSeconds, 3) : null);
}
