using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Capture;

/// <summary>One touchpoint as clients send it. The lead is found by <c>leadId</c>, else <c>email</c>, else <c>visitorId</c>.</summary>
public sealed record ActivityInput
{
    public ActivityType? Type { get; init; }
    public DateTime? OccurredAt { get; init; }
    public Guid? LeadId { get; init; }
    public string? Email { get; init; }
    public string? VisitorId { get; init; }
    public string? Url { get; init; }
    public string? Subject { get; init; }
    public string? Source { get; init; }
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public Guid? UserId { get; init; }
    public Dictionary<string, string>? Properties { get; init; }
}

/// <summary>How an activity was tied to a lead.</summary>
public enum ActivityMatch
{
    LeadId,
    Email,
    Visitor,
    Anonymous,
}

public sealed record RecordedActivity(Guid Id, Guid? LeadId, ActivityMatch MatchedBy);

public sealed record RecordedActivities(int Accepted, int Matched, int Anonymous, IReadOnlyList<RecordedActivity> Items);

/// <summary>
/// Records one touchpoint or a batch of up to 10,000, all or nothing: every item is checked first, and one bad
/// item refuses the batch with its index named. Touches of unknown people are kept and join the lead later.
/// </summary>
public sealed class RecordActivities(HandoffDb db, TimeProvider clock, LeadAutomations automations)
{
    public const int MaxBatch = 10_000;

    /// <summary>Tries of a batch whose leads other requests keep changing between its read and its save.</summary>
    private const int MaxAttempts = 3;

    public async Task<Result<RecordedActivities>> HandleAsync(IReadOnlyList<ActivityInput> items, bool batch, Actor actor, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RecordAsync(items, batch, actor, ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts && db.Database.CurrentTransaction is null)
            {
                // A lead it touches was changed by another request after this one read it (PostgreSQL; on SQLite writers
                // take turns). Its own transaction rolled back, so nothing was written: record again on the leads as
                // they are now, as a client would.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>The field error of the first item whose id (<paramref name="idOf"/>) is not in <paramref name="known"/>; null when every one is.</summary>
    private static ValidationError? FirstUnknown(IReadOnlyList<ActivityInput> items, bool batch, Func<ActivityInput, Guid?> idOf, HashSet<Guid> known, string field, string what)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (idOf(items[i]) is { } id && !known.Contains(id))
            {
                return ValidationError.For(batch ? $"[{i}].{field}" : field, $"no {what} with id {id}");
            }
        }

        return null;
    }

    private async Task<Result<RecordedActivities>> RecordAsync(IReadOnlyList<ActivityInput> items, bool batch, Actor actor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (items.Count == 0)
        {
            errors.Add("body", "send one activity or a non-empty array of them");
        }
        else if (items.Count > MaxBatch)
        {
            errors.Add("body", $"at most {MaxBatch} activities per batch (got {items.Count})");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        for (var i = 0; i < items.Count && !errors.Any; i++)
        {
            Validate(items[i], batch ? $"[{i}]." : "", now, errors);
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var leadIds = items.Where(a => a.LeadId is not null).Select(a => a.LeadId!.Value).Distinct().ToList();
        var knownLeads = leadIds.Count == 0 ? [] : await db.Leads.Where(l => leadIds.Contains(l.Id)).Select(l => new { l.Id, l.Stage, l.MergedIntoId }).ToListAsync(ct);
        var known = knownLeads.Select(l => l.Id).ToHashSet();

        // Junk takes no one's history: a touch may be recorded on a junk lead, but its visitor is not tied to it.
        var junk = knownLeads.Where(l => l.Stage == LeadStage.Junk).Select(l => l.Id).ToHashSet();
        if (FirstUnknown(items, batch, a => a.LeadId, known, "leadId", "lead") is { } noLead)
        {
            return noLead;
        }

        // A touch names the person who made it (speed to lead counts it for them): an id no user has is a mistake, not a rep.
        var userIds = items.Where(a => a.UserId is not null).Select(a => a.UserId!.Value).Distinct().ToList();
        var knownUsers = userIds.Count == 0 ? [] : (await db.Users.Where(u => userIds.Contains(u.Id)).Select(u => u.Id).ToListAsync(ct)).ToHashSet();
        if (FirstUnknown(items, batch, a => a.UserId, knownUsers, "userId", "user") is { } noUser)
        {
            return noUser;
        }

        // A touch of a lead merged away goes to its survivor, where the merge moved the lead's other touches.
        var survivors = new Dictionary<Guid, Guid>();
        foreach (var merged in knownLeads.Where(l => l.MergedIntoId is not null))
        {
            survivors[merged.Id] = await MergeLeads.SurvivorOfAsync(db, merged.Id, ct);
        }

        var emailKeys = items.Where(a => a.LeadId is null && a.Email is not null).Select(a => EmailKeys.Of(a.Email)!).Distinct().ToList();
        var byEmail = new Dictionary<string, Guid>();
        if (emailKeys.Count > 0)
        {
            var withKeys = await db.Leads.Where(l => l.EmailKey != null && emailKeys.Contains(l.EmailKey))
                .Select(l => new { l.EmailKey, l.Id, l.Stage, l.CreatedAt, l.MergedIntoId }).ToListAsync(ct);
            foreach (var group in withKeys.GroupBy(l => l.EmailKey!))
            {
                // The open lead; else a lead merged away under this email, whose survivor now holds its touches; else the newest.
                var lead = group.OrderByDescending(l => StageRules.IsOpen(l.Stage)).ThenByDescending(l => l.MergedIntoId is not null).ThenByDescending(l => l.CreatedAt).First();
                if (!StageRules.IsOpen(lead.Stage) && lead.MergedIntoId is not null)
                {
                    byEmail[group.Key] = await MergeLeads.SurvivorOfAsync(db, lead.Id, ct);
                    continue;
                }

                if (lead.Stage == LeadStage.Junk)
                {
                    junk.Add(lead.Id);
                }

                byEmail[group.Key] = lead.Id;
            }
        }

        var visitorIds = items.Where(a => a.VisitorId is not null).Select(a => a.VisitorId!.Trim()).Distinct().ToList();
        var byVisitor = visitorIds.Count == 0
            ? new Dictionary<string, Guid>()
            : await db.VisitorLinks.Where(v => visitorIds.Contains(v.VisitorId)).ToDictionaryAsync(v => v.VisitorId, v => v.LeadId, ct);

        var recorded = new List<RecordedActivity>(items.Count);
        var newLinks = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var anonymous = new Dictionary<string, List<(int Index, Activity Activity)>>(StringComparer.Ordinal);
        var latestTouch = new Dictionary<Guid, ActivityInput>();
        var touches = new Dictionary<Guid, List<Activity>>();
        foreach (var item in items)
        {
            var visitor = item.VisitorId?.Trim();
            var emailKey = EmailKeys.Of(item.Email);
            (Guid? leadId, ActivityMatch match) = item.LeadId is { } id ? ((Guid?)survivors.GetValueOrDefault(id, id), ActivityMatch.LeadId)
                : emailKey is not null && byEmail.TryGetValue(emailKey, out var e) ? (e, ActivityMatch.Email)
                : visitor is not null && (byVisitor.TryGetValue(visitor, out var v) || newLinks.TryGetValue(visitor, out v)) ? (v, ActivityMatch.Visitor)
                : ((Guid?)null, ActivityMatch.Anonymous);

            if (leadId is { } lead && visitor is not null && !junk.Contains(lead) && !byVisitor.ContainsKey(visitor) && !newLinks.ContainsKey(visitor))
            {
                newLinks[visitor] = lead; // the visitor identified: its earlier and later touches join this lead
            }

            var occurredAt = item.OccurredAt?.ToUniversalTime() ?? now;
            var activity = Activity.Record(
                leadId, item.Type!.Value, occurredAt, now, Trim(item.Url), Trim(item.Subject), Trim(item.Source), Trim(item.Channel), Trim(item.Campaign),
                item.UserId, visitor, emailKey, item.Properties is { Count: > 0 } p ? new Dictionary<string, string>(p, StringComparer.Ordinal) : null);
            db.Activities.Add(activity);
            if (leadId is null && visitor is not null)
            {
                (anonymous.TryGetValue(visitor, out var earlier) ? earlier : anonymous[visitor] = []).Add((recorded.Count, activity));
            }

            recorded.Add(new RecordedActivity(activity.Id, leadId, match));
            if (leadId is { } owner)
            {
                (touches.TryGetValue(owner, out var list) ? list : touches[owner] = []).Add(activity);
            }

            if (leadId is { } touched && (item.Source ?? item.Campaign ?? item.Channel) is not null
                && (!latestTouch.TryGetValue(touched, out var before) || (before.OccurredAt ?? now) < occurredAt))
            {
                latestTouch[touched] = item with { OccurredAt = occurredAt };
            }
        }

        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var capped = false;
        foreach (var (visitor, lead) in newLinks)
        {
            // The visitor identified: its anonymous touches, stored and earlier in this batch, join the lead and count in
            // its score now.
            db.VisitorLinks.Add(VisitorLink.Create(visitor, lead, now));
            // PostgreSQL: locked, so a touch another request claimed first drops out (it joins one lead); the latest
            // CaptureLead.MaxJoinedTouches, the rest joining after the save.
            var joined = await (db.IsSqlite
                    ? db.Activities.Where(a => a.LeadId == null && a.VisitorId == visitor).OrderByDescending(a => a.OccurredAt).Take(CaptureLead.MaxJoinedTouches)
                    : db.Activities.FromSql($"SELECT * FROM activities WHERE lead_id IS NULL AND visitor_id = {visitor} ORDER BY occurred_at DESC LIMIT {CaptureLead.MaxJoinedTouches} FOR UPDATE"))
                .ToListAsync(ct);
            capped |= joined.Count == CaptureLead.MaxJoinedTouches;
            foreach (var (index, activity) in anonymous.GetValueOrDefault(visitor) ?? [])
            {
                joined.Add(activity);
                recorded[index] = recorded[index] with { LeadId = lead, MatchedBy = ActivityMatch.Visitor };
            }

            foreach (var activity in joined)
            {
                activity.JoinLead(lead);
            }

            (touches.TryGetValue(lead, out var list) ? list : touches[lead] = []).AddRange(joined);
        }

        if (touches.Count > 0)
        {
            var touchedIds = touches.Keys.ToList();
            foreach (var lead in await db.Leads.Where(l => touchedIds.Contains(l.Id)).ToListAsync(ct))
            {
                if (latestTouch.TryGetValue(lead.Id, out var touch))
                {
                    lead.Touched(touch.OccurredAt!.Value, Trim(touch.Source), Trim(touch.Channel), Trim(touch.Campaign));
                }

                var change = new LeadChange(lead, actor, now);
                change.Activities.AddRange(touches[lead.Id]);
                await automations.RunAsync(change, ct);
            }
        }

        await db.SaveChangesAsync(ct);
        if (!db.IsSqlite || capped)
        {
            // Touches past the limit, and on PostgreSQL those recorded anonymously by another request meanwhile.
            foreach (var (visitor, lead) in newLinks)
            {
                await db.Activities.Where(a => a.LeadId == null && a.VisitorId == visitor)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.LeadId, lead).SetProperty(a => a.EmailKey, (string?)null), ct);
            }
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }

        var matched = recorded.Count(r => r.LeadId is not null);
        return new RecordedActivities(recorded.Count, matched, recorded.Count - matched, recorded);
    }

    private static void Validate(ActivityInput a, string prefix, DateTime now, FieldErrors errors)
    {
        if (a.Type is null)
        {
            errors.Add(prefix + "type", $"is required: one of {string.Join(", ", Enum.GetNames<ActivityType>())}");
        }

        if (a.LeadId is null && string.IsNullOrWhiteSpace(a.Email) && string.IsNullOrWhiteSpace(a.VisitorId))
        {
            errors.Add(prefix + "leadId", "give a leadId, an email or a visitorId, so the touch can be tied to a person");
        }

        if (a.Email is not null && (a.Email.Length > 254 || !a.Email.Contains('@', StringComparison.Ordinal)))
        {
            errors.Add(prefix + "email", "must be an email address");
        }

        if (a.VisitorId is { Length: > 100 })
        {
            errors.Add(prefix + "visitorId", "must be at most 100 characters");
        }

        if (a.OccurredAt is { } at && at.ToUniversalTime() > now.AddMinutes(5))
        {
            errors.Add(prefix + "occurredAt", "must not be in the future");
        }

        Length(errors, prefix + "url", a.Url, 2000);
        Length(errors, prefix + "subject", a.Subject, 500);
        Length(errors, prefix + "source", a.Source, 100);
        Length(errors, prefix + "channel", a.Channel, 100);
        Length(errors, prefix + "campaign", a.Campaign, 200);
        if (a.Properties is { Count: > 50 })
        {
            errors.Add(prefix + "properties", "at most 50 properties");
        }
        else if (a.Properties?.Any(p => p.Key.Length > 100 || p.Value is null || p.Value.Length > 2000) == true)
        {
            errors.Add(prefix + "properties", "names at most 100 and values at most 2000 characters, no nulls");
        }
    }

    private static void Length(FieldErrors errors, string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            errors.Add(field, $"must be at most {max} characters (got {value.Length})");
        }
    }

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
