using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>
/// The activated definitions, compiled once and kept in memory: every capture asks which one is active, and that
/// must not cost a query. The list is re-read when this node activates one, and at least every few seconds (on
/// real time) so that an activation on another node is seen soon. Which one is active is decided per call from
/// the business clock, so a scheduled version takes over exactly at its date.
/// </summary>
public sealed class ActiveDefinitions
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(long LoadedAt, IReadOnlyList<(DateTime From, CompiledDefinition Definition)> Activated);

    /// <summary>The definition in force at <paramref name="now"/>, or null when none has been activated yet.</summary>
    public async ValueTask<CompiledDefinition?> AtAsync(HandoffDb db, DateTime now, CancellationToken ct)
    {
        var snapshot = _snapshot;
        if (snapshot is null || Environment.TickCount64 - snapshot.LoadedAt > Refresh.TotalMilliseconds)
        {
            snapshot = await LoadAsync(db, snapshot, ct);
            _snapshot = snapshot;
        }

        CompiledDefinition? active = null;
        foreach (var (from, definition) in snapshot.Activated)
        {
            if (from <= now)
            {
                active = definition; // ordered by start, then version: the last one started wins
            }
        }

        return active;
    }

    /// <summary>Re-reads the list on the next call (after an activation on this node).</summary>
    public void Invalidate()
    {
        if (_snapshot is { } snapshot)
        {
            _snapshot = snapshot with { LoadedAt = long.MinValue / 2 };
        }
    }

    /// <summary>Re-reads which versions are activated and from when; a version already compiled is not read or compiled again.</summary>
    private static async Task<Snapshot> LoadAsync(HandoffDb db, Snapshot? previous, CancellationToken ct)
    {
        var known = previous?.Activated.ToDictionary(a => a.Definition.Version, a => a.Definition) ?? [];
        var rows = await db.QualificationDefinitions.AsNoTracking()
            .Where(d => d.ActiveFrom != null)
            .Select(d => new { d.Version, d.ActiveFrom })
            .ToListAsync(ct);
        var missing = rows.Select(r => r.Version).Where(v => !known.ContainsKey(v)).ToList();
        if (missing.Count > 0)
        {
            var documents = await db.QualificationDefinitions.AsNoTracking()
                .Where(d => missing.Contains(d.Version))
                .Select(d => new { d.Version, d.Document })
                .ToListAsync(ct);
            foreach (var row in documents)
            {
                known[row.Version] = Compile(row.Version, row.Document);
            }
        }

        var list = rows
            .OrderBy(r => r.ActiveFrom).ThenBy(r => r.Version)
            .Select(r => (r.ActiveFrom!.Value, known[r.Version]))
            .ToList();
        return new Snapshot(Environment.TickCount64, list);
    }

    /// <summary>Compiles a stored document; it was valid when it was stored, so a failure here is a bug.</summary>
    internal static CompiledDefinition Compile(int version, string document)
    {
        var errors = new FieldErrors();
        var parsed = JsonSerializer.Deserialize<DefinitionDocument>(document, QualificationJson.Options)!;
        return parsed.Compile(version, errors)
            ?? throw new InvalidOperationException($"Stored qualification definition v{version} does not compile: {string.Join("; ", errors.ToError().Fields.Select(f => f.Key + ": " + string.Join(", ", f.Value)))}");
    }
}
