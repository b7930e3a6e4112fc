using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Sla;

/// <summary>Reads a lead's clocks and speed-to-lead, and the speed-to-lead report per rep.</summary>
public sealed class LeadServiceLevels(HandoffDb db, TimeProvider clock)
{
    /// <summary>Report periods longer than this are refused: the figures are computed in memory.</summary>
    public static readonly TimeSpan MaxReportPeriod = TimeSpan.FromDays(366);

    /// <summary>Every clock of the lead, running first, then newest first.</summary>
    public async Task<Result<IReadOnlyList<SlaClockView>>> ClocksAsync(Guid leadId, CancellationToken ct)
    {
        if (!await db.Leads.AnyAsync(l => l.Id == leadId, ct))
        {
            return LeadErrors.NotFound(leadId);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var clocks = await db.SlaClocks.AsNoTracking().Where(c => c.LeadId == leadId).ToListAsync(ct);
        return clocks.OrderBy(c => c.State == ClockState.Running ? 0 : 1).ThenByDescending(c => c.StartedAt)
            .Select(c => SlaClockView.From(c, now)).ToList();
    }

    public async Task<Result<SpeedToLeadView>> SpeedAsync(Guid leadId, CancellationToken ct)
    {
        var speed = await Speeds(db.Leads.Where(l => l.Id == leadId)).FirstOrDefaultAsync(ct);
        return speed is null ? LeadErrors.NotFound(leadId) : speed;
    }

    /// <summary>Leads captured in [<paramref name="from"/>, <paramref name="to"/>): median and p90 overall and per first-assigned rep.</summary>
    public async Task<Result<SpeedToLeadReport>> ReportAsync(DateTime? from, DateTime? to, CancellationToken ct)
    {
        var end = to ?? clock.GetUtcNow().UtcDateTime;
        var start = from ?? end.AddDays(-30);
        if (end <= start)
        {
            return ValidationError.For("to", "must be after from");
        }

        if (end - start > MaxReportPeriod)
        {
            return ValidationError.For("from", $"the period may be at most {MaxReportPeriod.TotalDays} days");
        }

        var views = await Speeds(db.Leads.Where(l => l.CreatedAt >= start && l.CreatedAt < end)).ToListAsync(ct);
        var userIds = views.Where(v => v.AssignedUserId is not null).Select(v => v.AssignedUserId!.Value).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Name, ct);
        var reps = views.Where(v => v.AssignedUserId is not null)
            .GroupBy(v => v.AssignedUserId!.Value)
            .Select(g => new RepSpeed(g.Key, names.GetValueOrDefault(g.Key, ""), SpeedStats.Of(g.ToList())))
            .OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        return new SpeedToLeadReport(start, end, SpeedStats.Of(views), reps);
    }

    /// <summary>The speed to lead of <paramref name="leads"/>, from their speed-to-lead columns alone.</summary>
    private static IQueryable<SpeedToLeadView> Speeds(IQueryable<Lead> leads) => leads.AsNoTracking()
        .Select(l => SpeedToLeadView.Of(l.Id, l.CreatedAt, l.FirstAssignedAt, l.FirstAssignedUserId, l.FirstTouchAt, l.FirstTouchUserId));
}
