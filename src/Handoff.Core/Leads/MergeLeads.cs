using System.Text.Json.Nodes;
using Handoff.Accounts;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Leads;

/// <summary>How field values survive a merge.</summary>
public enum SurvivorshipRule
{
    /// <summary>
    /// For each field, the value of the lead whose fields were given most recently (captured, edited, recaptured or
    /// imported; a stage move, a reassignment, a merge or a provider's gap-filling does not count), unless it is empty.
    /// </summary>
    NewestNonEmpty,

    /// <summary>For each field, the value of the lead whose source ranks higher in <c>Handoff:Merge:TrustedSources</c>.</summary>
    TrustedSource,
}

public sealed record MergeRequest(Guid DuplicateId, SurvivorshipRule Rule = SurvivorshipRule.NewestNonEmpty, string? Note = null);

/// <summary>A lead that may be the same person, with how sure Handoff is and why.</summary>
public sealed record DuplicateSuggestion(Guid LeadId, double Confidence, IReadOnlyList<string> Reasons, string? Name, string? Email, string? Company, LeadStage Stage);

/// <summary>The <c>Handoff:Merge</c> section: sources from most to least trusted (e.g. "Sales", "Referral", "Web form", "Import").</summary>
public sealed class MergeOptions
{
    public List<string> TrustedSources { get; set; } = [];
}

/// <summary>
/// Finds probable duplicates (same phone; same name at the same company domain or company name) and merges two
/// leads: fields by a survivorship rule, every activity and visitor moved to the survivor, the duplicate closed
/// with reason <c>duplicate</c> and kept, both histories shown on the survivor.
/// </summary>
public sealed class MergeLeads(HandoffDb db, TimeProvider clock, LeadEnricher enricher, Microsoft.Extensions.Options.IOptions<MergeOptions> options, LeadAutomations automations)
{

    public async Task<Result<IReadOnlyList<DuplicateSuggestion>>> SuggestAsync(Guid id, CancellationToken ct)
    {
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        if (lead is null)
        {
            return new NotFoundError($"No lead with id {id}.");
        }

        if (lead.NameKey is null && lead.PhoneE164 is null && lead.EmailKey is null)
        {
            return Array.Empty<DuplicateSuggestion>();
        }

        var candidates = await db.Leads.AsNoTracking()
            .Where(l => l.Id != id && l.MergedIntoId == null && l.Stage != LeadStage.Junk
                && ((lead.NameKey != null && l.NameKey == lead.NameKey)
                    || (lead.PhoneE164 != null && l.PhoneE164 == lead.PhoneE164)
                    || (lead.EmailKey != null && l.EmailKey == lead.EmailKey)))
            .Take(200)
            .ToListAsync(ct);

        // People at the same company domain, whose names may differ in the stored key only ("Dr. Ana Lima", "Ana Lima
        // Jr.", "Müller" / "Mueller"): compared by the looser key in memory, the newest few hundred.
        if (lead.NameKey is not null && lead.CompanyDomain is { } domain)
        {
            var known = candidates.Select(c => c.Id).ToHashSet();
            var colleagues = await db.Leads.AsNoTracking()
                .Where(l => l.Id != id && l.MergedIntoId == null && l.Stage != LeadStage.Junk && l.CompanyDomain == domain && l.NameKey != null)
                .OrderByDescending(l => l.CreatedAt)
                .Take(500)
                .ToListAsync(ct);
            candidates.AddRange(colleagues.Where(c => !known.Contains(c.Id)));
        }

        return candidates
            .Select(c => Score(lead, c))
            .Where(s => s.Confidence >= 0.5)
            .OrderByDescending(s => s.Confidence)
            .Take(20)
            .ToList();
    }

    public async Task<Result<LeadView>> MergeAsync(Guid survivorId, MergeRequest request, Actor actor, CancellationToken ct)
    {
        if (request.DuplicateId == Guid.Empty)
        {
            return ValidationError.For("duplicateId", "is required: the id of the lead to merge into this one");
        }

        if (request.DuplicateId == survivorId)
        {
            return ValidationError.For("duplicateId", "a lead cannot be merged into itself");
        }

        if (request.Note is { Length: > 4000 })
        {
            return ValidationError.For("note", "must be at most 4000 characters");
        }

        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var survivor = await db.Leads.FirstOrDefaultAsync(l => l.Id == survivorId, ct);
        var duplicate = await db.Leads.FirstOrDefaultAsync(l => l.Id == request.DuplicateId, ct);
        if (survivor is null)
        {
            return new NotFoundError($"No lead with id {survivorId}.");
        }

        if (duplicate is null)
        {
            return ValidationError.For("duplicateId", $"no lead with id {request.DuplicateId}");
        }

        if (duplicate.MergedIntoId is not null || survivor.MergedIntoId is not null)
        {
            return new ConflictError("already-merged", "One of the two leads was already merged into another lead.");
        }

        if (StageRules.IsSetByPipelineOnly(duplicate.Stage) && !StageRules.IsSetByPipelineOnly(survivor.Stage))
        {
            return new ConflictError("merge-direction", $"Lead {duplicate.Id} is already in the pipeline ({duplicate.Stage}); merge the other lead into it instead.");
        }

        // A junk survivor would take a real person out of every metric, closed as its duplicate.
        if (survivor.Stage == LeadStage.Junk && duplicate.Stage != LeadStage.Junk)
        {
            return new ConflictError("merge-direction", $"Lead {survivor.Id} is Junk; merge it into lead {duplicate.Id} instead, or restore it first.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var merged = await SurviveAsync(survivor, duplicate, request.Rule, ct);
        var errors = new FieldErrors();
        merged.Validate(errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        if (StageRules.IsOpen(survivor.Stage) && EmailKeys.Of(merged.Email) is { } key && key != survivor.EmailKey)
        {
            var other = await db.Leads.Where(l => l.Id != survivor.Id && l.Id != duplicate.Id && l.EmailKey == key && StageRules.OpenStages.Contains(l.Stage))
                .Select(l => (Guid?)l.Id).FirstOrDefaultAsync(ct);
            if (other is { } openId)
            {
                return new ConflictError(
                    "duplicate-open-lead",
                    $"Lead {openId} is open for {merged.Email}, the email that would survive; merge lead {openId} too, or merge the other way round.");
            }
        }

        // The duplicate leaves the open stages first, so the survivor may take its email without breaking "one open lead per email".
        var closed = duplicate.MergeInto(survivor.Id, actor, now, request.Note);
        if (closed is not null)
        {
            db.StageChanges.Add(closed);
            LeadEvents.StageChanged(db, closed);
        }

        // A writer that changed either lead since it was read, or took the surviving email meanwhile, is a conflict;
        // returning before the commit rolls the whole merge back.
        if (await LeadChanges.SaveAsync(db, ct) is { } conflict)
        {
            return conflict;
        }

        // The field changes are recorded in the "merged" entry below, not as an edit: the merged values are not newer
        // data (DataGivenAtAsync), so a later merge of this lead still weighs them by when they were given.
        var enrichment = enricher.Of(merged);
        var edit = survivor.Update(merged, actor, now, enrichment);

        if (survivor.AccountId is null && (duplicate.AccountId ?? await AccountMatch.FindAsync(db, enrichment, ct)) is { } account)
        {
            survivor.LinkAccount(account);
        }

        var changes = new JsonObject
        {
            ["mergedLeadId"] = duplicate.Id.ToString(),
            ["rule"] = request.Rule.ToString(),
            ["fields"] = edit is null ? new JsonObject() : JsonNode.Parse(edit.Changes),
        };
        var absorbed = survivor.Absorbed(duplicate.Id, changes.ToJsonString(), actor, now, request.Note);
        db.AuditEntries.Add(absorbed);
        LeadEvents.Audited(db, absorbed);
        if (await LeadChanges.SaveAsync(db, ct) is { } raced)
        {
            return raced;
        }

        await db.Activities.Where(a => a.LeadId == duplicate.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.LeadId, survivor.Id), ct);
        await db.VisitorLinks.Where(v => v.LeadId == duplicate.Id).ExecuteUpdateAsync(s => s.SetProperty(v => v.LeadId, survivor.Id), ct);
        await automations.RunAsync(new LeadChange(survivor, actor, now) { FieldsChanged = edit is not null, ActivitiesMerged = true }, ct);
        if (await LeadChanges.SaveAsync(db, ct) is { } late)
        {
            return late;
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }

        return LeadView.From(survivor);
    }

    /// <summary>
    /// The lead that <paramref name="leadId"/> lives on as: itself when it was never merged, else the end of its chain
    /// of merges (A into B, B into C: C). Touches and captures of a merged-away lead's email belong there.
    /// </summary>
    public static async Task<Guid> SurvivorOfAsync(HandoffDb db, Guid leadId, CancellationToken ct)
    {
        var current = leadId;
        for (var hops = 0; hops < 100; hops++)
        {
            var next = await db.Leads.Where(l => l.Id == current).Select(l => l.MergedIntoId).FirstOrDefaultAsync(ct);
            if (next is not { } into)
            {
                break;
            }

            current = into;
        }

        return current;
    }

    /// <summary>
    /// The surviving field values: the winner's non-empty values over the other's; first-touch attribution always
    /// from the lead captured first; an email consent withdrawn on either lead stays withdrawn.
    /// </summary>
    private async Task<LeadDetails> SurviveAsync(Lead survivor, Lead duplicate, SurvivorshipRule rule, CancellationToken ct)
    {
        var survivorWins = rule switch
        {
            SurvivorshipRule.TrustedSource => Rank(survivor.Source) <= Rank(duplicate.Source),
            _ => await DataGivenAtAsync(survivor, ct) >= await DataGivenAtAsync(duplicate, ct),
        };
        var (winner, loser) = survivorWins ? (survivor, duplicate) : (duplicate, survivor);
        var first = survivor.CreatedAt <= duplicate.CreatedAt ? survivor : duplicate;
        var fields = loser.MergedWith(winner.Details);
        return fields with
        {
            Email = winner.Email ?? loser.Email,
            Source = first.Source,
            Channel = first.Channel,
            Campaign = first.Campaign,
            UtmSource = first.UtmSource,
            UtmMedium = first.UtmMedium,
            UtmCampaign = first.UtmCampaign,
            UtmTerm = first.UtmTerm,
            UtmContent = first.UtmContent,
            EmailConsent = survivor.EmailConsent == false || duplicate.EmailConsent == false ? false : winner.EmailConsent ?? loser.EmailConsent,
        };
    }

    /// <summary>
    /// When the lead's fields were last given: its capture, or its latest edit by a person, a recapture or an import
    /// (not a provider's gap-filling). Not <see cref="Lead.UpdatedAt"/>: a stage move, a reassignment or a merge
    /// bumps that, and would make the older data look newer.
    /// </summary>
    private async Task<DateTime> DataGivenAtAsync(Lead lead, CancellationToken ct)
    {
        var edited = await db.AuditEntries
            .Where(a => a.LeadId == lead.Id && a.Action == AuditActions.FieldsUpdated && !a.ActorId.StartsWith("enrichment:"))
            .MaxAsync(a => (DateTime?)a.At, ct);
        return edited is { } at && at > lead.CreatedAt ? at : lead.CreatedAt;
    }

    private int Rank(string? source)
    {
        var index = source is null ? -1 : options.Value.TrustedSources.FindIndex(s => string.Equals(s, source, StringComparison.OrdinalIgnoreCase));
        return index < 0 ? int.MaxValue : index;
    }

    private static DuplicateSuggestion Score(Lead lead, Lead other)
    {
        var reasons = new List<string>();
        double confidence = 0;
        void Add(double value, string reason)
        {
            reasons.Add(reason);
            confidence = 1 - ((1 - confidence) * (1 - value)); // independent pieces of evidence add up, never past 1
        }

        if (lead.EmailKey is not null && lead.EmailKey == other.EmailKey)
        {
            Add(0.99, "same email");
        }

        var sameName = lead.NameKey is not null && other.NameKey is not null
            && (lead.NameKey == other.NameKey || MatchKeys.LooseName(lead.FirstName, lead.LastName) == MatchKeys.LooseName(other.FirstName, other.LastName));
        if (lead.PhoneE164 is not null && lead.PhoneE164 == other.PhoneE164)
        {
            // A company's main line (extensions are not part of the E.164 number) is shared by colleagues: a phone is
            // evidence of one person only when the names do not say otherwise.
            if (sameName || lead.NameKey is null || other.NameKey is null)
            {
                Add(0.8, "same phone");
            }
            else
            {
                Add(0.2, "same phone, another name");
            }
        }

        if (sameName)
        {
            if (lead.CompanyDomain is not null && lead.CompanyDomain == other.CompanyDomain)
            {
                Add(0.9, "same name at the same company domain");
            }
            else if (lead.CompanyKey is not null && lead.CompanyKey == other.CompanyKey)
            {
                Add(0.8, "same name at the same company");
            }
            else
            {
                Add(0.3, "same name");
            }
        }

        var name = string.Join(' ', new[] { other.FirstName, other.LastName }.Where(n => n is not null));
        return new DuplicateSuggestion(other.Id, Math.Round(confidence, 2), reasons, name.Length == 0 ? null : name, other.Email, other.Company, other.Stage);
    }
}
