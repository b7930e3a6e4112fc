using Handoff.Common;
using Handoff.Data;
using Handoff.Routing;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

/// <summary>A manual reassignment: <c>{"kind":"User","id":"…","note":"…"}</c>.</summary>
public sealed record AssignRequest(OwnerKind? Kind, Guid Id, string? Note = null);

/// <summary>Gives a lead to an active user or to a queue; recorded in history.</summary>
public sealed class AssignLead(HandoffDb db, TimeProvider clock, LeadAutomations automations)
{
    public async Task<Result<LeadView>> HandleAsync(Guid id, AssignRequest request, int? expectedVersion, Actor actor, CancellationToken ct)
    {
        // Both are required: a missing kind would otherwise read as User, and a missing id as "no user 00000000-…".
        if (request.Kind is not { } kind)
        {
            return ValidationError.For("kind", $"is required: one of {string.Join(", ", Enum.GetNames<OwnerKind>())}");
        }

        if (request.Id == Guid.Empty)
        {
            return ValidationError.For("id", $"is required: the id of the {kind.ToString().ToLowerInvariant()} to give the lead to");
        }

        var exists = kind == OwnerKind.User
            ? await db.Users.AnyAsync(u => u.Id == request.Id && u.IsActive, ct)
            : await db.Queues.AnyAsync(q => q.Id == request.Id, ct);
        if (!exists)
        {
            return ValidationError.For("id", $"no active {kind.ToString().ToLowerInvariant()} with id {request.Id}");
        }

        if (request.Note is { Length: > 4000 })
        {
            return ValidationError.For("note", "must be at most 4000 characters");
        }

        var loaded = await LeadChanges.LoadAsync(db, id, expectedVersion, ct);
        if (loaded.Error is { } notLoaded)
        {
            return notLoaded;
        }

        var lead = loaded.Value!;
        var now = clock.GetUtcNow().UtcDateTime;
        if (lead.AssignTo(new Owner(kind, request.Id), now) is { } from)
        {
            RouteOnChange.Insert(db, Assignment.Record(lead, from, "reassign", null, actor, now, request.Note?.Trim()));
            await automations.RunAsync(new LeadChange(lead, actor, now) { OwnerChanged = true }, ct);
            if (await LeadChanges.SaveAsync(db, ct) is { } conflict)
            {
                return conflict;
            }
        }

        return LeadView.From(lead);
    }
}
