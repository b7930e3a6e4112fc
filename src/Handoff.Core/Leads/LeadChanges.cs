using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

/// <summary>The load-check-save frame every change of a lead goes through.</summary>
internal static class LeadChanges
{
    /// <summary>Loads a lead to change it; <paramref name="expectedVersion"/> (from If-Match) must still be current.</summary>
    public static async Task<Result<Lead>> LoadAsync(HandoffDb db, Guid id, int? expectedVersion, CancellationToken ct)
    {
        var lead = await db.Leads.FirstOrDefaultAsync(l => l.Id == id, ct);
        if (lead is null)
        {
            return LeadErrors.NotFound(id);
        }

        return expectedVersion is { } expected && expected != lead.Version ? LeadErrors.Stale(expected, lead.Version) : lead;
    }

    /// <summary>Saves; another writer of the same lead, or a second open lead for one email, is a conflict, not a crash.</summary>
    public static async Task<Error?> SaveAsync(HandoffDb db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateConcurrencyException)
        {
            return LeadErrors.ConcurrentChange();
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return e.InnerException!.Message.Contains("email_key", StringComparison.Ordinal)
                ? new ConflictError("duplicate-open-lead", "Another open lead has this email already; merge the two leads instead.")
                : LeadErrors.ConcurrentChange(); // the (lead, sequence) index caught a writer the version check let through
        }
        catch (Exception e) when (DbErrors.IsConcurrencyAbort(e))
        {
            return LeadErrors.ConcurrentChange(); // PostgreSQL ended a deadlock with another writer of the same leads
        }
    }
}
