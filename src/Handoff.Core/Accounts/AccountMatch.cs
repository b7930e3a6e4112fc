using Handoff.Data;
using Handoff.Enrichment;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Accounts;

/// <summary>
/// The account a lead belongs to, by the rule capture, edits and merges apply: the first of the lead's
/// <see cref="LeadEnrichment.AccountDomains"/> (at most three) that names an account (free webmail and disposable
/// domains never do). Import preloads the accounts instead; the SQLite capture writer asks the same question through a
/// prepared statement with <see cref="Domains"/>.
/// </summary>
public static class AccountMatch
{
    private static readonly PerProvider<Func<HandoffDb, string, string, string, Task<Guid?>>> ByDomain = new(() => EF.CompileAsyncQuery((HandoffDb db, string a, string b, string c) =>
        db.Accounts.Where(x => x.Domain != null && (x.Domain == a || x.Domain == b || x.Domain == c))
            .OrderBy(x => x.Domain == a ? 0 : x.Domain == b ? 1 : 2).Select(x => (Guid?)x.Id).FirstOrDefault()));

    /// <summary>The lead's account domains, best first, as three (the first repeated when there are fewer); null when it has none.</summary>
    public static (string First, string Second, string Third)? Domains(LeadEnrichment enrichment)
    {
        var domains = enrichment.AccountDomains().ToList();
        return domains.Count == 0 ? null : (domains[0], domains.ElementAtOrDefault(1) ?? domains[0], domains.ElementAtOrDefault(2) ?? domains[0]);
    }

    /// <param name="db">The context to ask.</param>
    /// <param name="enrichment">The lead's derived fields.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<Guid?> FindAsync(HandoffDb db, LeadEnrichment enrichment, CancellationToken ct) =>
        Domains(enrichment) is { } d ? await ByDomain.For(db)(db, d.First, d.Second, d.Third) : null;
}
