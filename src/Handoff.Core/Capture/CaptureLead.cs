using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Hygiene;
using Handoff.Leads;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Capture;

/// <summary>How a capture arrived: the channel, the touch it represents, and what the form knows.</summary>
public sealed record CaptureContext
{
    /// <summary><c>api</c>, <c>form</c> or <c>import</c>.</summary>
    public string Channel { get; init; } = "api";
    public ActivityType ActivityType { get; init; } = ActivityType.FormSubmit;
    public string? VisitorId { get; init; }
    public string? PageUrl { get; init; }
    public string? FormKey { get; init; }
    public bool HoneypotFilled { get; init; }

    /// <summary>The form asks for a person, so role addresses (info@, sales@) are junk.</summary>
    public bool RequiresPerson { get; init; }
    public Dictionary<string, string>? Properties { get; init; }
}

/// <summary>The body of <c>POST /api/leads</c>: the lead's fields plus what the capturing page knows.</summary>
public sealed record CaptureLeadRequest : LeadDetails
{
    /// <summary>The visitor's cookie id, so earlier anonymous touches join the lead.</summary>
    public string? VisitorId { get; init; }

    /// <summary>The page the lead was captured on.</summary>
    public string? PageUrl { get; init; }

    /// <summary>What the capture is, as a touch: <c>FormSubmit</c> unless said otherwise (e.g. <c>DemoRequest</c>).</summary>
    public ActivityType? ActivityType { get; init; }
}

/// <summary>The answer to a capture: the lead, whether it is new, and why it was merged or junked.</summary>
public sealed record CaptureAnswer(LeadView Lead, bool Created, Guid? DuplicateOf, string? JunkReason, Guid ActivityId);

/// <summary>
/// The capture pipeline of one lead, in one transaction: validate → dedupe (an open lead with the same email is
/// updated instead of duplicated) → create in New, owned by the fallback queue → record the touch with its
/// attribution → join earlier anonymous touches → history and outbox.
/// </summary>
public sealed class CaptureLead(HandoffDb db, TimeProvider clock, FallbackQueue fallback, JunkClassifier junkClassifier, LeadEnricher enricher, SqliteWriteGate gate, LeadAutomations automations)
{
    private const int MaxAttempts = 5;

    public async Task<Result<CaptureAnswer>> HandleAsync(LeadDetails request, CaptureContext context, Actor actor, CancellationToken ct)
    {
        var details = request.Normalize();
        var errors = new FieldErrors();
        details.Validate(errors);
        var visitorId = string.IsNullOrWhiteSpace(context.VisitorId) ? null : context.VisitorId.Trim();
        if (visitorId is { Length: > 100 })
        {
            errors.Add("visitorId", "must be at most 100 characters");
        }

        if (context.PageUrl is { Length: > 2000 })
        {
            errors.Add("pageUrl", "must be at most 2000 characters");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        using var turn = await gate.EnterAsync(db, ct);
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var answer = await CaptureOnceAsync(details, context with { VisitorId = visitorId }, actor, now, ct);
                if (transaction is not null)
                {
                    await transaction.CommitAsync(ct);
                }

                return answer;
            }
            catch (DbUpdateException e) when (attempt < MaxAttempts && (e is DbUpdateConcurrencyException || DbErrors.IsUniqueViolation(e)))
            {
                // Another capture of the same person got there first (it created the open lead, or changed it):
                // SaveChanges rolled back to its savepoint, so read the lead again and update it instead.
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<CaptureAnswer> CaptureOnceAsync(LeadDetails details, CaptureContext context, Actor actor, DateTime now, CancellationToken ct)
    {
        var junk = junkClassifier.Screen(details, context.HoneypotFilled, context.RequiresPerson);
        var enrichment = enricher.Of(details);
        var accountId = await MatchAccountAsync(enrichment, ct);
        var key = EmailKeys.Of(details.Email);

        // Junk never merges into a real lead: it is kept apart, in Junk, for review.
        var existing = key is null || junk is not null
            ? null
            : await db.Leads.FirstOrDefaultAsync(l => l.EmailKey == key && StageRules.OpenStages.Contains(l.Stage), ct);

        Lead lead;
        var fieldsChanged = false;
        StageChange? junkMove = null;
        if (existing is not null)
        {
            lead = existing;
            var merged = lead.MergedWith(details);
            var entry = lead.Update(merged, actor, now, enricher.Of(merged));
            if (entry is not null)
            {
                db.AuditEntries.Add(entry);
                fieldsChanged = true;
            }

            lead.Touched(now, details.Source, details.Channel, details.Campaign ?? details.UtmCampaign);
            LeadEvents.Recaptured(db, lead, now);
        }
        else
        {
            var queueId = await fallback.IdAsync(db, ct);
            (lead, var created) = Lead.Capture(details, new Owner(OwnerKind.Queue, queueId), actor, now, enrichment);
            db.Leads.Add(lead);
            db.StageChanges.Add(created);
            LeadEvents.Created(db, lead, now);
            if (junk is { } verdict)
            {
                var junked = lead.MoveTo(LeadStage.Junk, Actor.System("hygiene"), now, verdict.Reason, verdict.Detail, null,
                    $$"""{"check":"hygiene","field":{{System.Text.Json.JsonSerializer.Serialize(verdict.Field)}},"detail":{{System.Text.Json.JsonSerializer.Serialize(verdict.Detail)}}}""");
                junkMove = junked.Value!;
                db.StageChanges.Add(junkMove);
                LeadEvents.StageChanged(db, junkMove);
            }
        }

        lead.CameThroughForm(context.FormKey);
        if (accountId is { } account && lead.AccountId is null)
        {
            lead.LinkAccount(account);
        }

        var activity = Activity.Record(
            lead.Id,
            context.ActivityType,
            now,
            now,
            url: context.PageUrl,
            subject: context.FormKey is null ? $"Captured via {context.Channel}" : $"Form {context.FormKey}",
            source: details.UtmSource ?? details.Source,
            channel: details.UtmMedium ?? details.Channel,
            campaign: details.UtmCampaign ?? details.Campaign,
            visitorId: context.VisitorId,
            properties: AttributionProperties(details, context));
        db.Activities.Add(activity);

        var change = new LeadChange(lead, actor, now) { Created = existing is null, FieldsChanged = fieldsChanged };
        change.Activities.Add(activity);
        if (junkMove is not null)
        {
            change.StageChanges.Add(junkMove);
        }

        await automations.RunAsync(change, ct);
        await db.SaveChangesAsync(ct);

        await StitchAsync(lead.Id, key, context.VisitorId, now, ct);
        return new CaptureAnswer(LeadView.From(lead), existing is null, existing?.Id, junk?.Reason, activity.Id);
    }


    /// <summary>The account whose domain is the lead's company domain (work email, else website); free webmail never matches.</summary>
    private async Task<Guid?> MatchAccountAsync(LeadEnrichment enrichment, CancellationToken ct)
    {
        var domains = new[] { enrichment.CompanyDomain, enrichment.WebsiteDomain, ParentDomain(enrichment.CompanyDomain) }
            .Where(d => d is not null).Distinct().ToList();
        if (domains.Count == 0)
        {
            return null;
        }

        return await db.Accounts.Where(a => a.Domain != null && domains.Contains(a.Domain)).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);
    }

    /// <summary>"mail.acme.com" → "acme.com"; two-label domains have no parent here.</summary>
    private static string? ParentDomain(string? domain) =>
        domain is not null && domain.Count(c => c == '.') >= 2 ? domain[(domain.IndexOf('.', StringComparison.Ordinal) + 1)..] : null;

    /// <summary>Links the visitor to the lead and moves its earlier anonymous touches (by visitor or email) onto it.</summary>
    private async Task StitchAsync(Guid leadId, string? emailKey, string? visitorId, DateTime now, CancellationToken ct)
    {
        if (visitorId is not null)
        {
            if (!await db.VisitorLinks.AnyAsync(v => v.VisitorId == visitorId, ct))
            {
                db.VisitorLinks.Add(VisitorLink.Create(visitorId, leadId, now));
                await db.SaveChangesAsync(ct);
            }

            await db.Activities.Where(a => a.LeadId == null && a.VisitorId == visitorId)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.LeadId, leadId).SetProperty(a => a.EmailKey, (string?)null), ct);
        }

        if (emailKey is not null)
        {
            await db.Activities.Where(a => a.LeadId == null && a.EmailKey == emailKey)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.LeadId, leadId).SetProperty(a => a.EmailKey, (string?)null), ct);
        }
    }

    private static Dictionary<string, string>? AttributionProperties(LeadDetails details, CaptureContext context)
    {
        var properties = context.Properties is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new(context.Properties, StringComparer.Ordinal);
        if (details.UtmTerm is not null)
        {
            properties["utm_term"] = details.UtmTerm;
        }

        if (details.UtmContent is not null)
        {
            properties["utm_content"] = details.UtmContent;
        }

        return properties.Count == 0 ? null : properties;
    }
}
