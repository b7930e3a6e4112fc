using System.Text.RegularExpressions;
using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

public sealed record ReasonCodeView(LeadStage Stage, string Code, string Label, bool IsActive);

/// <summary>Adds, relabels or retires a reason code: <c>{"stage":"Disqualified","code":"too-small","label":"…"}</c>.</summary>
public sealed record ReasonCodeRequest(LeadStage Stage, string Code, string Label, bool IsActive = true);

/// <summary>The configurable catalogue of reason codes.</summary>
public sealed partial class ReasonCatalogue(HandoffDb db)
{
    public async Task<IReadOnlyList<ReasonCodeView>> ListAsync(CancellationToken ct) =>
        await db.ReasonCodes.AsNoTracking()
            .OrderBy(r => r.Stage).ThenBy(r => r.Code)
            .Select(r => new ReasonCodeView(r.Stage, r.Code, r.Label, r.IsActive))
            .ToListAsync(ct);

    public async Task<Result<ReasonCodeView>> SaveAsync(ReasonCodeRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var code = request.Code?.Trim().ToLowerInvariant() ?? "";
        if (!CodePattern().IsMatch(code))
        {
            errors.Add("code", "must be lower-case letters, digits and dashes, 1 to 50 characters");
        }

        if (string.IsNullOrWhiteSpace(request.Label) || request.Label.Trim().Length > 200)
        {
            errors.Add("label", "is required, at most 200 characters");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var existing = await db.ReasonCodes.FirstOrDefaultAsync(r => r.Stage == request.Stage && r.Code == code, ct);
        if (existing is null)
        {
            existing = ReasonCode.Create(request.Stage, code, request.Label);
            db.ReasonCodes.Add(existing);
        }
        else
        {
            existing.Relabel(request.Label);
        }

        existing.SetActive(request.IsActive);
        await db.SaveChangesAsync(ct);
        return new ReasonCodeView(existing.Stage, existing.Code, existing.Label, existing.IsActive);
    }

    /// <summary>
    /// Adds the <paramref name="codes"/> of <paramref name="stage"/> that the catalogue lacks (labelled with the code
    /// and <paramref name="origin"/>), so that codes a data file brings (a keyword class of <c>keywords.json</c>) are in
    /// the catalogue that lists, filters and reports read. Returns the codes added, and those present but retired.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Added, IReadOnlyList<string> Retired)> AddMissingAsync(
        HandoffDb db, LeadStage stage, IEnumerable<string> codes, string origin, CancellationToken ct = default)
    {
        var known = await db.ReasonCodes.Where(r => r.Stage == stage).ToDictionaryAsync(r => r.Code, r => r.IsActive, StringComparer.Ordinal, ct);
        var added = new List<string>();
        foreach (var code in codes.Distinct(StringComparer.Ordinal).Where(c => !known.ContainsKey(c)))
        {
            db.ReasonCodes.Add(ReasonCode.Create(stage, code, $"{code} ({origin})"));
            added.Add(code);
        }

        await db.SaveChangesAsync(ct);
        return (added, codes.Where(c => known.TryGetValue(c, out var active) && !active).Distinct(StringComparer.Ordinal).ToList());
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,49}$")]
    private static partial Regex CodePattern();
}
