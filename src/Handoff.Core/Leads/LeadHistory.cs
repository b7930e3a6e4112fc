using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

/// <summary>One entry of a lead's history: a stage move or another recorded change.</summary>
public sealed record HistoryEntry(
    Guid LeadId,
    int Sequence,
    string Kind,
    DateTime At,
    HistoryActor Actor,
    LeadStage? From,
    LeadStage? To,
    string? Reason,
    string? Note,
    JsonElement? Evidence,
    int? DefinitionVersion,
    DateTime? WakeAt,
    Guid? UndoOf,
    JsonElement? Changes);

public sealed record HistoryActor(ActorKind Kind, string Id, string Name);

/// <summary>The whole, append-only history of a lead in the order it happened.</summary>
public sealed class LeadHistory(HandoffDb db)
{
    public async Task<Result<IReadOnlyList<HistoryEntry>>> HandleAsync(Guid id, CancellationToken ct)
    {
        if (!await db.Leads.AnyAsync(l => l.Id == id, ct))
        {
            return LeadErrors.NotFound(id);
        }

        // A lead's history includes the history of every lead merged into it (and into those, and so on).
        var ids = new List<Guid> { id };
        for (var level = ids; level.Count > 0 && ids.Count < 1000;)
        {
            var current = level;
            level = await db.Leads.Where(l => l.MergedIntoId != null && current.Contains(l.MergedIntoId.Value)).Select(l => l.Id).ToListAsync(ct);
            ids.AddRange(level);
        }

        var moves = await db.StageChanges.AsNoTracking().Where(c => ids.Contains(c.LeadId)).ToListAsync(ct);
        var audits = await db.AuditEntries.AsNoTracking().Where(a => ids.Contains(a.LeadId)).ToListAsync(ct);
        var reassignments = await db.Assignments.AsNoTracking().Where(a => ids.Contains(a.LeadId) && a.Sequence != null).ToListAsync(ct);
        var entries = moves
            .Select(c => new HistoryEntry(
                c.LeadId,
                c.Sequence,
                c.From is null ? "created" : c.UndoOf is null ? "stage-changed" : "undone",
                c.At,
                new HistoryActor(c.ActorKind, c.ActorId, c.ActorName),
                c.From,
                c.To,
                c.Reason,
                c.Note,
                Parse(c.Evidence),
                c.DefinitionVersion,
                c.WakeAt,
                c.UndoOf,
                null))
            .Concat(audits.Select(a => new HistoryEntry(
                a.LeadId,
                a.Sequence,
                a.Action,
                a.At,
                new HistoryActor(a.ActorKind, a.ActorId, a.ActorName),
                null,
                null,
                null,
                a.Note,
                null,
                null,
                null,
                null,
                Parse(a.Changes))))
            .Concat(reassignments.Select(a => new HistoryEntry(
                a.LeadId,
                a.Sequence!.Value,
                AuditActions.OwnerChanged,
                a.At,
                new HistoryActor(a.ActorKind, a.ActorId, a.ActorName),
                null,
                null,
                null,
                a.Note,
                null,
                null,
                null,
                null,
                Parse(a.Changes))))
            .OrderBy(e => e.At).ThenBy(e => e.LeadId != id).ThenBy(e => e.Sequence)
            .ToList();
        return entries;
    }

    private static JsonElement? Parse(string? json) =>
        json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
