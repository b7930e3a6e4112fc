using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

/// <summary>Filters for the lead list; every one optional.</summary>
public sealed record LeadFilter
{
    public IReadOnlyList<LeadStage> Stages { get; init; } = [];
    public Guid? OwnerId { get; init; }
    public string? Source { get; init; }

    /// <summary>Reason codes of the lead's current stage (a junk review by reason: <c>stage=Junk&amp;reason=vendor</c>).</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public DateTime? CreatedFrom { get; init; }
    public DateTime? CreatedTo { get; init; }

    /// <summary>Fit grades (A–D) of which the lead has one.</summary>
    public IReadOnlyList<string> FitGrades { get; init; } = [];

    /// <summary>Stored scores at least this high (as of the lead's last scoring: engagement decays after it).</summary>
    public int? MinFitScore { get; init; }
    public int? MinEngagementScore { get; init; }
    public int? MinIntentScore { get; init; }

    /// <summary>Free text matched against name, email and company.</summary>
    public string? Text { get; init; }
    /// <summary>Newest first (by capture time), or highest score first (ties newest first).</summary>
    public LeadSort Sort { get; init; } = LeadSort.Newest;
    public string? Cursor { get; init; }
    public int Limit { get; init; } = DefaultLimit;

    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}

/// <summary>The order of a lead list.</summary>
public enum LeadSort
{
    Newest,
    FitScore,
    EngagementScore,
    IntentScore,
}

/// <summary>Lists leads newest first (by capture time) with keyset pagination: page 10,000 costs what page 1 costs.</summary>
public sealed class ListLeads(HandoffDb db)
{
    public async Task<Result<Page<LeadView>>> HandleAsync(LeadFilter filter, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (filter.Limit is < 1 or > LeadFilter.MaxLimit)
        {
            errors.Add("limit", $"must be between 1 and {LeadFilter.MaxLimit}");
        }

        CursorPosition after = default;
        if (filter.Cursor is not null && (!Common.Cursor.TryDecode(filter.Cursor, out after) || (after.Score is null) != (filter.Sort == LeadSort.Newest)))
        {
            errors.Add("cursor", "is not a cursor returned by this list in this order");
        }

        if (filter.Text is { Length: > 200 })
        {
            errors.Add("q", "must be at most 200 characters");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var query = db.Leads.AsNoTracking();
        if (filter.Stages.Count > 0)
        {
            var stages = filter.Stages;
            query = query.Where(l => stages.Contains(l.Stage));
        }

        if (filter.OwnerId is { } owner)
        {
            query = query.Where(l => l.OwnerId == owner);
        }

        if (filter.Source is { } source)
        {
            query = query.Where(l => l.Source == source);
        }

        if (filter.Reasons.Count > 0)
        {
            var reasons = filter.Reasons;
            query = query.Where(l => l.StageReason != null && reasons.Contains(l.StageReason));
        }

        if (filter.CreatedFrom is { } from)
        {
            query = query.Where(l => l.CreatedAt >= from);
        }

        if (filter.CreatedTo is { } to)
        {
            query = query.Where(l => l.CreatedAt < to);
        }

        if (filter.FitGrades.Count > 0)
        {
            var grades = filter.FitGrades;
            query = query.Where(l => l.FitGrade != null && grades.Contains(l.FitGrade));
        }

        if (filter.MinFitScore is { } minFit)
        {
            query = query.Where(l => l.FitScore >= minFit);
        }

        if (filter.MinEngagementScore is { } minEngagement)
        {
            query = query.Where(l => l.EngagementScore >= minEngagement);
        }

        if (filter.MinIntentScore is { } minIntent)
        {
            query = query.Where(l => l.IntentScore >= minIntent);
        }

        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var pattern = "%" + EscapeLike(filter.Text.Trim().ToLowerInvariant()) + "%";
            query = query.Where(l => EF.Functions.Like(l.SearchText, pattern, "\\"));
        }

        // Keyset pagination: after the last item's (score,) time and id, in the same order.
        var (at, id, score) = (after.At, after.Id, after.Score ?? 0);
        var cursor = filter.Cursor is not null;
        var ordered = filter.Sort switch
        {
            LeadSort.FitScore => (cursor ? query.Where(l => l.FitScore < score || (l.FitScore == score && (l.CreatedAt < at || (l.CreatedAt == at && l.Id.CompareTo(id) < 0)))) : query)
                .OrderByDescending(l => l.FitScore),
            LeadSort.EngagementScore => (cursor ? query.Where(l => l.EngagementScore < score || (l.EngagementScore == score && (l.CreatedAt < at || (l.CreatedAt == at && l.Id.CompareTo(id) < 0)))) : query)
                .OrderByDescending(l => l.EngagementScore),
            LeadSort.IntentScore => (cursor ? query.Where(l => l.IntentScore < score || (l.IntentScore == score && (l.CreatedAt < at || (l.CreatedAt == at && l.Id.CompareTo(id) < 0)))) : query)
                .OrderByDescending(l => l.IntentScore),
            _ => (cursor ? query.Where(l => l.CreatedAt < at || (l.CreatedAt == at && l.Id.CompareTo(id) < 0)) : query)
                .OrderByDescending(l => l.CreatedAt),
        };

        var rows = await (filter.Sort == LeadSort.Newest ? ordered.ThenByDescending(l => l.Id) : ordered.ThenByDescending(l => l.CreatedAt).ThenByDescending(l => l.Id))
            .Take(filter.Limit + 1).ToListAsync(ct);
        var items = rows.Take(filter.Limit).Select(LeadView.From).ToList();
        var next = rows.Count > filter.Limit ? Common.Cursor.Encode(items[^1].CreatedAt, items[^1].Id, ScoreOf(items[^1], filter.Sort)) : null;
        return new Page<LeadView>(items, next);
    }

    private static int? ScoreOf(LeadView lead, LeadSort sort) => sort switch
    {
        LeadSort.FitScore => lead.FitScore,
        LeadSort.EngagementScore => lead.EngagementScore,
        LeadSort.IntentScore => lead.IntentScore,
        _ => null,
    };

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
