using System.Text.RegularExpressions;
using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

/// <summary>A request to move a lead: <c>{"to":"SAL","reason":"…","note":"…"}</c>.</summary>
/// <remarks>A move to SQL goes through the qualification gate; <c>justification</c> overrides a failed evaluation (recorded as an exception).</remarks>
public sealed record TransitionRequest(LeadStage? To, string? Reason = null, string? Note = null, DateTime? WakeAt = null, string? Justification = null);

/// <summary>
/// Moves a lead along the stage machine, or undoes its latest move, with optimistic concurrency: of two people
/// moving the same lead at once, one succeeds and the other gets a conflict, never a lost update.
/// </summary>
public sealed partial class TransitionLead(HandoffDb db, TimeProvider clock, LeadAutomations automations, Qualification.SqlGate sqlGate)
{
    public async Task<Result<LeadView>> HandleAsync(Guid id, TransitionRequest request, int? expectedVersion, Actor actor, CancellationToken ct)
    {
        // Without it the move would be to the first stage, New: a junk lead restored by an empty body.
        if (request.To is not { } to)
        {
            return ValidationError.For("to", $"is required: one of {string.Join(", ", Enum.GetNames<LeadStage>())}");
        }

        if (StageRules.IsSetByPipelineOnly(to))
        {
            return new ConflictError(
                "pipeline-controlled",
                $"{to} is set by the pipeline (conversion to an opportunity and its outcome), not by a transition.");
        }

        var reason = request.Reason?.Trim().ToLowerInvariant();
        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        var errors = new FieldErrors();
        if (note is { Length: > 4000 })
        {
            errors.Add("note", "must be at most 4000 characters");
        }

        if (reason is { Length: 0 })
        {
            reason = null;
        }

        if (reason is not null)
        {
            var catalogue = await db.ReasonCodes.AsNoTracking()
                .Where(r => r.Stage == to && r.IsActive).Select(r => r.Code).ToListAsync(ct);
            if (catalogue.Count > 0 && !catalogue.Contains(reason))
            {
                errors.Add("reason", $"'{reason}' is not a reason code for {to}; use one of: {string.Join(", ", catalogue)}");
            }
            else if (catalogue.Count == 0 && !CodePattern().IsMatch(reason))
            {
                errors.Add("reason", "must be a code of lower-case letters, digits and dashes, at most 50 characters");
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var loaded = await LeadChanges.LoadAsync(db, id, expectedVersion, ct);
        if (loaded.Error is { } notLoaded)
        {
            return notLoaded;
        }

        var lead = loaded.Value!;
        if (!StageRules.IsOpen(lead.Stage) && StageRules.IsOpen(to) && lead.EmailKey is { } key)
        {
            var other = await db.Leads.Where(l => l.Id != lead.Id && l.EmailKey == key && StageRules.OpenStages.Contains(l.Stage))
                .Select(l => (Guid?)l.Id).FirstOrDefaultAsync(ct);
            if (other is { } openId)
            {
                return new ConflictError(
                    "duplicate-open-lead",
                    $"Lead {openId} is already open for {lead.Email}; merge the two instead of reopening this one.");
            }
        }

        var wakeAt = request.WakeAt?.ToUniversalTime();
        var now = clock.GetUtcNow().UtcDateTime;
        Qualification.SqlVerdict? verdict = null;
        if (to == LeadStage.SQL && StageRules.CanMove(lead.Stage, LeadStage.SQL))
        {
            var judged = await sqlGate.JudgeAsync(lead, request.Justification, now, ct);
            if (judged.Error is { } refused)
            {
                return refused;
            }

            verdict = judged.Value!;
        }
        else if (request.Justification is not null)
        {
            return ValidationError.For("justification", "applies only to a move to SQL");
        }

        var restoring = lead.Stage == LeadStage.Junk && StageRules.IsOpen(to);
        var moved = lead.MoveTo(to, actor, now, reason, note, wakeAt, verdict?.Evidence);
        if (moved.Error is { } error)
        {
            return error;
        }

        if (verdict is not null)
        {
            sqlGate.Record(lead, moved.Value!, verdict, actor);
        }

        return await SaveAsync(lead, moved.Value!, actor, ct, restoring ? await JoinTouchesAsync(lead, now, ct) : null);
    }

    /// <summary>
    /// A lead restored from Junk is a person again: it takes what a capture of a real person takes and junk never
    /// does (<see cref="Capture.CaptureLead"/>): its visitor ids, and the anonymous touches of those visitors and of
    /// its email (the latest <see cref="Capture.CaptureLead.MaxJoinedTouches"/>).
    /// </summary>
    private async Task<List<Activities.Activity>> JoinTouchesAsync(Lead lead, DateTime now, CancellationToken ct)
    {
        var visitors = await db.Activities.Where(a => a.LeadId == lead.Id && a.VisitorId != null).Select(a => a.VisitorId!).Distinct().ToListAsync(ct);
        var linked = visitors.Count == 0 ? [] : await db.VisitorLinks.Where(v => visitors.Contains(v.VisitorId)).Select(v => v.VisitorId).ToListAsync(ct);
        var free = visitors.Except(linked, StringComparer.Ordinal).ToList();
        foreach (var visitor in free)
        {
            db.VisitorLinks.Add(Activities.VisitorLink.Create(visitor, lead.Id, now));
        }

        var key = lead.EmailKey;
        if (free.Count == 0 && key is null)
        {
            return [];
        }

        var touches = await db.Activities
            .Where(a => a.LeadId == null && ((a.VisitorId != null && free.Contains(a.VisitorId)) || (key != null && a.EmailKey == key)))
            .OrderByDescending(a => a.OccurredAt)
            .Take(Capture.CaptureLead.MaxJoinedTouches)
            .ToListAsync(ct);
        foreach (var touch in touches)
        {
            touch.JoinLead(lead.Id);
        }

        return touches;
    }

    /// <summary>Reverses the lead's latest move that has not been undone yet, with a compensating change.</summary>
    public async Task<Result<LeadView>> UndoAsync(Guid id, string? note, int? expectedVersion, Actor actor, CancellationToken ct)
    {
        var loaded = await LeadChanges.LoadAsync(db, id, expectedVersion, ct);
        if (loaded.Error is { } notLoaded)
        {
            return notLoaded;
        }

        var lead = loaded.Value!;
        var undone = db.StageChanges.Where(c => c.LeadId == id && c.UndoOf != null).Select(c => c.UndoOf);
        var latest = await db.StageChanges
            .Where(c => c.LeadId == id && c.From != null && c.UndoOf == null && !undone.Contains(c.Id))
            .OrderByDescending(c => c.Sequence)
            .FirstOrDefaultAsync(ct);
        if (latest is null)
        {
            return new ConflictError("nothing-to-undo", "The lead has no move left to undo.");
        }

        var trimmed = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (trimmed is { Length: > 4000 })
        {
            return ValidationError.For("note", "must be at most 4000 characters");
        }

        var reversed = lead.Undo(latest, actor, clock.GetUtcNow().UtcDateTime, trimmed);
        if (reversed.Error is { } error)
        {
            return error;
        }

        return await SaveAsync(lead, reversed.Value!, actor, ct);
    }

    private async Task<Result<LeadView>> SaveAsync(Lead lead, StageChange change, Actor actor, CancellationToken ct, IReadOnlyList<Activities.Activity>? joined = null)
    {
        await automations.MovedAsync(db, lead, change, actor, ct, joined);
        return await LeadChanges.SaveAsync(db, ct) is { } conflict ? conflict : LeadView.From(lead);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,49}$")]
    private static partial Regex CodePattern();
}
