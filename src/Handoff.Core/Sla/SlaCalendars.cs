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

        if (BusinessCalendar.Validate(request).Error is { } invalid)
        {
            return invalid;
        }

        calendar.Replace(request, clock.GetUtcNow().UtcDateTime);
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

        return calendar.ToBusinessHours().Add(start, TimeSpan.FromMinutes(minutes));
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
