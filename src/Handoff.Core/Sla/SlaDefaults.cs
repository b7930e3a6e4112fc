using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace Handoff.Sla;

/// <summary>
/// The service levels a fresh workspace starts with, from the examples: demo request → first sales touch in
/// 5 minutes; MQL → first touch in 1 business hour; MQL → accept or reject in 1 business day; SAL → qualify in 3
/// business days; on a Monday–Friday 09:00–17:00 UTC calendar. Each escalates: notify the owner, then the manager,
/// then back to the queue.
/// </summary>
public static class SlaDefaults
{
    public const string CalendarName = "Standard business hours";

    /// <summary>Creates the defaults once (when there is no calendar yet). Safe on every start and on several nodes.</summary>
    public static async Task EnsureAsync(HandoffDb db, TimeProvider clock, IConfiguration configuration, CancellationToken ct = default)
    {
        if (!(configuration.GetSection("Handoff:Sla").Get<SlaOptions>() ?? new SlaOptions()).SeedDefaults || await db.BusinessCalendars.AnyAsync(ct))
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var weekdays = new[] { "monday", "tuesday", "wednesday", "thursday", "friday" };
        var calendar = BusinessCalendar.Create(
            new CalendarRequest(CalendarName, "UTC", weekdays.ToDictionary(d => d, _ => new List<string> { "09:00-17:00" }), []),
            now);
        db.BusinessCalendars.Add(calendar);

        List<EscalationStep> ladder =
        [
            new() { Action = EscalationAction.NotifyOwner },
            new() { Action = EscalationAction.NotifyManager, AfterMinutes = 30 },
            new() { Action = EscalationAction.Reassign, AfterMinutes = 120, To = ReassignTarget.Queue },
        ];
        var actor = Actor.System("defaults");
        SlaPolicyRequest[] policies =
        [
            new()
            {
                Key = "demo-request-first-touch", Name = "Demo request: first sales touch within 5 minutes", Order = 10,
                Target = SlaTarget.FirstTouch, StartOn = SlaStart.Activity, StartActivity = ActivityType.DemoRequest,
                DurationMinutes = 5, AtRiskPercent = 60,
                Escalation = [new() { Action = EscalationAction.NotifyOwner }, new() { Action = EscalationAction.NotifyManager, AfterMinutes = 5 }, new() { Action = EscalationAction.Reassign, AfterMinutes = 15, To = ReassignTarget.NextMember }],
            },
            new()
            {
                Key = "mql-first-touch", Name = "MQL: first touch within 1 business hour", Order = 20, Stage = LeadStage.MQL,
                Target = SlaTarget.FirstTouch, StartOn = SlaStart.Assignment, DurationMinutes = 60, BusinessTime = true, CalendarId = calendar.Id,
                Escalation = ladder,
            },
            new()
            {
                Key = "mql-accept-or-reject", Name = "MQL: accept or reject within 1 business day", Order = 30, Stage = LeadStage.MQL,
                Target = SlaTarget.AcceptOrReject, DurationMinutes = 8 * 60, BusinessTime = true, CalendarId = calendar.Id,
                Escalation = ladder,
            },
            new()
            {
                Key = "sal-qualify", Name = "SAL: qualify within 3 business days", Order = 40, Stage = LeadStage.SAL,
                Target = SlaTarget.Qualify, DurationMinutes = 3 * 8 * 60, BusinessTime = true, CalendarId = calendar.Id,
                Escalation = [new() { Action = EscalationAction.NotifyOwner }, new() { Action = EscalationAction.NotifyManager, AfterMinutes = 8 * 60 }],
            },
        ];
        foreach (var request in policies)
        {
            db.SlaPolicies.Add(SlaPolicy.Write(request.Key!, 1, request, actor, now));
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear(); // another node seeded them at the same moment
        }
    }
}
