namespace Handoff.Sla;

/// <summary>
/// The three speed-to-lead moments of one lead: captured, first owned by a person, first touched by sales. Written by
/// the <see cref="SlaClocks"/> step as the events happen; each moment is set once.
/// </summary>
public sealed class LeadSpeed
{
    private LeadSpeed()
    {
    }

    public Guid LeadId { get; private set; }
    public DateTime CapturedAt { get; private set; }
    public DateTime? AssignedAt { get; private set; }

    /// <summary>The first user who owned the lead: the rep the per-rep report counts it for.</summary>
    public Guid? AssignedUserId { get; private set; }
    public DateTime? FirstTouchAt { get; private set; }
    public Guid? FirstTouchUserId { get; private set; }

    internal static LeadSpeed Captured(Guid leadId, DateTime at) => new() { LeadId = leadId, CapturedAt = at };

    internal void Assigned(Guid userId, DateTime at)
    {
        if (AssignedAt is null)
        {
            AssignedAt = at;
            AssignedUserId = userId;
        }
    }

    internal void Touched(Guid? userId, DateTime at)
    {
        if (FirstTouchAt is null)
        {
            FirstTouchAt = at;
            FirstTouchUserId = userId;
        }
    }
}

/// <summary>Speed-to-lead of one lead, in seconds between the moments (null until both happened).</summary>
public sealed record SpeedToLeadView(
    Guid LeadId,
    DateTime CapturedAt,
    DateTime? AssignedAt,
    Guid? AssignedUserId,
    DateTime? FirstTouchAt,
    Guid? FirstTouchUserId,
    double? CaptureToAssignmentSeconds,
    double? AssignmentToFirstTouchSeconds,
    double? CaptureToFirstTouchSeconds)
{
    public static SpeedToLeadView From(LeadSpeed s) => new(
        s.LeadId, s.CapturedAt, s.AssignedAt, s.AssignedUserId, s.FirstTouchAt, s.FirstTouchUserId,
        Seconds(s.CapturedAt, s.AssignedAt),
        s.AssignedAt is { } a ? Seconds(a, s.FirstTouchAt) : null,
        Seconds(s.CapturedAt, s.FirstTouchAt));

    private static double? Seconds(DateTime from, DateTime? to) => to is { } t ? Math.Max(0, (t - from).TotalSeconds) : null;
}

/// <summary>Count, median and 90th percentile of one interval, in seconds.</summary>
public sealed record IntervalStats(int Count, double? MedianSeconds, double? P90Seconds)
{
    public static IntervalStats Of(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v is not null).Select(v => v!.Value).Order().ToArray();
        return new(sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.9));
    }

    /// <summary>Linear interpolation between closest ranks (the common "type 7" definition).</summary>
    internal static double? Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return null;
        }

        var rank = p * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return Math.Round(sorted[low] + ((rank - low) * (sorted[high] - sorted[low])), 3);
    }
}

/// <summary>Speed-to-lead of a group of leads (all, or one rep's).</summary>
public sealed record SpeedStats(int Leads, IntervalStats CaptureToAssignment, IntervalStats AssignmentToFirstTouch, IntervalStats CaptureToFirstTouch)
{
    public static SpeedStats Of(IReadOnlyCollection<SpeedToLeadView> leads) => new(
        leads.Count,
        IntervalStats.Of(leads.Select(l => l.CaptureToAssignmentSeconds)),
        IntervalStats.Of(leads.Select(l => l.AssignmentToFirstTouchSeconds)),
        IntervalStats.Of(leads.Select(l => l.CaptureToFirstTouchSeconds)));
}

/// <summary>One rep's line of the report.</summary>
public sealed record RepSpeed(Guid UserId, string Name, SpeedStats Stats);

/// <summary><c>GET /api/reports/speed-to-lead</c>: leads captured in [from, to), overall and per first-assigned rep.</summary>
public sealed record SpeedToLeadReport(DateTime From, DateTime To, SpeedStats Overall, IReadOnlyList<RepSpeed> Reps);
