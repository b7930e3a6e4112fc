using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

public sealed record ExceptionView(Guid Id, Guid LeadId, string? LeadName, string? Company, Guid StageChangeId, int DefinitionVersion, string Justification, IReadOnlyList<string> Failed, HistoryActorView By, DateTime At);

public sealed record HistoryActorView(ActorKind Kind, string Id, string Name);

/// <summary>SQL designations made by override, newest first, for the two sides to review.</summary>
public sealed class QualificationExceptions(HandoffDb db)
{
    public async Task<IReadOnlyList<ExceptionView>> ListAsync(int limit, CancellationToken ct)
    {
        var rows = await db.QualificationExceptions.AsNoTracking()
            .OrderByDescending(e => e.At).Take(Math.Clamp(limit, 1, 1000))
            .Join(db.Leads, e => e.LeadId, l => l.Id, (e, l) => new { e, l.FirstName, l.LastName, l.Company })
            .ToListAsync(ct);
        return rows.Select(r => new ExceptionView(
            r.e.Id,
            r.e.LeadId,
            string.Join(' ', new[] { r.FirstName, r.LastName }.Where(n => n is not null)),
            r.Company,
            r.e.StageChangeId,
            r.e.DefinitionVersion,
            r.e.Justification,
            JsonSerializer.Deserialize<List<string>>(r.e.Failed, QualificationJson.Options) ?? [],
            new HistoryActorView(r.e.ActorKind, r.e.ActorId, r.e.ActorName),
            r.e.At)).OrderByDescending(e => e.At).ToList();
    }
}
