namespace Handoff.Leads;

/// <summary>A lead as the API shows it.</summary>
public sealed record LeadView(
    Guid Id,
    string? FirstName,
    string? LastName,
    string? Email,
    string? Phone,
    string? Company,
    string? Title,
    string? Website,
    string? Industry,
    int? EmployeeCount,
    string? Country,
    string? State,
    string? City,
    string? Description,
    string? Source,
    string? Channel,
    string? Campaign,
    string? UtmSource,
    string? UtmMedium,
    string? UtmCampaign,
    string? UtmTerm,
    string? UtmContent,
    bool? EmailConsent,
    IReadOnlyDictionary<string, string> CustomFields,
    LeadStage Stage,
    DateTime StageEnteredAt,
    string? StageReason,
    DateTime? WakeAt,
    Owner Owner,
    Guid? AccountId,
    int FitScore,
    int EngagementScore,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int Version,
    IReadOnlyList<LeadStage> NextStages)
{
    public static LeadView From(Lead l) => new(
        l.Id, l.FirstName, l.LastName, l.Email, l.Phone, l.Company, l.Title, l.Website, l.Industry, l.EmployeeCount,
        l.Country, l.State, l.City, l.Description, l.Source, l.Channel, l.Campaign, l.UtmSource, l.UtmMedium,
        l.UtmCampaign, l.UtmTerm, l.UtmContent, l.EmailConsent, l.CustomFields, l.Stage, l.StageEnteredAt,
        l.StageReason, l.WakeAt, l.Owner, l.AccountId, l.FitScore, l.EngagementScore, l.CreatedAt, l.UpdatedAt,
        l.Version, StageRules.NextStages(l.Stage).Where(s => !StageRules.IsSetByPipelineOnly(s)).ToArray());
}
