using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>
/// Wakes Nurture leads whose wake date has come: each goes back to the stage the recycle policy says (MQL by
/// default, or New), flagged recycled, through the automations (routing, clocks). Safe on several nodes at once:
/// a lead another node woke first is a version conflict here, and is skipped.
/// </summary>
public sealed class WakeSleepingLeads(HandoffDb db, TimeProvider clock, ActiveDefinitions active, LeadAutomations automations)
{
    public static readonly Actor Actor = Actor.System("recycle-wake");

    /// <summary>Wakes up to <paramref name="batch"/> due leads; returns how many woke.</summary>
    public async Task<int> RunOnceAsync(int batch, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var definition = await active.AtAsync(db, now, ct);
        var policy = definition?.Document.Recycle ?? new RecyclePolicy();
        var due = await db.Leads.AsNoTracking()
            .Where(l => l.Stage == LeadStage.Nurture && l.WakeAt != null && l.WakeAt <= now)
            .OrderBy(l => l.WakeAt).Select(l => l.Id).Take(batch).ToListAsync(ct);
        var woke = 0;
        foreach (var id in due)
        {
            db.ChangeTracker.Clear();
            var lead = await db.Leads.FirstOrDefaultAsync(l => l.Id == id && l.Stage == LeadStage.Nurture, ct);
            if (lead is null)
            {
                continue;
            }

            var evidence = JsonSerializer.Serialize(
                new { wakeAt = lead.WakeAt, recycled = true, recycleCount = lead.RecycleCount + 1, definitionVersion = definition?.Version },
                QualificationJson.Options);
            var moved = lead.MoveTo(policy.WakeTo, Actor, now, null, $"Woke on its date after {lead.StageReason}", null, evidence);
            if (moved.Value is not { } change)
            {
                continue;
            }

            lead.MarkRecycled();
            if (definition is not null)
            {
                change.JudgedUnder(definition.Version);
            }

            await automations.MovedAsync(db, lead, change, Actor, ct);
            if (await LeadChanges.SaveAsync(db, ct) is null)
            {
                woke++;
            }
        }

        db.ChangeTracker.Clear();
        return woke;
    }
}
