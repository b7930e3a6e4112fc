using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>Sales accepts an MQL: <c>{"note":"…"}</c>.</summary>
public sealed record AcceptRequest(string? Note = null);

/// <summary>Sales rejects an MQL, or anyone disqualifies an open lead: <c>{"reason":"poor-fit","note":"…"}</c>.</summary>
public sealed record RejectRequest(string? Reason, string? Note = null);

/// <summary>Right fit, wrong time: <c>{"reason":"wrong-timing","wakeAt":"2027-06-01T00:00:00Z","note":"…"}</c>; the wake date defaults from the recycle policy.</summary>
public sealed record RecycleRequest(string? Reason, DateTime? WakeAt = null, string? Note = null);

/// <summary>Designates SQL: <c>{"note":"…"}</c>, or with <c>justification</c> to override a failed evaluation.</summary>
public sealed record QualifyRequest(string? Note = null, string? Justification = null);

/// <summary>
/// The qualification decisions of sales, each a guarded stage move through <see cref="TransitionLead"/> (so the same
/// reason catalogue, versions, SQL gate and automations apply): accept, reject, disqualify, recycle, qualify.
/// </summary>
public sealed class LeadDecisions(HandoffDb db, TransitionLead transition, ActiveDefinitions active, TimeProvider clock)
{
    public async Task<Result<LeadView>> AcceptAsync(Guid id, AcceptRequest request, int? version, Actor actor, CancellationToken ct)
    {
        if (await RequireStageAsync(id, LeadStage.MQL, "accepted", ct) is { } error)
        {
            return error;
        }

        return await transition.HandleAsync(id, new TransitionRequest(LeadStage.SAL, null, request.Note), version, actor, ct);
    }

    /// <summary>Sales sends an MQL back: it becomes Disqualified with the reason, which marketing reads as feedback.</summary>
    public async Task<Result<LeadView>> RejectAsync(Guid id, RejectRequest request, int? version, Actor actor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            errors.Add("reason", "a reason code is required (e.g. poor-fit, no-intent, bad-data, duplicate, competitor, student)");
        }

        if (string.IsNullOrWhiteSpace(request.Note))
        {
            errors.Add("note", "say why, for marketing");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        if (await RequireStageAsync(id, LeadStage.MQL, "rejected", ct) is { } error)
        {
            return error;
        }

        return await transition.HandleAsync(id, new TransitionRequest(LeadStage.Disqualified, request.Reason, "Rejected by sales: " + request.Note!.Trim()), version, actor, ct);
    }

    public async Task<Result<LeadView>> DisqualifyAsync(Guid id, RejectRequest request, int? version, Actor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return ValidationError.For("reason", "a reason code is required to disqualify a lead");
        }

        return await transition.HandleAsync(id, new TransitionRequest(LeadStage.Disqualified, request.Reason, request.Note), version, actor, ct);
    }

    public async Task<Result<LeadView>> RecycleAsync(Guid id, RecycleRequest request, int? version, Actor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return ValidationError.For("reason", "a reason code is required to recycle a lead (e.g. wrong-timing, no-budget-yet)");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var policy = (await active.AtAsync(db, now, ct))?.Document.Recycle ?? new RecyclePolicy();
        var wakeAt = request.WakeAt ?? now.AddDays(policy.WakeAfterDays);
        return await transition.HandleAsync(id, new TransitionRequest(LeadStage.Nurture, request.Reason, request.Note, wakeAt), version, actor, ct);
    }

    public Task<Result<LeadView>> QualifyAsync(Guid id, QualifyRequest request, int? version, Actor actor, CancellationToken ct) =>
        transition.HandleAsync(id, new TransitionRequest(LeadStage.SQL, null, request.Note, null, request.Justification), version, actor, ct);

    private async Task<Error?> RequireStageAsync(Guid id, LeadStage stage, string verb, CancellationToken ct)
    {
        var current = await db.Leads.Where(l => l.Id == id).Select(l => (LeadStage?)l.Stage).FirstOrDefaultAsync(ct);
        return current switch
        {
            null => new NotFoundError($"No lead with id {id}."),
            { } s when s != stage => new ConflictError("illegal-transition", $"Only an {stage} lead can be {verb}; this one is in {s}."),
            _ => null,
        };
    }
}
