using Handoff.Accounts;
using Handoff.Data;
using Handoff.Enrichment;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Import;

/// <summary>
/// The accounts an import matches its leads to, read once when the run starts: by domain, as capture matches a lead
/// (the company domain of a work email, else the website's domain, else the email domain's parent: mail.acme.com →
/// acme.com). Free webmail and disposable addresses have no company domain, so they never match. Read-only after
/// loading, so the reading and the writing task both use it.
/// </summary>
internal sealed class ImportAccounts
{
    private readonly Dictionary<string, Account> _byDomain;
    private readonly Dictionary<Guid, Account> _byId;

    private ImportAccounts(List<Account> accounts)
    {
        _byDomain = new Dictionary<string, Account>(accounts.Count, StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            _byDomain.TryAdd(account.Domain!, account);
        }

        _byId = accounts.ToDictionary(a => a.Id);
        Owners = [.. accounts.Select(a => a.OwnerUserId).OfType<Guid>().Distinct()];
    }

    /// <summary>No accounts: nothing matches.</summary>
    public static ImportAccounts None { get; } = new([]);

    public int Count => _byId.Count;

    /// <summary>The owners of the accounts (for the batch's routing roster when the rule set routes to the account owner first).</summary>
    public IReadOnlyList<Guid> Owners { get; }

    /// <summary>Every account with a domain, untracked: one query per run.</summary>
    public static async Task<ImportAccounts> LoadAsync(HandoffDb db, CancellationToken ct) =>
        new(await db.Accounts.AsNoTracking().Where(a => a.Domain != null).ToListAsync(ct));

    /// <summary>The account of the first of the lead's <see cref="LeadEnrichment.AccountDomains"/> that has one; null for none.</summary>
    public Account? Match(LeadEnrichment enrichment)
    {
        if (_byDomain.Count == 0)
        {
            return null;
        }

        foreach (var domain in enrichment.AccountDomains())
        {
            if (_byDomain.GetValueOrDefault(domain) is { } account)
            {
                return account;
            }
        }

        return null;
    }

    /// <summary>The account with this id, when it was loaded.</summary>
    public Account? Of(Guid? id) => id is { } known ? _byId.GetValueOrDefault(known) : null;
}
