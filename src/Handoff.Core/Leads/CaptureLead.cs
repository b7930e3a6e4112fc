using Handoff.Common;
using Handoff.Data;
using Handoff.Teams;

namespace Handoff.Leads;

/// <summary>Creates a lead in New, waiting in the fallback queue, with its creation in history and the outbox.</summary>
public sealed class CaptureLead(HandoffDb db, TimeProvider clock, FallbackQueue fallback)
{
    public async Task<Result<LeadView>> HandleAsync(LeadDetails request, Actor actor, CancellationToken ct)
    {
        var details = request.Normalize();
        var errors = new FieldErrors();
        details.Validate(errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var queueId = await fallback.IdAsync(db, ct);
        var (lead, created) = Lead.Capture(details, new Owner(OwnerKind.Queue, queueId), actor, now);
        db.Leads.Add(lead);
        db.StageChanges.Add(created);
        LeadEvents.Created(db, lead, now);
        await db.SaveChangesAsync(ct);
        return LeadView.From(lead);
    }
}
