using NodaTime;

namespace Handoff.Sla;

/// <summary>One stretch of working time on a weekday, in the calendar's local time (<c>09:00</c>–<c>17:30</c>).</summary>
public readonly record struct WorkingPeriod(LocalTime Start, LocalTime End);

/// <summary>
/// Business-time arithmetic in one time zone: working periods per weekday, minus holidays. "1 business hour after
/// Friday 16:30 in Berlin" is Monday 09:30 with Mon–Fri 09:00–17:00. Local times map to instants leniently, so a
/// period that crosses a daylight-saving change is as long as the wall clock says it really was.
/// </summary>
public sealed class BusinessHours
{
    /// <summary>How far ahead a deadline may be searched; a calendar with no working time at all fails fast instead.</summary>
    private const int MaxDays = 3 * 366;

    private readonly DateTimeZone _zone;
    private readonly Dictionary<IsoDayOfWeek, WorkingPeriod[]> _week;
    private readonly HashSet<LocalDate> _holidays;

    /// <param name="zone">The calendar's time zone.</param>
    /// <param name="week">Working periods per weekday (a missing day has none); periods may not overlap.</param>
    /// <param name="holidays">Days with no working time.</param>
    public BusinessHours(DateTimeZone zone, IReadOnlyDictionary<IsoDayOfWeek, WorkingPeriod[]> week, IEnumerable<LocalDate> holidays)
    {
        _zone = zone;
        _week = week.ToDictionary(d => d.Key, d => d.Value.OrderBy(p => p.Start).ToArray());
        _holidays = [.. holidays];
        if (!_week.Values.Any(p => p.Any(x => x.End > x.Start)))
        {
            throw new ArgumentException("A business calendar needs at least one working period.", nameof(week));
        }
    }

    /// <summary>Every day, all day, in UTC: business time equals calendar time.</summary>
    public static BusinessHours Always { get; } = new(
        DateTimeZone.Utc,
        Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None)
            .ToDictionary(d => d, _ => new[] { new WorkingPeriod(LocalTime.Midnight, LocalTime.MaxValue) }),
        []);

    /// <summary>How far ahead a deadline may fall, in words, for the answers that refuse a longer one.</summary>
    public const string Horizon = "three years";

    /// <summary>
    /// The instant <paramref name="duration"/> of working time after <paramref name="startUtc"/>; when the calendar
    /// cannot reach it within <see cref="Horizon"/> (a policy saved before that was refused, or a calendar left with
    /// too few hours), the end of the horizon: a clock starts with a deadline that far out instead of failing the
    /// capture that starts it.
    /// </summary>
    public DateTime Add(DateTime startUtc, TimeSpan duration) =>
        TryAdd(startUtc, duration)
        ?? (startUtc < DateTime.MaxValue.AddDays(-MaxDays) ? DateTime.SpecifyKind(startUtc.AddDays(MaxDays), DateTimeKind.Utc) : DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc));

    /// <summary>
    /// The instant <paramref name="duration"/> of working time after <paramref name="startUtc"/>; null when the
    /// calendar does not have that much working time within <see cref="Horizon"/> (a long duration on a calendar of few
    /// hours) or the deadline would fall after the year 9999. Saving a policy and a calendar checks it, so that no
    /// clock start (inside a capture) ever meets it.
    /// </summary>
    public DateTime? TryAdd(DateTime startUtc, TimeSpan duration)
    {
        try
        {
            var start = Instant.FromDateTimeUtc(DateTime.SpecifyKind(startUtc, DateTimeKind.Utc));
            var remaining = Duration.FromTimeSpan(duration);
            var day = start.InZone(_zone).Date;
            for (var i = 0; i < MaxDays; i++, day = day.PlusDays(1))
            {
                foreach (var (from, to) in Periods(day))
                {
                    if (to <= start)
                    {
                        continue;
                    }

                    var begin = from < start ? start : from;
                    var available = to - begin;
                    if (remaining <= available)
                    {
                        return (begin + remaining).ToDateTimeUtc();
                    }

                    remaining -= available;
                }
            }
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            // Past the end of the calendar (the year 9999).
        }

        return null;
    }

    /// <summary>Working time between two instants (zero when <paramref name="toUtc"/> is not after <paramref name="fromUtc"/>).</summary>
    public TimeSpan Between(DateTime fromUtc, DateTime toUtc)
    {
        var from = Instant.FromDateTimeUtc(DateTime.SpecifyKind(fromUtc, DateTimeKind.Utc));
        var to = Instant.FromDateTimeUtc(DateTime.SpecifyKind(toUtc, DateTimeKind.Utc));
        var total = Duration.Zero;
        for (var day = from.InZone(_zone).Date; day <= to.InZone(_zone).Date; day = day.PlusDays(1))
        {
            foreach (var (start, end) in Periods(day))
            {
                var a = start < from ? from : start;
                var b = end > to ? to : end;
                if (b > a)
                {
                    total += b - a;
                }
            }
        }

        return total.ToTimeSpan();
    }

    /// <summary>Whether <paramref name="atUtc"/> falls in working time.</summary>
    public bool IsWorking(DateTime atUtc)
    {
        var at = Instant.FromDateTimeUtc(DateTime.SpecifyKind(atUtc, DateTimeKind.Utc));
        return Periods(at.InZone(_zone).Date).Any(p => p.From <= at && at < p.To);
    }

    private IEnumerable<(Instant From, Instant To)> Periods(LocalDate day)
    {
        if (_holidays.Contains(day) || !_week.TryGetValue(day.DayOfWeek, out var periods))
        {
            yield break;
        }

        foreach (var p in periods)
        {
            var from = day.At(p.Start).InZoneLeniently(_zone).ToInstant();
            // An end of 24:00 (stored as the last tick of the day) means the start of the next day.
            var to = p.End == LocalTime.MaxValue
                ? day.PlusDays(1).AtStartOfDayInZone(_zone).ToInstant()
                : day.At(p.End).InZoneLeniently(_zone).ToInstant();
            if (to > from)
            {
                yield return (from, to);
            }
        }
    }
}
