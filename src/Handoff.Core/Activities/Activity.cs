namespace Handoff.Activities;

/// <summary>The kinds of touchpoint Handoff records.</summary>
public enum ActivityType
{
    PageView,
    EmailOpen,
    EmailClick,
    EmailReply,
    FormSubmit,
    DemoRequest,
    WebinarRegistered,
    WebinarAttended,
    ContentDownload,
    Chat,
    Call,
    Meeting,
    SalesTouch,
}

/// <summary>One touchpoint of any channel, tied to a lead once the person is known.</summary>
public sealed class Activity
{
    private Activity()
    {
    }

    public Guid Id { get; private set; }
    public Guid? LeadId { get; private set; }
    public ActivityType Type { get; private set; }
    public DateTime OccurredAt { get; private set; }
    public string? Url { get; private set; }
    public string? Subject { get; private set; }
    public string? Source { get; private set; }
    public string? Channel { get; private set; }
    public string? Campaign { get; private set; }

    /// <summary>The user who made a sales touch, call or meeting.</summary>
    public Guid? UserId { get; private set; }
    public DateTime RecordedAt { get; private set; }

    public static Activity Record(Guid? leadId, ActivityType type, DateTime occurredAt, DateTime recordedAt, string? url = null, string? subject = null, string? source = null, string? channel = null, string? campaign = null, Guid? userId = null) => new()
    {
        Id = Guid.CreateVersion7(),
        LeadId = leadId,
        Type = type,
        OccurredAt = occurredAt,
        RecordedAt = recordedAt,
        Url = url,
        Subject = subject,
        Source = source,
        Channel = channel,
        Campaign = campaign,
        UserId = userId,
    };
}
