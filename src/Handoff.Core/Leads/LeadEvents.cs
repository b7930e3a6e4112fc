using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Common;
using Handoff.Data;
using Handoff.Integrations;

namespace Handoff.Leads;

/// <summary>
/// The domain events a lead change writes into the outbox, in the same transaction: those some webhook subscription
/// wants (<see cref="Notifications.WebhookInterest"/>).
/// </summary>
internal static class LeadEvents
{
    internal const string CreatedType = "lead.created";
    internal const string RecapturedType = "lead.recaptured";
    internal const string StageChangedType = "lead.stage-changed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Adds the <c>lead.created</c> event of a captured lead (imports announce theirs per batch with <c>leads.imported</c>).</summary>
    public static void Created(HandoffDb db, Lead lead, DateTime at)
    {
        if (db.Publishes(CreatedType))
        {
            db.Insert(CreatedMessage(lead, at));
        }
    }

    /// <summary>The <c>lead.created</c> event of <paramref name="lead"/>.</summary>
    public static OutboxMessage CreatedMessage(Lead lead, DateTime at) =>
        OutboxMessage.Create(CreatedType, lead.Id, JsonSerializer.Serialize(LeadView.From(lead), LeadEventJson.Default.LeadView), at);

    public static void Recaptured(HandoffDb db, Lead lead, DateTime at)
    {
        if (db.Publishes(RecapturedType))
        {
            db.Insert(OutboxMessage.Create(RecapturedType, lead.Id, JsonSerializer.Serialize(LeadView.From(lead), LeadEventJson.Default.LeadView), at));
        }
    }

    public static void StageChanged(HandoffDb db, StageChange change)
    {
        if (db.Publishes(StageChangedType))
        {
            db.Insert(StageChangedMessage(change));
        }
    }

    public static OutboxMessage StageChangedMessage(StageChange change) =>
        OutboxMessage.Create(
            StageChangedType,
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
            change.At);

    /// <summary>The event of a history entry other than a stage move, when a subscription wants it.</summary>
    public static void Audited(HandoffDb db, AuditEntry entry)
    {
        if (db.Publishes(AuditedType(entry.Action)))
        {
            db.Insert(AuditedMessage(entry));
        }
    }

    /// <summary>The <c>lead.owner-changed</c> event of an assignment that moved the lead, when a subscription wants it.</summary>
    public static void OwnerChanged(HandoffDb db, Routing.Assignment assignment)
    {
        if (assignment.Changes is not null && db.Publishes(AuditedType(AuditActions.OwnerChanged)))
        {
            db.Insert(ChangedMessage(
                AuditActions.OwnerChanged, assignment.LeadId, assignment.At, new Actor(assignment.ActorKind, assignment.ActorId, assignment.ActorName), assignment.Note, assignment.Changes));
        }
    }

    /// <summary>The event of an audit action: <c>lead.</c> and the action (<see cref="AuditActions"/>).</summary>
    public static string AuditedType(string action) => "lead." + action;

    public static OutboxMessage AuditedMessage(AuditEntry entry) =>
        ChangedMessage(entry.Action, entry.LeadId, entry.At, new Actor(entry.ActorKind, entry.ActorId, entry.ActorName), entry.Note, entry.Changes);

    private static OutboxMessage ChangedMessage(string action, Guid leadId, DateTime at, Actor actor, string? note, string changes) =>
        OutboxMessage.Create(
            AuditedType(action),
            leadId,
            $$"""{"leadId":"{{leadId}}","at":{{JsonSerializer.Serialize(at)}},"actor":{{JsonSerializer.Serialize(new { kind = actor.Kind, id = actor.Id, name = actor.Name }, Json)}},"note":{{JsonSerializer.Serialize(note)}},"changes":{{changes}}}""",
            at);
}

/// <summary>
/// The lead payload, source-generated: the same JSON as the reflection serializer with the options above (camelCase,
/// enums as strings), at a third of the cost, which imports pay once per row.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LeadView))]
internal sealed partial class LeadEventJson : JsonSerializerContext;
