using Handoff.Common;
using Handoff.Leads;
using Handoff.Routing;

namespace Handoff.Core.Tests.Leads;

public class LeadLifecycleTests
{
    private static readonly DateTime T0 = new(2026, 3, 2, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Sdr = new(ActorKind.User, "u-1", "Jamie");
    private static readonly Owner Inbox = new(OwnerKind.Queue, Guid.NewGuid());

    private static Lead NewLead(out StageChange created)
    {
        var (lead, change) = Lead.Capture(new LeadDetails { Email = "ada@example.com", LastName = "Lovelace" }, Inbox, Sdr, T0);
        created = change;
        return lead;
    }

    [Fact]
    public void Capture_StartsInNew_WithOwnerAndCreationEntry()
    {
        var lead = NewLead(out var created);

        Assert.Equal(LeadStage.New, lead.Stage);
        Assert.Equal(Inbox, lead.Owner);
        Assert.Null(created.From);
        Assert.Equal(LeadStage.New, created.To);
        Assert.Equal(1, created.Sequence);
    }

    [Fact]
    public void AssignTo_RecordsTheOwnerChange_AsJsonOfBothOwners()
    {
        var lead = NewLead(out _);
        var rep = new Owner(OwnerKind.User, Guid.NewGuid());

        var from = lead.AssignTo(rep, T0.AddMinutes(1));
        var assignment = Assignment.Record(lead, from, "reassign", null, Sdr, T0.AddMinutes(1), "by hand");

        var changes = System.Text.Json.Nodes.JsonNode.Parse(assignment.Changes!)!["owner"]!;
        Assert.Equal($"queue:{Inbox.Id}", changes["from"]!.GetValue<string>());
        Assert.Equal($"user:{rep.Id}", changes["to"]!.GetValue<string>());
        Assert.Equal(lead.Version, assignment.Sequence);
        Assert.Equal("by hand", assignment.Note);
        Assert.Equal(rep, lead.Owner);
        Assert.Null(lead.AssignTo(rep, T0.AddMinutes(2))); // the same owner again changes nothing

        var kept = Assignment.Record(lead, null, "capture", null, Sdr, T0.AddMinutes(2), "routed");
        Assert.Null(kept.Changes); // an assignment that kept the owner is no owner change in the history
        Assert.Null(kept.Sequence);
    }

    [Theory]
    [InlineData(LeadStage.New, LeadStage.SAL)]
    [InlineData(LeadStage.New, LeadStage.Nurture)]
    [InlineData(LeadStage.Disqualified, LeadStage.MQL)]
    [InlineData(LeadStage.Won, LeadStage.New)]
    [InlineData(LeadStage.Junk, LeadStage.MQL)]
    public void StageMachine_RefusesMovesOutsideTheLifecycle(LeadStage from, LeadStage to) =>
        Assert.False(StageRules.CanMove(from, to));

    [Fact]
    public void MoveTo_IllegalTransition_NamesThePipelineStagesApart_AsATransitionCannotReachThem()
    {
        var lead = NewLead(out _);
        foreach (var stage in new[] { LeadStage.MQL, LeadStage.SAL, LeadStage.SQL })
        {
            Assert.Null(lead.MoveTo(stage, Sdr, T0.AddHours(1), null, null, null).Error);
        }

        var conflict = Assert.IsType<ConflictError>(lead.MoveTo(LeadStage.New, Sdr, T0.AddHours(2), null, null, null).Error);

        var allowed = conflict.Message[(conflict.Message.IndexOf("Allowed from SQL: ", StringComparison.Ordinal) + "Allowed from SQL: ".Length)..];
        Assert.DoesNotContain("Opportunity", allowed.Split(';')[0], StringComparison.Ordinal);
        Assert.Contains("Opportunity only through the pipeline", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoveTo_IllegalTransition_IsAConflictNamingTheAllowedStages()
    {
        var lead = NewLead(out _);

        var result = lead.MoveTo(LeadStage.SAL, Sdr, T0.AddHours(1), null, null, null);

        var conflict = Assert.IsType<ConflictError>(result.Error);
        Assert.Equal("illegal-transition", conflict.Code);
        Assert.Contains("MQL", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(LeadStage.New, lead.Stage);
        Assert.Equal(1, lead.Version);
    }

    [Fact]
    public void MoveTo_Disqualified_WithoutReason_IsRefused()
    {
        var lead = NewLead(out _);

        var result = lead.MoveTo(LeadStage.Disqualified, Sdr, T0.AddHours(1), null, null, null);

        var invalid = Assert.IsType<ValidationError>(result.Error);
        Assert.Contains("reason", invalid.Fields.Keys);
        Assert.Equal(LeadStage.New, lead.Stage);
    }

    [Fact]
    public void MoveTo_Nurture_NeedsAFutureWakeDate()
    {
        var lead = NewLead(out _);
        lead.MoveTo(LeadStage.MQL, Sdr, T0.AddHours(1), null, null, null);

        var past = lead.MoveTo(LeadStage.Nurture, Sdr, T0.AddHours(2), "wrong-timing", null, T0);
        var missing = lead.MoveTo(LeadStage.Nurture, Sdr, T0.AddHours(2), "wrong-timing", null, null);
        var ok = lead.MoveTo(LeadStage.Nurture, Sdr, T0.AddHours(2), "wrong-timing", null, T0.AddDays(90));

        Assert.Contains("wakeAt", Assert.IsType<ValidationError>(past.Error).Fields.Keys);
        Assert.Contains("wakeAt", Assert.IsType<ValidationError>(missing.Error).Fields.Keys);
        Assert.True(ok.IsSuccess);
        Assert.Equal(T0.AddDays(90), lead.WakeAt);
        Assert.Equal("wrong-timing", lead.StageReason);
    }

    [Fact]
    public void Undo_RestoresThePreviousStageReasonAndWakeDate()
    {
        var lead = NewLead(out _);
        lead.MoveTo(LeadStage.MQL, Sdr, T0.AddHours(1), null, null, null);
        lead.MoveTo(LeadStage.Nurture, Sdr, T0.AddHours(2), "wrong-timing", null, T0.AddDays(30));
        var wake = lead.MoveTo(LeadStage.MQL, Sdr, T0.AddHours(3), null, "woke up early", null).Value!;

        var undo = lead.Undo(wake, Sdr, T0.AddHours(4), "too early");

        Assert.True(undo.IsSuccess);
        Assert.Equal(LeadStage.Nurture, lead.Stage);
        Assert.Equal(T0.AddDays(30), lead.WakeAt);
        Assert.Equal("wrong-timing", lead.StageReason);
        Assert.Equal(wake.Id, undo.Value!.UndoOf);
        Assert.Equal(LeadStage.MQL, undo.Value.From);
        Assert.Equal(LeadStage.Nurture, undo.Value.To);
    }

    [Fact]
    public void Undo_OfAConversion_IsRefused()
    {
        var lead = NewLead(out _);
        lead.MoveTo(LeadStage.SQL, Sdr, T0.AddHours(1), null, null, null);
        var converted = lead.MoveTo(LeadStage.Opportunity, Actor.System("pipeline"), T0.AddHours(2), null, null, null).Value!;

        var undo = lead.Undo(converted, Sdr, T0.AddHours(3), null);

        Assert.Equal("pipeline-controlled", Assert.IsType<ConflictError>(undo.Error).Code);
        Assert.Equal(LeadStage.Opportunity, lead.Stage);
    }

    [Fact]
    public void Update_RecordsOnlyTheFieldsThatChanged()
    {
        var lead = NewLead(out _);

        var entry = lead.Update(lead.Details with { Title = "CTO", Email = "ada@example.com" }, Sdr, T0.AddHours(1));

        Assert.NotNull(entry);
        Assert.Contains("\"title\"", entry.Changes, StringComparison.Ordinal);
        Assert.DoesNotContain("\"email\"", entry.Changes, StringComparison.Ordinal);
        Assert.Equal(2, lead.Version);
        Assert.Null(lead.Update(lead.Details, Sdr, T0.AddHours(2)));
    }

    [Fact]
    public void EveryChange_BumpsTheVersion_AndSequencesHistory()
    {
        var lead = NewLead(out var created);
        var mql = lead.MoveTo(LeadStage.MQL, Sdr, T0.AddHours(1), null, null, null).Value!;
        var from = lead.AssignTo(new Owner(OwnerKind.User, Guid.NewGuid()), T0.AddHours(2));
        var assigned = Assignment.Record(lead, from, "reassign", null, Sdr, T0.AddHours(2), null);
        var sal = lead.MoveTo(LeadStage.SAL, Sdr, T0.AddHours(3), null, null, null).Value!;

        Assert.Equal([1, 2, 3, 4], new[] { created.Sequence, mql.Sequence, assigned.Sequence!.Value, sal.Sequence });
        Assert.Equal(4, lead.Version);
    }
}
