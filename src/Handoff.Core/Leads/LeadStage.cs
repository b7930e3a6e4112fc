namespace Handoff.Leads;

/// <summary>The stages of the lead lifecycle (DESIGN.md section 1). Names are the wire format.</summary>
public enum LeadStage
{
    New,
    MQL,
    SAL,
    SQL,
    Opportunity,
    Won,
    Lost,
    Nurture,
    Disqualified,
    Junk,
}

/// <summary>The stage machine: which moves are allowed and what each stage demands.</summary>
public static class StageRules
{
    private static readonly Dictionary<LeadStage, LeadStage[]> Allowed = new()
    {
        [LeadStage.New] = [LeadStage.MQL, LeadStage.SQL, LeadStage.Disqualified, LeadStage.Junk],
        [LeadStage.MQL] = [LeadStage.SAL, LeadStage.SQL, LeadStage.Nurture, LeadStage.Disqualified, LeadStage.Junk],
        [LeadStage.SAL] = [LeadStage.SQL, LeadStage.Nurture, LeadStage.Disqualified, LeadStage.Junk],
        [LeadStage.SQL] = [LeadStage.Opportunity, LeadStage.Nurture, LeadStage.Disqualified, LeadStage.Junk],
        [LeadStage.Opportunity] = [LeadStage.Won, LeadStage.Lost, LeadStage.Junk],
        [LeadStage.Won] = [LeadStage.Junk],
        [LeadStage.Lost] = [LeadStage.Nurture, LeadStage.Junk],
        [LeadStage.Nurture] = [LeadStage.MQL, LeadStage.New, LeadStage.Disqualified, LeadStage.Junk],
        [LeadStage.Disqualified] = [LeadStage.Junk],
        [LeadStage.Junk] = [LeadStage.New],
    };

    /// <summary>The open stages, in lifecycle order.</summary>
    public static readonly IReadOnlyList<LeadStage> OpenStages = [LeadStage.New, LeadStage.MQL, LeadStage.SAL, LeadStage.SQL, LeadStage.Nurture];

    /// <summary>Stages in which a lead is still being worked and so must have an owner and a clock.</summary>
    public static bool IsOpen(LeadStage stage) =>
        stage is LeadStage.New or LeadStage.MQL or LeadStage.SAL or LeadStage.SQL or LeadStage.Nurture;

    public static bool CanMove(LeadStage from, LeadStage to) => Allowed[from].Contains(to);

    public static IReadOnlyList<LeadStage> NextStages(LeadStage from) => Allowed[from];

    /// <summary>
    /// Opportunity, Won and Lost follow the pipeline (conversion and the opportunity's outcome);
    /// nobody sets them by hand through a transition.
    /// </summary>
    public static bool IsSetByPipelineOnly(LeadStage stage) =>
        stage is LeadStage.Opportunity or LeadStage.Won or LeadStage.Lost;

    /// <summary>Stages that cannot be entered without a reason code.</summary>
    public static bool RequiresReason(LeadStage stage) =>
        stage is LeadStage.Disqualified or LeadStage.Nurture or LeadStage.Junk or LeadStage.Lost;
}
