using Handoff.Data;
using Handoff.Leads;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Pipeline;

/// <summary>
/// Chooses the account executive who gets a converted lead's opportunity: the lead's owner when that is an active
/// AE, else the first active AE of the owner's team, else the lead's owner (when it is a user). The AE routing rules
/// take this over when routing lands; this class is the one place to point at them.
/// </summary>
public sealed class OpportunityOwner(HandoffDb db)
{
    public async Task<Guid?> ChooseAsync(Lead lead, CancellationToken ct)
    {
        if (lead.OwnerKind != OwnerKind.User)
        {
            return null;
        }

        var owner = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == lead.OwnerId, ct);
        if (owner is null)
        {
            return null;
        }

        if (owner.IsActive && owner.Role == Role.Ae)
        {
            return owner.Id;
        }

        if (owner.TeamId is { } team)
        {
            var ae = await db.Users.AsNoTracking()
                .Where(u => u.TeamId == team && u.IsActive && u.Role == Role.Ae)
                .OrderBy(u => u.CreatedAt).ThenBy(u => u.Id).Select(u => (Guid?)u.Id).FirstOrDefaultAsync(ct);
            if (ae is not null)
            {
                return ae;
            }
        }

        return owner.Id;
    }
}
