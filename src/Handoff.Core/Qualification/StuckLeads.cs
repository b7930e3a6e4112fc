using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>One lead that breaks an invariant or overstays its stage, with every problem in words.</summary>
public sealed record StuckLead(Guid Id, string? Name, string? Company, LeadStage Stage, DateTime StageEnteredAt, int DaysInStage, IReadOnlyList<string> Problems);

/// <summary>The stuck leads of one owner (a user or a queue).</summary>
public sealed record StuckOwner(Owner Owner, string? OwnerName, bool OwnerActive, IReadOnlyList<StuckLead> Leads);

public sealed record StuckLeadsReport(DateTime At, int? DefinitionVersion, int Total, IReadOnlyList<StuckOwner> Owners);

/// <summary>
/// "No lead disappears": every open lead with no owner, an inactive or deleted owner, Nurture without a wake date or
/// long past it, or in a stage longer than the active definition allows (defaults without one), grouped by owner.
/// Each kind of problem is one indexed query, capped, so the report stays fast on a large database.
/// </summary>
public sealed class StuckLeads(HandoffDb db, TimeProvider clock, ActiveDefinitions active)
{
    private const int PerProblem = 1000;

    private sealed record Row(Guid Id, string? FirstName, string? LastName, string? Company, LeadStage Stage, DateTime StageEnteredAt, OwnerKind OwnerKind, Guid OwnerId);

    public async Task<StuckLeadsReport> HandleAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var definition = await active.AtAsync(db, now, ct);
        var limits = (definition?.Document ?? new DefinitionDocument()).StageLimits;
        var open = StageRules.OpenStages.ToList();
        var leads = db.Leads.AsNoTracking().Where(l => open.Contains(l.Stage));
        var found = new Dictionary<Guid, (Row Row, List<string> Problems)>();

        await AddAsync(leads.Where(l => l.OwnerId == Guid.Empty), "has no owner", ct);
        await AddAsync(
            leads.Where(l => l.OwnerKind == OwnerKind.User && !db.Users.Any(u => u.Id == l.OwnerId && u.IsActive)),
            "its owner is inactive or no longer exists",
            ct);
        await AddAsync(leads.Where(l => l.OwnerKind == OwnerKind.Queue && !db.Queues.Any(q => q.Id == l.OwnerId)), "its queue no longer exists", ct);
        await AddAsync(leads.Where(l => l.Stage == LeadStage.Nurture && l.WakeAt == null), "in Nurture without a wake date", ct);
        var overdueWake = now.AddDays(-1);
        await AddAsync(leads.Where(l => l.Stage == LeadStage.Nurture && l.WakeAt < overdueWake), "its wake date passed more than a day ago", ct);
        foreach (var (stage, days) in limits)
        {
            var since = now.AddDays(-days);
            await AddAsync(leads.Where(l => l.Stage == stage && l.StageEnteredAt < since), $"in {stage} for more than {days} days", ct);
        }

        var userIds = found.Values.Where(f => f.Row.OwnerKind == OwnerKind.User).Select(f => f.Row.OwnerId).Distinct().ToList();
        var queueIds = found.Values.Where(f => f.Row.OwnerKind == OwnerKind.Queue).Select(f => f.Row.OwnerId).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => (u.Name, u.IsActive), ct);
        var queues = await db.Queues.AsNoTracking().Where(q => queueIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, q => q.Name, ct);
        var owners = found.Values
            .GroupBy(f => new Owner(f.Row.OwnerKind, f.Row.OwnerId))
            .Select(g =>
            {
                var (name, isActive) = g.Key.Kind == OwnerKind.User
                    ? users.TryGetValue(g.Key.Id, out var u) ? (u.Name, u.IsActive) : (null, false)
                    : queues.TryGetValue(g.Key.Id, out var q) ? (q, true) : ((string?)null, false);
                var stuck = g.OrderBy(f => f.Row.StageEnteredAt)
                    .Select(f => new StuckLead(
                        f.Row.Id,
                        string.Join(' ', new[] { f.Row.FirstName, f.Row.LastName }.Where(n => n is not null)),
                        f.Row.Company,
                        f.Row.Stage,
                        f.Row.StageEnteredAt,
                        (int)(now - f.Row.StageEnteredAt).TotalDays,
                        f.Problems))
                    .ToList();
                return new StuckOwner(g.Key, name, isActive, stuck);
            })
            .OrderByDescending(o => o.Leads.Count).ThenBy(o => o.OwnerName)
            .ToList();
        return new StuckLeadsReport(now, definition?.Version, found.Count, owners);

        async Task AddAsync(IQueryable<Lead> query, string problem, CancellationToken token)
        {
            var rows = await query.OrderBy(l => l.StageEnteredAt).Take(PerProblem)
                .Select(l => new Row(l.Id, l.FirstName, l.LastName, l.Company, l.Stage, l.StageEnteredAt, l.OwnerKind, l.OwnerId))
                .ToListAsync(token);
            foreach (var row in rows)
            {
                if (!found.TryGetValue(row.Id, out var entry))
                {
                    found[row.Id] = entry = (row, []);
                }

                entry.Problems.Add(problem);
            }
        }
    }
}
