using Handoff.Common;

namespace Handoff.Integrations;

/// <summary>Delivery state of a domain event.</summary>
public enum OutboxStatus
{
    Pending,
    Delivered,
    Dead,
}

/// <summary>
/// A domain event written in the same transaction as the change it reports, delivered later at least once
/// (webhooks, notifications) by a worker.
/// </summary>
public sealed class OutboxMessage
{
    private OutboxMessage()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>Event name, e.g. <c>lead.created</c>, <c>lead.stage-changed</c>.</summary>
    public string Type { get; private set; } = "";
    public Guid AggregateId { get; private set; }
    public string Payload { get; private set; } = "{}";
    public DateTime OccurredAt { get; private set; }
    public OutboxStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTime? NextAttemptAt { get; private set; }

    public static OutboxMessage Create(string type, Guid aggregateId, string payload, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Type = type,
        AggregateId = aggregateId,
        Payload = payload,
        OccurredAt = at,
        Status = OutboxStatus.Pending,
        NextAttemptAt = at,
    };
}
