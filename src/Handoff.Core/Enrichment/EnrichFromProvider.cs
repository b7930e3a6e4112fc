using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Handoff.Enrichment;

/// <summary>
/// Asks the external provider about open leads with a company domain, after capture and outside its transaction,
/// and fills only the fields that are still empty (a person's own answer beats a vendor's guess). A provider that
/// fails or is down delays enrichment; it never blocks or fails a capture.
/// </summary>
public sealed partial class EnrichFromProvider(HandoffDb db, TimeProvider clock, IEnumerable<IEnrichmentProvider> providers, LeadEnricher enricher, Leads.LeadAutomations automations, ILogger<EnrichFromProvider> log)
{
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(5);

    /// <summary>Handles up to <paramref name="batch"/> leads; returns how many were looked up.</summary>
    public async Task<int> RunOnceAsync(int batch, CancellationToken ct)
    {
        var provider = providers.FirstOrDefault(p => p.IsConfigured);
        if (provider is null)
        {
            return 0;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var leads = await db.Leads
            .Where(l => l.ProviderCheckedAt == null && l.CompanyDomain != null && StageRules.OpenStages.Contains(l.Stage)
                && (l.ProviderRetryAt == null || l.ProviderRetryAt <= now))
            .OrderBy(l => l.CreatedAt)
            .Take(batch)
            .ToListAsync(ct);

        var done = 0;
        var actor = Actor.System("enrichment:" + provider.Name);
        foreach (var lead in leads)
        {
            EnrichmentFacts? facts;
            try
            {
                facts = await provider.LookupAsync(new EnrichmentQuery(lead.CompanyDomain, lead.Email), ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Whatever a provider throws fails this lead's lookup only: an exception left to end the round would
                // come back on the same (oldest) lead every round and stop enrichment of every lead after it.
                LookupFailed(log, provider.Name, lead.CompanyDomain!, e.Message);
                lead.ProviderChecked(now, now + RetryAfterFailure);
                if (e is Polly.CircuitBreaker.BrokenCircuitException)
                {
                    break; // the provider is down: stop asking until the breaker lets calls through again
                }

                continue;
            }

            done++;
            lead.ProviderChecked(now, null);
            if (facts is null)
            {
                continue;
            }

            var d = lead.Details;
            var filled = d with
            {
                Company = d.Company ?? facts.CompanyName,
                Industry = d.Industry ?? facts.Industry,
                EmployeeCount = d.EmployeeCount ?? facts.EmployeeCount,
                Country = d.Country ?? facts.CountryCode,
            };
            if (lead.Update(filled, actor, now, enricher.Of(filled)) is { } entry)
            {
                db.AuditEntries.Add(entry);
                await automations.RunAsync(new Leads.LeadChange(lead, actor, now) { FieldsChanged = true }, ct);
            }
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone changed one of these leads meanwhile; the next round looks at them again.
            db.ChangeTracker.Clear();
        }

        return done;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Enrichment provider {Provider} failed for {Domain}: {Reason}; will retry later")]
    private static partial void LookupFailed(ILogger logger, string provider, string domain, string reason);
}
