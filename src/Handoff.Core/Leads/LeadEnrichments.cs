using Handoff.Enrichment;

namespace Handoff.Leads;

/// <summary>Feeds a lead's fields to the built-in enricher.</summary>
public static class LeadEnrichments
{
    public static LeadEnrichment Of(this LeadEnricher enricher, LeadDetails d) => enricher.Enrich(new EnrichmentInput
    {
        Title = d.Title,
        Email = d.Email,
        Website = d.Website,
        Country = d.Country,
        State = d.State,
        EmployeeCount = d.EmployeeCount,
        Phone = d.Phone,
    });
}
