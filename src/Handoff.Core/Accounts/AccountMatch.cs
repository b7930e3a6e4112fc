using Handoff.Data;
using Handoff.Enrichment;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Accounts;

/// <summary>
/// The account a lead belongs to, by the rule capture and import apply: the first of the lead's
/// <see cref="LeadEnrichment.AccountDomains"/> that names an account (free webmail and disposable domains never do).
/// For the paths that are not hot (an edit, a merge); capture and import keep their own prepared or preloaded look-ups.
/// </summary>
public static class AccountMatch
{
    public static async Task<Guid?> FindAsync(HandoffDb db, LeadEnrichment enrichment, CancellationToken ct)
    {
        var domains = enrichment.AccountDomains().ToList();
        if (domains.Count == 0)
        {
            return null;
        }

        var found = await db.Accounts.AsNoTracking()
            .Where(a => a.Domain != null && domains.Contains(a.Domain))
            .Select(a => new { a.Id, Domain = a.Domain! })
            .ToListAsync(ct);
        return found.OrderBy(a => domains.IndexOf(a.Domain)).Select(a => (Guid?)a.Id).FirstOrDefault();
    }
}
