namespace Handoff.Sla;

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
    /// <summary>The view of the three moments: captured (the lead's creation), first owned by a person, first touched by sales.</summary>
    public static SpeedToLeadView Of(Guid leadId, DateTime capturedAt, DateTime? assignedAt, Guid? assignedUserId, DateTime? firstTouchAt, Guid? firstTouchUserId) => new(
        leadId, capturedAt, assignedAt, assignedUserId, firstTouchAt, firstTouchUserId,
        Seconds(capturedAt, assignedAt),
        assignedAt is { } a ? Seconds(a, firstTouchAt) : null,
        Seconds(capturedAt, firstTouchAt));

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
