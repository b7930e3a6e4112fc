using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

/// <summary>Reads one lead.</summary>
public sealed class GetLead(HandoffDb db)
{
    public async Task<Result<LeadView>> HandleAsync(Guid id, CancellationToken ct)
    {
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        return lead is null ? LeadErrors.NotFound(id) : LeadView.From(lead);
    }
}

internal static class LeadErrors
{
    public static NotFoundError NotFound(Guid id) => new($"No lead with id {id}.");

    public static ConflictError Stale(int expected, int actual) =>
        new("stale-version", $"The lead is at version {actual}, not {expected}: someone changed it since you read it. Reload and try again.");

    public static ConflictError ConcurrentChange() =>
        new("concurrent-change", "Someone else changed this lead at the same moment. Reload and try again.");
}
