using System.Text.Json.Serialization;
using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Scoring;

/// <summary>A scoring model version as the API shows it; <see cref="Revision"/> travels as its <c>ETag</c>.</summary>
public sealed record ScoringModelView(
    Guid Id,
    int Version,
    string Name,
    ScoringModelStatus Status,
    int? BasedOnVersion,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? ActivatedAt,
    DateTime? RetiredAt,
    string? ActivatedBy,
    ScoringDocument? Document,
    [property: JsonIgnore] string Revision)
{
    public static ScoringModelView From(ScoringModel m, bool withDocument = true) => new(
        m.Id, m.Version, m.Name, m.Status, m.BasedOnVersion, m.CreatedAt, m.UpdatedAt, m.ActivatedAt, m.RetiredAt, m.ActivatedBy,
        withDocument ? m.Read() : null, m.Revision);
}

/// <summary>The outcome of an edit: the draft, and whether it is a new version (an edit of an active or retired one).</summary>
public sealed record EditedModel(ScoringModelView Model, bool NewVersion);

/// <summary>An activation: the model now active and the rescore job that brings every lead to it.</summary>
public sealed record Activation(ScoringModelView Model, Guid RescoreJobId, string RescoreUrl);

/// <summary>
/// Scoring model versions: list, read, create a draft, edit (a draft in place; an active or retired version into a
/// new draft), and activate (retire the active one, queue the rescore of every lead).
/// </summary>
public sealed class ScoringModels(HandoffDb db, TimeProvider clock, ScoringModelCache cache)
{
    public async Task<IReadOnlyList<ScoringModelView>> ListAsync(CancellationToken ct) =>
        (await db.ScoringModels.AsNoTracking().OrderByDescending(m => m.Version).ToListAsync(ct))
            .Select(m => ScoringModelView.From(m, withDocument: false)).ToList();

    public async Task<Result<ScoringModelView>> GetAsync(Guid id, CancellationToken ct) =>
        await db.ScoringModels.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) is { } m
            ? ScoringModelView.From(m)
            : NotFound(id);

    public async Task<Result<ScoringModelView>> CreateAsync(ScoringDocument? doc, CancellationToken ct)
    {
        if (ScoringRules.Validate(doc).Error is { } invalid)
        {
            return invalid;
        }

        var model = ScoringModel.Draft(await NextVersionAsync(ct), doc!, clock.GetUtcNow().UtcDateTime, basedOn: null);
        db.ScoringModels.Add(model);
        return await SaveAsync(ct) is { } conflict ? conflict : ScoringModelView.From(model);
    }

    /// <summary>
    /// Edits a draft in place, or makes a new draft from an active or retired version. <paramref name="expectedRevision"/>
    /// (from <c>If-Match</c>) must still be the version's revision, or nothing is written. The draft is written only
    /// if it is still the draft that was read (status, document and last change are concurrency tokens): an edit that
    /// loses a race with the draft's activation becomes a new draft, as an edit of the active version does, and never
    /// changes the version that is now active.
    /// </summary>
    /// <param name="id">The version to edit.</param>
    /// <param name="doc">The new document.</param>
    /// <param name="expectedRevision">The revision the client read (its <c>ETag</c>), or null for "whatever it is now".</param>
    /// <param name="ct">Cancels the edit.</param>
    public async Task<Result<EditedModel>> EditAsync(Guid id, ScoringDocument? doc, string? expectedRevision, CancellationToken ct)
    {
        if (ScoringRules.Validate(doc).Error is { } invalid)
        {
            return await db.ScoringModels.AnyAsync(m => m.Id == id, ct) ? invalid : NotFound(id);
        }

        for (var attempt = 0; ; attempt++)
        {
            var model = await db.ScoringModels.FirstOrDefaultAsync(m => m.Id == id, ct);
            if (model is null)
            {
                return NotFound(id);
            }

            if (expectedRevision is not null && expectedRevision != model.Revision)
            {
                return Stale(model);
            }

            var now = clock.GetUtcNow().UtcDateTime;
            if (model.Status != ScoringModelStatus.Draft)
            {
                var draft = ScoringModel.Draft(await NextVersionAsync(ct), doc!, now, basedOn: model.Version);
                db.ScoringModels.Add(draft);
                return await SaveAsync(ct) is { } clash ? clash : new EditedModel(ScoringModelView.From(draft), true);
            }

            model.Edit(doc!, now);
            try
            {
                await db.SaveChangesAsync(ct);
                return new EditedModel(ScoringModelView.From(model), false);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 2)
            {
                // Activated, or edited by someone else, since it was read: read it again and decide again (a new draft
                // if it is active now; a stale If-Match if one was given).
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateConcurrencyException)
            {
                return ChangedMeanwhile;
            }
        }
    }

    /// <summary>
    /// Deletes a draft nobody activated (a version that was active or retired is history: it scored leads, and stays).
    /// Only while it is still that draft (the concurrency tokens): a draft activated meanwhile is a 409.
    /// </summary>
    /// <param name="id">The draft to delete.</param>
    /// <param name="expectedRevision">The revision the client read (its <c>ETag</c>), or null.</param>
    /// <param name="ct">Cancels the deletion.</param>
    public async Task<Result<bool>> DeleteDraftAsync(Guid id, string? expectedRevision, CancellationToken ct)
    {
        var model = await db.ScoringModels.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null)
        {
            return NotFound(id);
        }

        if (expectedRevision is not null && expectedRevision != model.Revision)
        {
            return Stale(model);
        }

        if (model.Status != ScoringModelStatus.Draft)
        {
            return new ConflictError("not-a-draft", $"Version {model.Version} is {model.Status}: only drafts can be deleted; active and retired versions are the scores' history.");
        }

        db.ScoringModels.Remove(model);
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return ChangedMeanwhile;
        }
    }

    /// <summary>
    /// Makes a version the active one: the active version retires and a rescore job is queued, in one transaction.
    /// The document is checked as a new draft is (<see cref="ScoringRules.Validate"/>): a draft saved before a check
    /// existed is refused (400) with every problem named. The version is activated only if its document is still the
    /// one read here (a concurrent edit of the draft makes this a 409), so the job rescores with exactly the document
    /// stored as active.
    /// </summary>
    /// <param name="id">The version to activate.</param>
    /// <param name="actor">Who activates it.</param>
    /// <param name="expectedRevision">The revision the client read (its <c>ETag</c>), or null.</param>
    /// <param name="ct">Cancels the activation.</param>
    public async Task<Result<Activation>> ActivateAsync(Guid id, Actor actor, string? expectedRevision, CancellationToken ct)
    {
        var model = await db.ScoringModels.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null)
        {
            return NotFound(id);
        }

        if (expectedRevision is not null && expectedRevision != model.Revision)
        {
            return Stale(model);
        }

        if (model.Status == ScoringModelStatus.Active)
        {
            return new ConflictError("already-active", $"Version {model.Version} is already the active scoring model.");
        }

        // Checked again as it goes into force: a draft saved before a check existed is refused with every problem
        // named, rather than activated with rules that silently never fire.
        if (ScoringRules.Validate(model.Read()).Error is { } invalid)
        {
            return invalid;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var current in await db.ScoringModels.Where(m => m.Status == ScoringModelStatus.Active).ToListAsync(ct))
        {
            current.Retire(now);
        }

        // Retire first, in its own statement: the unique index allows one active model at every moment.
        if (await SaveAsync(ct) is { } retireConflict)
        {
            return retireConflict;
        }

        model.Activate(actor, now);
        var job = RescoreJob.Queue(model.Version, now);
        db.RescoreJobs.Add(job);
        if (await SaveAsync(ct) is { } conflict)
        {
            return conflict;
        }

        await transaction.CommitAsync(ct);
        cache.ForgetActive();
        return new Activation(ScoringModelView.From(model, withDocument: false), job.Id, $"/api/scoring/rescores/{job.Id}");
    }

    public async Task<Result<RescoreJob>> RescoreAsync(Guid id, CancellationToken ct) =>
        await db.RescoreJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct) is { } job
            ? job
            : new NotFoundError($"No rescore job with id {id}.");

    private async Task<int> NextVersionAsync(CancellationToken ct) =>
        (await db.ScoringModels.MaxAsync(m => (int?)m.Version, ct) ?? 0) + 1;

    private async Task<Error?> SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return new ConflictError("concurrent-change", "Another scoring model change happened at the same moment; try again.");
        }
        catch (DbUpdateConcurrencyException)
        {
            return ChangedMeanwhile;
        }
    }

    private static readonly ConflictError ChangedMeanwhile = new(
        "concurrent-change",
        "The scoring model changed while this change was being made (edited or activated at the same moment); nothing was written. Reload it and try again.");

    private static PreconditionFailedError Stale(ScoringModel model) => new(
        "stale-version",
        $"Version {model.Version} ({model.Status}) has changed since you read it (If-Match does not match its ETag): reload it and try again.");

    private static NotFoundError NotFound(Guid id) => new($"No scoring model with id {id}.");
}
