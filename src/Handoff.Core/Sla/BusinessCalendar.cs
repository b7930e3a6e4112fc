using System.Globalization;
using Handoff.Common;
using NodaTime;
using NodaTime.Text;

namespace Handoff.Sla;

/// <summary>
/// When a team works: an IANA time zone, working periods per weekday and holidays. Business-time service levels
/// count only this time.
/// </summary>
public sealed class BusinessCalendar
{
    private BusinessCalendar()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>IANA zone id, e.g. <c>Europe/Berlin</c>.</summary>
    public string TimeZone { get; private set; } = "UTC";

    /// <summary>Weekday (<c>monday</c>…) to periods (<c>"09:00-17:00"</c>).</summary>
    public Dictionary<string, List<string>> Hours { get; private set; } = [];

    /// <summary>Days off, <c>yyyy-MM-dd</c> in the calendar's zone.</summary>
    public List<string> Holidays { get; private set; } = [];

    public DateTime UpdatedAt { get; private set; }

    /// <summary>Checks a calendar request; on success the caller may <see cref="Create"/> or <see cref="Replace"/>.</summary>
    public static Result<BusinessHours> Validate(CalendarRequest request)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100)
        {
            errors.Add("name", "is required, at most 100 characters");
        }

        var zone = request.TimeZone is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(request.TimeZone);
        if (zone is null)
        {
            errors.Add("timeZone", $"'{request.TimeZone}' is not an IANA time zone id (e.g. Europe/Berlin, America/New_York, UTC)");
        }

        var week = new Dictionary<IsoDayOfWeek, WorkingPeriod[]>();
        foreach (var (dayName, periods) in request.Hours ?? [])
        {
            if (!Enum.TryParse<IsoDayOfWeek>(dayName, ignoreCase: true, out var day) || day == IsoDayOfWeek.None || int.TryParse(dayName, out _))
            {
                errors.Add($"hours.{dayName}", "is not a weekday; use monday … sunday");
                continue;
            }

            var parsed = new List<WorkingPeriod>();
            for (var i = 0; i < (periods ?? []).Count; i++)
            {
                if (ParsePeriod(periods![i]) is { } period)
                {
                    parsed.Add(period);
                }
                else
                {
                    errors.Add($"hours.{dayName}[{i}]", $"'{periods[i]}' is not a period like 09:00-17:00 (start before end; 24:00 allowed as an end)");
                }
            }

            parsed.Sort((a, b) => a.Start.CompareTo(b.Start));
            for (var i = 1; i < parsed.Count; i++)
            {
                if (parsed[i].Start < parsed[i - 1].End)
                {
                    errors.Add($"hours.{dayName}", "periods overlap");
                }
            }

            week[day] = [.. parsed];
        }

        if (!week.Values.Any(p => p.Length > 0))
        {
            errors.Add("hours", "needs at least one working period, e.g. {\"monday\":[\"09:00-17:00\"]}");
        }

        var holidays = new List<LocalDate>();
        foreach (var (text, i) in (request.Holidays ?? []).Select((h, i) => (h, i)))
        {
            var result = LocalDatePattern.Iso.Parse(text ?? "");
            if (result.Success)
            {
                holidays.Add(result.Value);
            }
            else
            {
                errors.Add($"holidays[{i}]", $"'{text}' is not a date like 2026-12-25");
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        return new BusinessHours(zone!, week, holidays);
    }

    public static BusinessCalendar Create(CalendarRequest request, DateTime at)
    {
        var calendar = new BusinessCalendar { Id = Ids.NewId() };
        calendar.Replace(request, at);
        return calendar;
    }

    /// <summary>Replaces the calendar with a request that passed <see cref="Validate"/>.</summary>
    public void Replace(CalendarRequest request, DateTime at)
    {
        Name = request.Name!.Trim();
        TimeZone = request.TimeZone!;
        Hours = (request.Hours ?? []).ToDictionary(
            d => d.Key.ToLowerInvariant(),
            d => (d.Value ?? []).Select(p => p.Trim()).ToList(),
            StringComparer.Ordinal);
        Holidays = [.. (request.Holidays ?? []).Select(h => h!.Trim()).Order(StringComparer.Ordinal)];
        UpdatedAt = at;
    }

    /// <summary>The arithmetic of this calendar (its stored form was validated when written).</summary>
    public BusinessHours ToBusinessHours() =>
        Validate(new CalendarRequest(Name, TimeZone, Hours, [.. Holidays])).Value
        ?? throw new InvalidOperationException($"Calendar {Id} is stored invalid.");

    public CalendarView ToView() => new(Id, Name, TimeZone, Hours, Holidays, UpdatedAt);

    private static WorkingPeriod? ParsePeriod(string? text)
    {
        var parts = (text ?? "").Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || ParseTime(parts[0]) is not { } start || ParseTime(parts[1]) is not { } end)
        {
            return null;
        }

        return start < end && start != LocalTime.MaxValue ? new WorkingPeriod(start, end) : null;
    }

    private static LocalTime? ParseTime(string text)
    {
        if (text == "24:00")
        {
            return LocalTime.MaxValue;
        }

        var result = LocalTimePattern.Create("HH:mm", CultureInfo.InvariantCulture).Parse(text);
        return result.Success ? result.Value : null;
    }
}

/// <summary>A calendar as written: <c>{"name":"Berlin office","timeZone":"Europe/Berlin","hours":{"monday":["09:00-17:00"]},"holidays":["2026-12-25"]}</c>.</summary>
public sealed record CalendarRequest(
    string? Name,
    string? TimeZone,
    Dictionary<string, List<string>>? Hours,
    List<string?>? Holidays);

/// <summary>A calendar as read.</summary>
public sealed record CalendarView(
    Guid Id,
    string Name,
    string TimeZone,
    IReadOnlyDictionary<string, List<string>> Hours,
    IReadOnlyList<string> Holidays,
    DateTime UpdatedAt);
