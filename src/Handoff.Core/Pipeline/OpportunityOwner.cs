using Handoff.Data;
using Handoff.Leads;
using Handoff.Routing;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Pipeline;

/// <summary>
/// Chooses the account executive who gets a converted lead's opportunity: the lead's owner when that is an active
/// AE (the AE routing rules usually made it so when the lead became an SQL); else the person the active AE routing
/// rules pick now; else the first active AE of the owner's team; else the lead's owner (when it is a user).
/// </summary>
public sealed class OpportunityOwner(HandoffDb db, Router router)
{
    public async Task<Guid?> ChooseAsync(Lead lead, CancellationToken ct)
    {
        var owner = lead.OwnerKind == OwnerKind.User
            ? await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == lead.OwnerId, ct)
            : null;
        if (owner is { IsActive: true, Role: Role.Ae })
        {
            return owner.Id;
        }

        if (await router.ActiveAsync(RoutingPurpose.AccountExecutive, ct) is not null
            && await router.DecideAsync(lead, RoutingPurpose.AccountExecutive, ct) is { RuleName: not null, Owner.Kind: OwnerKind.User } routed)
        {
            return routed.Owner.Id;
        }

        if (owner is null)
        {
            return null;
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
