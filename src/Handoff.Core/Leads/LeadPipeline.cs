using Handoff.Enrichment;
using Handoff.Hygiene;

namespace Handoff.Leads;

/// <summary>Feeds a lead's fields to the hygiene screen and the built-in enricher, the same way for every channel.</summary>
public static class LeadPipeline
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

    /// <summary>Why the lead is junk, or null; the honeypot and person-only checks apply to forms.</summary>
    public static JunkVerdict? Screen(this JunkClassifier classifier, LeadDetails d, bool honeypotFilled = false, bool personRequired = false) =>
        classifier.Classify(new JunkCheckInput
        {
            FirstName = d.FirstName,
            LastName = d.LastName,
            Email = d.Email,
            Company = d.Company,
            Title = d.Title,
            Description = d.Description,
            CustomFields = d.CustomFields,
            HoneypotFilled = honeypotFilled,
            PersonalAddressRequired = personRequired,
        });
}
