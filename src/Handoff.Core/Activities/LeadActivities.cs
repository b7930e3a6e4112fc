using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Activities;

public sealed record ActivityView(
    Guid Id,
    ActivityType Type,
    DateTime OccurredAt,
    string? Url,
    string? Subject,
    string? Source,
    string? Channel,
    string? Campaign,
    string? VisitorId,
    Guid? UserId,
    IReadOnlyDictionary<string, string> Properties);

/// <summary>A lead's touches, newest first.</summary>
public sealed class LeadActivities(HandoffDb db)
{
    public const int MaxLimit = 1000;

    public async Task<Result<IReadOnlyList<ActivityView>>> HandleAsync(Guid leadId, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return ValidationError.For("limit", $"must be between 1 and {MaxLimit}");
        }

        if (!await db.Leads.AnyAsync(l => l.Id == leadId, ct))
        {
            return new NotFoundError($"No lead with id {leadId}.");
        }

        var rows = await db.Activities.AsNoTracking()
            .Where(a => a.LeadId == leadId)
            .OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id)
            .Take(limit)
            .ToListAsync(ct);
        return rows.Select(a => new ActivityView(a.Id, a.Type, a.OccurredAt, a.Url, a.Subject, a.Source, a.Channel, a.Campaign, a.VisitorId, a.UserId, a.Properties)).ToList();
    }
}
