using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Common;
using Handoff.Data;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>A new draft: <c>{"name":"FY27 contract","document":{...}}</c>.</summary>
public sealed record DraftDefinitionRequest(string Name, DefinitionDocument Document);

/// <summary>A signature: <c>{"userId":"…","comment":"Marketing agrees"}</c>.</summary>
public sealed record SignOffRequest(Guid UserId, string Comment);

/// <summary>Activation, now or from a later date: <c>{"activeFrom":"2027-01-01T00:00:00Z"}</c>.</summary>
public sealed record ActivateRequest(DateTime? ActiveFrom = null);

/// <summary>A review by one of the approvers: <c>{"userId":"…","comment":"still right"}</c>.</summary>
public sealed record ReviewRequest(Guid UserId, string Comment);

public sealed record SignOffView(Guid UserId, string UserName, Role Role, ApprovalSide Side, string Comment, DateTime At);

/// <summary>Whether the review date is far (<c>ok</c>), within two weeks (<c>due</c>) or past (<c>overdue</c>).</summary>
public sealed record DefinitionView(
    int Version,
    string Name,
    DefinitionState State,
    DateTime CreatedAt,
    string CreatedBy,
    DateTime? ActiveFrom,
    DateTime? ActivatedAt,
    DateTime? ReviewDueAt,
    string? ReviewStatus,
    IReadOnlyList<SignOffView> SignOffs,
    IReadOnlyList<ApprovalSide> MissingSignOffs,
    JsonElement Document);

/// <summary>One difference between two versions: the JSON path and the value on each side (absent = null).</summary>
public sealed record DefinitionDifference(string Path, JsonNode? From, JsonNode? To);

public sealed record DefinitionDiff(int From, int To, IReadOnlyList<DefinitionDifference> Changes);

/// <summary>Drafts, signs, activates, reviews, lists and compares qualification definition versions.</summary>
public sealed class Definitions(HandoffDb db, TimeProvider clock, ActiveDefinitions active)
{
    private static readonly TimeSpan ReviewWarning = TimeSpan.FromDays(14);

    public async Task<Result<DefinitionView>> DraftAsync(DraftDefinitionRequest request, Actor actor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors.Add("name", "is required, at most 200 characters");
        }

        if (request.Document is null)
        {
            errors.Add("document", "is required");
            return errors.ToError();
        }

        request.Document.Validate(errors);
        await CheckSlaPoliciesAsync(request.Document, errors, ct);
        if (errors.Any)
        {
            return errors.ToError();
        }

        var version = (await db.QualificationDefinitions.MaxAsync(d => (int?)d.Version, ct) ?? 0) + 1;
        var json = JsonSerializer.Serialize(request.Document, QualificationJson.Options);
        var definition = QualificationDefinition.Draft(version, request.Name, json, actor.Name, Now);
        db.QualificationDefinitions.Add(definition);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return new ConflictError("concurrent-draft", "Another draft took this version number at the same moment. Try again.");
        }

        return View(definition, [], Now);
    }

    /// <summary>The SLA policies a definition names must exist, or no clock would ever start under it.</summary>
    private async Task CheckSlaPoliciesAsync(DefinitionDocument document, FieldErrors errors, CancellationToken ct)
    {
        if (document.SlaPolicies.Count == 0)
        {
            return;
        }

        var known = (await db.SlaPolicies.AsNoTracking().Where(p => p.IsCurrent).Select(p => p.Key).ToListAsync(ct)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < document.SlaPolicies.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(document.SlaPolicies[i]) && !known.Contains(document.SlaPolicies[i]))
            {
                errors.Add($"document.slaPolicies[{i}]", $"no SLA policy has the key '{document.SlaPolicies[i]}' (GET /api/sla/policies lists them)");
            }
        }
    }

    public async Task<IReadOnlyList<DefinitionView>> ListAsync(CancellationToken ct)
    {
        var definitions = await db.QualificationDefinitions.AsNoTracking().OrderByDescending(d => d.Version).ToListAsync(ct);
        var signOffs = await db.DefinitionSignOffs.AsNoTracking().ToListAsync(ct);
        var now = Now;
        var activeVersion = ActiveVersion(definitions, now);
        return definitions.Select(d => View(d, signOffs.Where(s => s.DefinitionId == d.Id).ToList(), now, activeVersion)).ToList();
    }

    public async Task<Result<DefinitionView>> GetAsync(int version, CancellationToken ct)
    {
        var all = await ListAsync(ct);
        return all.FirstOrDefault(d => d.Version == version) is { } view ? view : NotFound(version);
    }

    /// <summary>The definition in force now, or 404 when none has been activated.</summary>
    public async Task<Result<DefinitionView>> ActiveAsync(CancellationToken ct)
    {
        var all = await ListAsync(ct);
        return all.FirstOrDefault(d => d.State == DefinitionState.Active) is { } view
            ? view
            : new NotFoundError("No qualification definition is active yet: draft one, have it signed by marketing and sales, and activate it.");
    }

    public async Task<Result<DefinitionView>> SignAsync(int version, SignOffRequest request, CancellationToken ct)
    {
        var comment = request.Comment?.Trim();
        if (string.IsNullOrEmpty(comment) || comment.Length > 2000)
        {
            return ValidationError.For("comment", "is required (what the approver agrees to), at most 2000 characters");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == request.UserId && u.IsActive, ct);
        if (user is null)
        {
            return ValidationError.For("userId", $"no active user with id {request.UserId}");
        }

        if (DefinitionSignOff.SideOf(user.Role) is not { } side)
        {
            return ValidationError.For("userId", $"{user.Name} is an {user.Role}: only marketing users sign for marketing, and SDRs, AEs and managers for sales");
        }

        var definition = await db.QualificationDefinitions.FirstOrDefaultAsync(d => d.Version == version, ct);
        if (definition is null)
        {
            return NotFound(version);
        }

        if (!definition.IsDraft)
        {
            return new ConflictError("not-a-draft", $"Version {version} is activated already; sign-offs go on drafts.");
        }

        if (await db.DefinitionSignOffs.AnyAsync(s => s.DefinitionId == definition.Id && s.UserId == user.Id, ct))
        {
            return new ConflictError("already-signed", $"{user.Name} has signed version {version} already.");
        }

        db.DefinitionSignOffs.Add(DefinitionSignOff.Record(definition.Id, user, side, comment, Now));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return new ConflictError("already-signed", $"{user.Name} has signed version {version} already.");
        }

        return await GetAsync(version, ct);
    }

    public async Task<Result<DefinitionView>> ActivateAsync(int version, ActivateRequest request, Actor actor, CancellationToken ct)
    {
        var now = Now;
        var from = request.ActiveFrom?.ToUniversalTime() ?? now;
        if (from < now.AddMinutes(-1))
        {
            return ValidationError.For("activeFrom", "cannot be in the past; leave it out to activate now");
        }

        var definition = await db.QualificationDefinitions.FirstOrDefaultAsync(d => d.Version == version, ct);
        if (definition is null)
        {
            return NotFound(version);
        }

        if (!definition.IsDraft)
        {
            return new ConflictError("already-activated", $"Version {version} is activated already (from {definition.ActiveFrom:O}).");
        }

        // Checked again as it goes into force: a draft saved before a check existed is refused with every problem
        // named, rather than activated with rules that silently never hold. Nothing is written.
        var document = JsonSerializer.Deserialize<DefinitionDocument>(definition.Document, QualificationJson.Options)!;
        var errors = new FieldErrors();
        if (document.Validate(errors) is null)
        {
            return errors.ToError();
        }

        var sides = await db.DefinitionSignOffs.Where(s => s.DefinitionId == definition.Id).Select(s => s.Side).Distinct().ToListAsync(ct);
        var missing = Enum.GetValues<ApprovalSide>().Except(sides).ToList();
        if (missing.Count > 0)
        {
            return new ConflictError(
                "sign-off-missing",
                $"Version {version} needs a sign-off from {string.Join(" and ", missing.Select(m => m.ToString().ToLowerInvariant()))} before it can be activated.");
        }

        definition.Activate(from < now ? now : from, document.ReviewEveryDays, actor.Name, now);
        await db.SaveChangesAsync(ct);
        active.Invalidate();
        return await GetAsync(version, ct);
    }

    public async Task<Result<DefinitionView>> ReviewAsync(int version, ReviewRequest request, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == request.UserId && u.IsActive, ct);
        if (user is null || DefinitionSignOff.SideOf(user.Role) is null)
        {
            return ValidationError.For("userId", "must be an active marketing or sales user");
        }

        if (string.IsNullOrWhiteSpace(request.Comment) || request.Comment.Length > 2000)
        {
            return ValidationError.For("comment", "is required, at most 2000 characters");
        }

        var definition = await db.QualificationDefinitions.FirstOrDefaultAsync(d => d.Version == version, ct);
        if (definition is null)
        {
            return NotFound(version);
        }

        if (definition.IsDraft)
        {
            return new ConflictError("not-activated", $"Version {version} is a draft; only activated versions are reviewed.");
        }

        var document = JsonSerializer.Deserialize<DefinitionDocument>(definition.Document, QualificationJson.Options)!;
        definition.Reviewed(Now, document.ReviewEveryDays);
        await db.SaveChangesAsync(ct);
        return await GetAsync(version, ct);
    }

    /// <summary>Every difference between the documents (and names) of two versions.</summary>
    public async Task<Result<DefinitionDiff>> DiffAsync(int from, int to, CancellationToken ct)
    {
        var rows = await db.QualificationDefinitions.AsNoTracking().Where(d => d.Version == from || d.Version == to).ToListAsync(ct);
        var a = rows.FirstOrDefault(d => d.Version == from);
        var b = rows.FirstOrDefault(d => d.Version == to);
        if (a is null || b is null)
        {
            return NotFound(a is null ? from : to);
        }

        var changes = new List<DefinitionDifference>();
        if (a.Name != b.Name)
        {
            changes.Add(new DefinitionDifference("name", JsonValue.Create(a.Name), JsonValue.Create(b.Name)));
        }

        Compare("document", JsonNode.Parse(a.Document), JsonNode.Parse(b.Document), changes);
        return new DefinitionDiff(from, to, changes);
    }

    private static void Compare(string path, JsonNode? a, JsonNode? b, List<DefinitionDifference> changes)
    {
        if (JsonNode.DeepEquals(a, b))
        {
            return;
        }

        if (a is JsonObject oa && b is JsonObject ob)
        {
            foreach (var key in oa.Select(p => p.Key).Union(ob.Select(p => p.Key)))
            {
                Compare($"{path}.{key}", oa[key], ob[key], changes);
            }

            return;
        }

        if (a is JsonArray aa && b is JsonArray ab && aa.Count == ab.Count)
        {
            for (var i = 0; i < aa.Count; i++)
            {
                Compare($"{path}[{i}]", aa[i], ab[i], changes);
            }

            return;
        }

        changes.Add(new DefinitionDifference(path, a?.DeepClone(), b?.DeepClone()));
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static NotFoundError NotFound(int version) => new($"No qualification definition version {version}.");

    private static int? ActiveVersion(IEnumerable<QualificationDefinition> definitions, DateTime now) =>
        definitions.Where(d => d.ActiveFrom <= now).OrderBy(d => d.ActiveFrom).ThenBy(d => d.Version).LastOrDefault()?.Version;

    private static DefinitionView View(QualificationDefinition d, IReadOnlyList<DefinitionSignOff> signOffs, DateTime now, int? activeVersion = null)
    {
        var state = d.ActiveFrom switch
        {
            null => DefinitionState.Draft,
            { } f when f > now => DefinitionState.Scheduled,
            _ => d.Version == activeVersion ? DefinitionState.Active : DefinitionState.Superseded,
        };
        string? review = state != DefinitionState.Active || d.ReviewDueAt is not { } due
            ? null
            : due < now ? "overdue" : due - now <= ReviewWarning ? "due" : "ok";
        var signed = signOffs.Select(s => s.Side).ToHashSet();
        return new DefinitionView(
            d.Version,
            d.Name,
            state,
            d.CreatedAt,
            d.CreatedBy,
            d.ActiveFrom,
            d.ActivatedAt,
            d.ReviewDueAt,
            review,
            signOffs.OrderBy(s => s.At).Select(s => new SignOffView(s.UserId, s.UserName, s.Role, s.Side, s.Comment, s.At)).ToList(),
            Enum.GetValues<ApprovalSide>().Where(s => !signed.Contains(s)).ToList(),
            JsonDocument.Parse(d.Document).RootElement.Clone());
    }
}
