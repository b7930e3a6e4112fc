using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Sla;

/// <summary>Reads and writes business calendars. A changed calendar applies to clocks started after the change.</summary>
public sealed class SlaCalendars(HandoffDb db, TimeProvider clock, SlaPolicyCache cache)
{
    public async Task<IReadOnlyList<CalendarView>> ListAsync(CancellationToken ct) =>
        (await db.BusinessCalendars.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct)).Select(c => c.ToView()).ToList();

    public async Task<Result<CalendarView>> GetAsync(Guid id, CancellationToken ct) =>
        await db.BusinessCalendars.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is { } c ? c.ToView() : NotFound(id);

    public async Task<Result<CalendarView>> CreateAsync(CalendarRequest request, CancellationToken ct)
    {
        if (BusinessCalendar.Validate(request).Error is { } invalid)
        {
            return invalid;
        }

        var calendar = BusinessCalendar.Create(request, clock.GetUtcNow().UtcDateTime);
        db.BusinessCalendars.Add(calendar);
        return await SaveAsync(calendar, ct);
    }

    public async Task<Result<CalendarView>> ReplaceAsync(Guid id, CalendarRequest request, CancellationToken ct)
    {
        var calendar = await db.BusinessCalendars.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (calendar is null)
        {
            return NotFound(id);
        }

        var validated = BusinessCalendar.Validate(request);
        if (validated.Error is { } invalid)
        {
            return invalid;
        }

        // A policy whose duration the new hours cannot reach would make every capture that starts its clock fail.
        var hours = validated.Value!;
        var now = clock.GetUtcNow().UtcDateTime;
        var policies = await db.SlaPolicies.AsNoTracking()
            .Where(p => p.IsCurrent && p.Active && p.BusinessTime && p.CalendarId == id).ToListAsync(ct);
        if (policies.FirstOrDefault(p => hours.TryAdd(now, TimeSpan.FromMinutes(p.DurationMinutes)) is null) is { } stranded)
        {
            return ValidationError.For("hours", $"have less working time in {BusinessHours.Horizon} than policy '{stranded.Key}' needs ({stranded.DurationMinutes} minutes): shorten the policy first");
        }

        calendar.Replace(request, now);
        return await SaveAsync(calendar, ct);
    }

    /// <summary>The deadline a clock started at <paramref name="start"/> would get: a way to check a calendar.</summary>
    public async Task<Result<DateTime>> AddAsync(Guid id, DateTime start, int minutes, CancellationToken ct)
    {
        var calendar = await db.BusinessCalendars.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (calendar is null)
        {
            return NotFound(id);
        }

        if (minutes is < 0 or > 366 * 24 * 60)
        {
            return ValidationError.For("minutes", "must be 0 to 527040");
        }

        return calendar.ToBusinessHours().TryAdd(start, TimeSpan.FromMinutes(minutes)) is { } due ? due
            : ValidationError.For("minutes", $"is more working time than the calendar has in {BusinessHours.Horizon} after start (or the deadline would fall after the year 9999)");
    }

    private async Task<Result<CalendarView>> SaveAsync(BusinessCalendar calendar, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return ValidationError.For("name", $"a calendar named '{calendar.Name}' exists already");
        }

        cache.Invalidate();
        return calendar.ToView();
    }

    private static NotFoundError NotFound(Guid id) => new($"No business calendar with id {id}.");
}
