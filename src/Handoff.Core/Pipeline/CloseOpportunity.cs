using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Pipeline;

/// <summary>How a deal ended: <c>{"outcome":"Lost","reason":"price","note":"…"}</c>.</summary>
public sealed record CloseRequest(OpportunityOutcome Outcome, string? Reason = null, string? Note = null);

/// <summary>
/// Closes an opportunity as won or lost and moves its lead to Won or Lost in the same transaction (a lost one may
/// then be recycled to Nurture). A lost deal needs a reason from the Lost catalogue.
/// </summary>
public sealed class CloseOpportunity(HandoffDb db, TimeProvider clock, LeadAutomations automations, ConvertLead views)
{
    public async Task<Result<OpportunityView>> HandleAsync(Guid id, CloseRequest request, Actor actor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (request.Outcome is not (OpportunityOutcome.Won or OpportunityOutcome.Lost))
        {
            errors.Add("outcome", "must be Won or Lost");
        }

        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim().ToLowerInvariant();
        if (request.Outcome == OpportunityOutcome.Lost)
        {
            var catalogue = await db.ReasonCodes.AsNoTracking().Where(r => r.Stage == LeadStage.Lost && r.IsActive).Select(r => r.Code).ToListAsync(ct);
            if (reason is null)
            {
                errors.Add("reason", $"a lost deal needs a reason: {string.Join(", ", catalogue)}");
            }
            else if (catalogue.Count > 0 && !catalogue.Contains(reason))
            {
                errors.Add("reason", $"'{reason}' is not a reason code for Lost; use one of: {string.Join(", ", catalogue)}");
            }
        }
        else if (reason is { Length: > 50 })
        {
            errors.Add("reason", "must be at most 50 characters");
        }

        if (request.Note is { Length: > 4000 })
        {
            errors.Add("note", "must be at most 4000 characters");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var opportunity = await db.Opportunities.FirstOrDefaultAsync(o => o.Id == id, ct);
        if (opportunity is null)
        {
            return new NotFoundError($"No opportunity with id {id}.");
        }

        if (opportunity.Outcome != OpportunityOutcome.Open)
        {
            return new ConflictError("already-closed", $"The opportunity is closed already ({opportunity.Outcome}).");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        opportunity.Close(request.Outcome, reason, note, now);
        var lead = await db.Leads.FirstAsync(l => l.Id == opportunity.LeadId, ct);
        if (lead.Stage == LeadStage.Opportunity)
        {
            var to = request.Outcome == OpportunityOutcome.Won ? LeadStage.Won : LeadStage.Lost;
            var evidence = JsonSerializer.Serialize(new { opportunityId = opportunity.Id, outcome = request.Outcome.ToString() }, PipelineJson.Options);
            var moved = lead.MoveTo(to, actor, now, reason, note, null, evidence);
            if (moved.Error is { } error)
            {
                return error;
            }

            await automations.MovedAsync(db, lead, moved.Value!, actor, ct);
        }

        if (await LeadChanges.SaveAsync(db, ct) is { } conflict)
        {
            return conflict;
        }

        return await views.ViewAsync(opportunity, ct);
    }

    public async Task<Result<OpportunityView>> GetAsync(Guid id, CancellationToken ct)
    {
        var opportunity = await db.Opportunities.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct);
        return opportunity is null ? new NotFoundError($"No opportunity with id {id}.") : await views.ViewAsync(opportunity, ct);
    }
}
