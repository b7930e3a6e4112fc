using Handoff.Common;

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

    /// <summary>The lead arrived in a list import: a touch of its own kind, so that a rule on form submits does not count a row of a file as one.</summary>
    Import,
}

/// <summary>
/// One touchpoint of any channel. Tied to a lead when the person is known; otherwise kept under the visitor id
/// (or email) it came with and stitched to the lead when that visitor identifies.
/// </summary>
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

    /// <summary>The anonymous visitor (cookie id, HubSpot hutk) the touch came from, if any.</summary>
    public string? VisitorId { get; private set; }

    /// <summary>The email key of a touch whose person has no lead yet.</summary>
    public string? EmailKey { get; private set; }

    /// <summary>Anything else the channel knows (utm_term, form name, webinar id, ...).</summary>
    public Dictionary<string, string> Properties { get; private set; } = [];

    /// <summary>The user who made a sales touch, call or meeting.</summary>
    public Guid? UserId { get; private set; }
    public DateTime RecordedAt { get; private set; }

    public static Activity Record(Guid? leadId, ActivityType type, DateTime occurredAt, DateTime recordedAt, string? url = null, string? subject = null, string? source = null, string? channel = null, string? campaign = null, Guid? userId = null, string? visitorId = null, string? emailKey = null, Dictionary<string, string>? properties = null) => new()
    {
        Id = Ids.NewId(),
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
        VisitorId = visitorId,
        EmailKey = leadId is null ? emailKey : null,
        Properties = properties ?? [],
    };

    /// <summary>An anonymous touch joins the lead its visitor or email turned out to be.</summary>
    public void JoinLead(Guid leadId)
    {
        LeadId = leadId;
        EmailKey = null;
    }
}

/// <summary>A visitor id known to belong to a lead: later anonymous touches of that visitor go to the lead.</summary>
public sealed class VisitorLink
{
    private VisitorLink()
    {
    }

    public string VisitorId { get; private set; } = "";
    public Guid LeadId { get; private set; }
    public DateTime LinkedAt { get; private set; }

    public static VisitorLink Create(string visitorId, Guid leadId, DateTime at) => new() { VisitorId = visitorId, LeadId = leadId, LinkedAt = at };
}
