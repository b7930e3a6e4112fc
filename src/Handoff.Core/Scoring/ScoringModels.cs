using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Scoring;

/// <summary>A scoring model version as the API shows it.</summary>
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
    ScoringDocument? Document)
{
    public static ScoringModelView From(ScoringModel m, bool withDocument = true) => new(
        m.Id, m.Version, m.Name, m.Status, m.BasedOnVersion, m.CreatedAt, m.UpdatedAt, m.ActivatedAt, m.RetiredAt, m.ActivatedBy,
        withDocument ? m.Read() : null);
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

    public async Task<Result<EditedModel>> EditAsync(Guid id, ScoringDocument? doc, CancellationToken ct)
    {
        var model = await db.ScoringModels.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null)
        {
            return NotFound(id);
        }

        if (ScoringRules.Validate(doc).Error is { } invalid)
        {
            return invalid;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (model.Status == ScoringModelStatus.Draft)
        {
            model.Edit(doc!, now);
            return await SaveAsync(ct) is { } conflict ? conflict : new EditedModel(ScoringModelView.From(model), false);
        }

        var draft = ScoringModel.Draft(await NextVersionAsync(ct), doc!, now, basedOn: model.Version);
        db.ScoringModels.Add(draft);
        return await SaveAsync(ct) is { } clash ? clash : new EditedModel(ScoringModelView.From(draft), true);
    }

    public async Task<Result<Activation>> ActivateAsync(Guid id, Actor actor, CancellationToken ct)
    {
        var model = await db.ScoringModels.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null)
        {
            return NotFound(id);
        }

        if (model.Status == ScoringModelStatus.Active)
        {
            return new ConflictError("already-active", $"Version {model.Version} is already the active scoring model.");
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
    }

    private static NotFoundError NotFound(Guid id) => new($"No scoring model with id {id}.");
}
