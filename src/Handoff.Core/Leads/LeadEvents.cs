using System.Text.Json;
using Handoff.Data;
using Handoff.Integrations;

namespace Handoff.Leads;

/// <summary>The domain events a lead change writes into the outbox, in the same transaction.</summary>
internal static class LeadEvents
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static void Created(HandoffDb db, Lead lead, DateTime at) =>
        db.Outbox.Add(OutboxMessage.Create("lead.created", lead.Id, JsonSerializer.Serialize(LeadView.From(lead), Json), at));

    public static void Recaptured(HandoffDb db, Lead lead, DateTime at) =>
        db.Outbox.Add(OutboxMessage.Create("lead.recaptured", lead.Id, JsonSerializer.Serialize(LeadView.From(lead), Json), at));

    public static void StageChanged(HandoffDb db, StageChange change) =>
        db.Outbox.Add(OutboxMessage.Create(
            "lead.stage-changed",
            change.LeadId,
            JsonSerializer.Serialize(
                new
                {
                    leadId = change.LeadId,
                    from = change.From,
                    to = change.To,
                    at = change.At,
                    actor = new { kind = change.ActorKind, id = change.ActorId, name = change.ActorName },
                    reason = change.Reason,
                    note = change.Note,
                    undoOf = change.UndoOf,
                },
                Json),
            change.At));

    public static void Audited(HandoffDb db, AuditEntry entry) =>
        db.Outbox.Add(OutboxMessage.Create(
            "lead." + entry.Action,
            entry.LeadId,
            $$"""{"leadId":"{{entry.LeadId}}","at":{{JsonSerializer.Serialize(entry.At)}},"changes":{{entry.Changes}}}""",
            entry.At));
}
