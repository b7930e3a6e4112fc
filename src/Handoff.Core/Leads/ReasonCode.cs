namespace Handoff.Leads;

/// <summary>
/// One entry of the reason catalogue: why a lead enters a stage. The catalogue is data, edited through the
/// API; for a stage that has active codes, a reason must be one of them.
/// </summary>
public sealed class ReasonCode
{
    private ReasonCode()
    {
    }

    public LeadStage Stage { get; private set; }
    public string Code { get; private set; } = "";
    public string Label { get; private set; } = "";
    public bool IsActive { get; private set; }

    public static ReasonCode Create(LeadStage stage, string code, string label) => new()
    {
        Stage = stage,
        Code = code.Trim().ToLowerInvariant(),
        Label = label.Trim(),
        IsActive = true,
    };

    public void Relabel(string label) => Label = label.Trim();

    public void SetActive(bool active) => IsActive = active;

    /// <summary>The catalogue a new workspace starts with.</summary>
    public static IEnumerable<ReasonCode> Defaults()
    {
        (LeadStage Stage, string Code, string Label)[] rows =
        [
            (LeadStage.Disqualified, "poor-fit", "Poor fit: outside the ideal customer profile"),
            (LeadStage.Disqualified, "no-budget", "No budget"),
            (LeadStage.Disqualified, "no-authority", "No authority and no path to the buyer"),
            (LeadStage.Disqualified, "no-need", "No need for the product"),
            (LeadStage.Disqualified, "no-intent", "No buying intent"),
            (LeadStage.Disqualified, "bad-data", "Bad or unreachable contact data"),
            (LeadStage.Disqualified, "duplicate", "Duplicate of another lead"),
            (LeadStage.Disqualified, "competitor", "Competitor"),
            (LeadStage.Disqualified, "existing-customer", "Already a customer"),
            (LeadStage.Disqualified, "unresponsive", "Never responded"),
            (LeadStage.Disqualified, "student", "Student, not a buyer"),
            (LeadStage.Nurture, "wrong-timing", "Right fit, wrong time"),
            (LeadStage.Nurture, "no-budget-yet", "Budget expected later"),
            (LeadStage.Nurture, "not-ready", "Still researching"),
            (LeadStage.Nurture, "went-dark", "Went dark after first contact"),
            (LeadStage.Nurture, "lost-recycle", "Lost deal, worth another try later"),
            (LeadStage.Junk, "spam", "Spam or bot"),
            (LeadStage.Junk, "vendor", "Vendor or partner pitch"),
            (LeadStage.Junk, "job-seeker", "Job seeker"),
            (LeadStage.Junk, "student", "Student"),
            (LeadStage.Junk, "test", "Test entry"),
            (LeadStage.Junk, "disposable-email", "Disposable email address"),
            (LeadStage.Lost, "lost-to-competitor", "Lost to a competitor"),
            (LeadStage.Lost, "no-decision", "No decision"),
            (LeadStage.Lost, "price", "Price"),
        ];
        return rows.Select(r => Create(r.Stage, r.Code, r.Label));
    }
}
