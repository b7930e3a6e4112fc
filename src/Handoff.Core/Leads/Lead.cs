using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Common;
using Handoff.Enrichment;

namespace Handoff.Leads;

/// <summary>
/// A person who showed interest, on their way through the lifecycle. Always in exactly one stage, always with
/// one owner (a user or a queue); Nurture has a wake date; Disqualified, Nurture, Junk and Lost have a reason.
/// Every change goes through a method here, which returns the history entry to append (for a new owner, the previous
/// one, which the caller records as an assignment).
/// </summary>
public sealed class Lead
{
    private Lead()
    {
    }

    public Guid Id { get; private set; }

    public string? FirstName { get; private set; }
    public string? LastName { get; private set; }
    public string? Email { get; private set; }
    public string? Phone { get; private set; }
    public string? Company { get; private set; }
    public string? Title { get; private set; }
    public string? Website { get; private set; }
    public string? Industry { get; private set; }
    public int? EmployeeCount { get; private set; }
    public string? Country { get; private set; }
    public string? State { get; private set; }
    public string? City { get; private set; }
    public string? Description { get; private set; }
    public string? Source { get; private set; }
    public string? Channel { get; private set; }
    public string? Campaign { get; private set; }
    public string? UtmSource { get; private set; }
    public string? UtmMedium { get; private set; }
    public string? UtmCampaign { get; private set; }
    public string? UtmTerm { get; private set; }
    public string? UtmContent { get; private set; }
    public bool? EmailConsent { get; private set; }
    public Dictionary<string, string> CustomFields { get; private set; } = [];

    /// <summary>The dedupe key of the email (see <see cref="EmailKeys"/>); one open lead per key.</summary>
    public string? EmailKey { get; private set; }

    /// <summary>Folded person and company names, for fuzzy duplicate suggestions (see <see cref="MatchKeys"/>).</summary>
    public string? NameKey { get; private set; }
    public string? CompanyKey { get; private set; }

    /// <summary>The lead this one was merged into; set on the duplicate, which stays for its history.</summary>
    public Guid? MergedIntoId { get; private set; }

    /// <summary>Attribution of the latest touch; the fields above (Source, Channel, Campaign, Utm*) are the first touch.</summary>
    public string? LatestSource { get; private set; }
    public string? LatestChannel { get; private set; }
    public string? LatestCampaign { get; private set; }
    public DateTime? LatestTouchAt { get; private set; }

    /// <summary>The key of the web form the lead last came through (null: never through a form); routing rules test it as <c>form</c>.</summary>
    public string? FormKey { get; private set; }

    /// <summary>What the built-in enricher derived from the fields above (recomputed on every change).</summary>
    public Seniority Seniority { get; private set; }
    public Department Department { get; private set; }
    public string? CountryCode { get; private set; }
    public Region Region { get; private set; }
    public CompanySizeBand SizeBand { get; private set; }
    public Segment Segment { get; private set; }

    /// <summary>The company's domain, from a work email or else the website; null for free webmail without a website.</summary>
    public string? CompanyDomain { get; private set; }
    public bool IsFreeMail { get; private set; }

    /// <summary>The phone in E.164 when it is a valid number, else null.</summary>
    public string? PhoneE164 { get; private set; }

    /// <summary>When an external enrichment provider was last asked about this lead (null: not yet).</summary>
    public DateTime? ProviderCheckedAt { get; private set; }

    /// <summary>After a provider failure: not before this time again.</summary>
    public DateTime? ProviderRetryAt { get; private set; }

    public LeadStage Stage { get; private set; }
    public DateTime StageEnteredAt { get; private set; }

    /// <summary>The reason code of the current stage, where it has one.</summary>
    public string? StageReason { get; private set; }

    /// <summary>When a Nurture lead wakes up; null in every other stage.</summary>
    public DateTime? WakeAt { get; private set; }

    public OwnerKind OwnerKind { get; private set; }
    public Guid OwnerId { get; private set; }
    public Guid? AccountId { get; private set; }
    public int FitScore { get; private set; }
    public int EngagementScore { get; private set; }

    /// <summary>The part of <see cref="EngagementScore"/> from buying signals (pricing, demo requests, replies).</summary>
    public int IntentScore { get; private set; }

    /// <summary>A to D from the fit score and the active model's thresholds; null until scored.</summary>
    public string? FitGrade { get; private set; }

    /// <summary>The scoring model version of the scores; null for a lead never scored (an import not swept yet).</summary>
    public int? ScoreModelVersion { get; private set; }

    /// <summary>When the scores were computed; engagement decays after it (read the exact value at /score).</summary>
    public DateTime? ScoredAt { get; private set; }

    /// <summary>The scoring engine's running state (JSON), so that an activity updates only the rules it matches.</summary>
    public string? ScoreState { get; private set; }

    /// <summary>How many times the lead came back from Nurture (woke on its date or on new high-intent engagement).</summary>
    public int RecycleCount { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    /// <summary>Speed to lead: when a person first owned the lead (set once; its capture time is <see cref="CreatedAt"/>).</summary>
    public DateTime? FirstAssignedAt { get; private set; }

    /// <summary>The first user who owned the lead: the rep the speed-to-lead report counts it for.</summary>
    public Guid? FirstAssignedUserId { get; private set; }

    /// <summary>Speed to lead: when sales first touched the lead (set once), and who.</summary>
    public DateTime? FirstTouchAt { get; private set; }
    public Guid? FirstTouchUserId { get; private set; }

    /// <summary>
    /// Optimistic concurrency token: every change bumps it (not the speed-to-lead notes, which record when something
    /// happened rather than change the lead); a stale write fails.
    /// </summary>
    public int Version { get; private set; }

    /// <summary>Lower-cased name, email and company for free-text search on every provider.</summary>
    public string SearchText { get; private set; } = "";

    public Owner Owner => new(OwnerKind, OwnerId);

    public LeadDetails Details => new()
    {
        FirstName = FirstName,
        LastName = LastName,
        Email = Email,
        Phone = Phone,
        Company = Company,
        Title = Title,
        Website = Website,
        Industry = Industry,
        EmployeeCount = EmployeeCount,
        Country = Country,
        State = State,
        City = City,
        Description = Description,
        Source = Source,
        Channel = Channel,
        Campaign = Campaign,
        UtmSource = UtmSource,
        UtmMedium = UtmMedium,
        UtmCampaign = UtmCampaign,
        UtmTerm = UtmTerm,
        UtmContent = UtmContent,
        EmailConsent = EmailConsent,
        CustomFields = CustomFields.Count == 0 ? null : new Dictionary<string, string>(CustomFields, StringComparer.Ordinal),
    };

    /// <summary>Creates a lead in New, owned by <paramref name="owner"/>, and the history entry of its creation.</summary>
    public static (Lead Lead, StageChange Created) Capture(LeadDetails details, Owner owner, Actor actor, DateTime at, LeadEnrichment? enrichment = null)
    {
        var lead = new Lead
        {
            Id = Ids.NewId(),
            Stage = LeadStage.New,
            StageEnteredAt = at,
            OwnerKind = owner.Kind,
            OwnerId = owner.Id,
            CreatedAt = at,
            UpdatedAt = at,
            Version = 1,
        };
        lead.Apply(details);
        lead.Enrich(enrichment);
        lead.Touched(at, details.Source, details.Channel, details.Campaign ?? details.UtmCampaign);
        var created = StageChange.Record(lead, null, LeadStage.New, actor, at, null, null, null, null, null, null);
        return (lead, created);
    }

    /// <summary>Moves the lead to <paramref name="to"/> if the stage machine allows it.</summary>
    public Result<StageChange> MoveTo(LeadStage to, Actor actor, DateTime at, string? reason, string? note, DateTime? wakeAt, string? evidence = null)
    {
        if (to == Stage)
        {
            return new ConflictError("already-in-stage", $"The lead is already in {Stage}.");
        }

        if (!StageRules.CanMove(Stage, to))
        {
            // The stages a transition may reach; those only the pipeline sets (conversion, the opportunity's outcome) apart.
            var next = StageRules.NextStages(Stage);
            var allowed = string.Join(", ", next.Where(s => !StageRules.IsSetByPipelineOnly(s)));
            var byPipeline = string.Join(", ", next.Where(StageRules.IsSetByPipelineOnly));
            return new ConflictError(
                "illegal-transition",
                $"A lead in {Stage} cannot move to {to}. Allowed from {Stage}: {(allowed.Length == 0 ? "none" : allowed)}" +
                (byPipeline.Length == 0 ? "." : $"; {byPipeline} only through the pipeline (conversion to an opportunity and its outcome)."));
        }

        var errors = new FieldErrors();
        if (StageRules.RequiresReason(to) && reason is null)
        {
            errors.Add("reason", $"a reason code is required to move a lead to {to}");
        }

        if (to == LeadStage.Nurture)
        {
            if (wakeAt is null)
            {
                errors.Add("wakeAt", "a Nurture lead needs a wake date");
            }
            else if (wakeAt <= at)
            {
                errors.Add("wakeAt", "the wake date must be in the future");
            }
        }
        else if (wakeAt is not null)
        {
            errors.Add("wakeAt", "a wake date applies only to Nurture");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var change = Enter(to, actor, at, reason, note, evidence, wakeAt, undoOf: null);
        return change;
    }

    /// <summary>Reverses <paramref name="change"/> (the latest effective move) with a compensating change.</summary>
    public Result<StageChange> Undo(StageChange change, Actor actor, DateTime at, string? note)
    {
        if (change.LeadId != Id || change.From is not { } from || change.To != Stage)
        {
            return new ConflictError("nothing-to-undo", "That change is not the lead's latest move.");
        }

        if (StageRules.IsSetByPipelineOnly(change.To) || StageRules.IsSetByPipelineOnly(from))
        {
            return new ConflictError(
                "pipeline-controlled",
                $"A move between {from} and {change.To} follows the opportunity and cannot be undone here.");
        }

        return Enter(from, actor, at, change.PreviousReason, note, null, change.PreviousWakeAt, undoOf: change.Id);
    }

    /// <summary>Replaces the editable fields; returns the audit entry, or null when nothing changed.</summary>
    public AuditEntry? Update(LeadDetails details, Actor actor, DateTime at, LeadEnrichment? enrichment = null)
    {
        var before = JsonSerializer.SerializeToNode(Details, AuditJson.Options)!.AsObject();
        var after = JsonSerializer.SerializeToNode(details, AuditJson.Options)!.AsObject();
        var changes = new JsonObject();
        foreach (var (name, value) in after)
        {
            var old = before[name];
            if (!JsonNode.DeepEquals(old, value))
            {
                changes[name] = new JsonObject { ["from"] = old?.DeepClone(), ["to"] = value?.DeepClone() };
            }
        }

        if (changes.Count == 0)
        {
            return null;
        }

        Apply(details);
        Enrich(enrichment);
        Touch(at);
        return AuditEntry.Record(Id, Version, AuditActions.FieldsUpdated, actor, at, changes.ToJsonString(), null);
    }

    /// <summary>Notes the first time a person owned the lead (not a version change: a fact about the past). True when it was the first.</summary>
    internal bool NoteAssigned(Guid userId, DateTime at)
    {
        if (FirstAssignedAt is not null)
        {
            return false;
        }

        FirstAssignedAt = at;
        FirstAssignedUserId = userId;
        return true;
    }

    /// <summary>Notes the first touch by sales (set once).</summary>
    internal void NoteTouched(Guid? userId, DateTime at)
    {
        if (FirstTouchAt is null)
        {
            FirstTouchAt = at;
            FirstTouchUserId = userId;
        }
    }

    /// <summary>
    /// Gives the lead to another user or queue; returns the owner it had, or null when unchanged. The change is
    /// recorded by the caller as an <see cref="Routing.Assignment"/>, which the history shows as <c>owner-changed</c>.
    /// </summary>
    public Owner? AssignTo(Owner owner, DateTime at)
    {
        if (owner == Owner)
        {
            return null;
        }

        var from = Owner;
        OwnerKind = owner.Kind;
        OwnerId = owner.Id;
        Touch(at);
        return from;
    }

    private void Enrich(LeadEnrichment? e)
    {
        e ??= new LeadEnrichment();
        Seniority = e.Seniority;
        Department = e.Department;
        CountryCode = e.CountryCode;
        Region = e.Region;
        SizeBand = e.SizeBand;
        Segment = e.Segment;
        CompanyDomain = e.CompanyDomain ?? e.WebsiteDomain;
        IsFreeMail = e.IsFreeMail;
        PhoneE164 = e.PhoneStatus == PhoneStatus.Valid ? e.Phone : null;
    }

    /// <summary>
    /// Closes this lead as a duplicate of <paramref name="survivor"/>: an open lead is disqualified with reason
    /// <c>duplicate</c>; a closed one only records where it went. Returns the stage change, if any.
    /// </summary>
    public StageChange? MergeInto(Guid survivor, Actor actor, DateTime at, string? note)
    {
        MergedIntoId = survivor;
        if (!StageRules.IsOpen(Stage))
        {
            Touch(at);
            return null;
        }

        return Enter(LeadStage.Disqualified, actor, at, "duplicate", note ?? $"Merged into lead {survivor}", null, null, undoOf: null);
    }

    /// <summary>Records, on the surviving lead, that another lead was merged into it.</summary>
    public AuditEntry Absorbed(Guid duplicate, string changes, Actor actor, DateTime at, string? note)
    {
        Touch(at);
        return AuditEntry.Record(Id, Version, AuditActions.Merged, actor, at, changes, note ?? $"Lead {duplicate} merged into this one");
    }

    /// <summary>Records an event of another capability (a service-level breach or escalation) in the lead's history.</summary>
    public AuditEntry Noted(string action, string changes, Actor actor, DateTime at, string? note)
    {
        Touch(at);
        return AuditEntry.Record(Id, Version, action, actor, at, changes, note);
    }

    /// <summary>Notes a provider lookup (answered, or failed and to be retried later); not an edit, so no new version.</summary>
    public void ProviderChecked(DateTime at, DateTime? retryAt)
    {
        ProviderCheckedAt = retryAt is null ? at : null;
        ProviderRetryAt = retryAt;
    }

    /// <summary>
    /// Records the lead's scores. Not an edit of the lead: no new version, no history (the breakdown explains them).
    /// </summary>
    public void Scored(int fit, string fitGrade, int engagement, int intent, int modelVersion, DateTime at, string? state)
    {
        FitScore = fit;
        FitGrade = fitGrade;
        EngagementScore = engagement;
        IntentScore = intent;
        ScoreModelVersion = modelVersion;
        ScoredAt = at;
        ScoreState = state;
    }

    /// <summary>Flags the lead as recycled: it is re-entering the funnel from Nurture.</summary>
    public void MarkRecycled() => RecycleCount++;

    /// <summary>Links the lead to its company account.</summary>
    public void LinkAccount(Guid accountId) => AccountId = accountId;

    private StageChange Enter(LeadStage to, Actor actor, DateTime at, string? reason, string? note, string? evidence, DateTime? wakeAt, Guid? undoOf)
    {
        var from = Stage;
        var previousReason = StageReason;
        var previousWakeAt = WakeAt;
        Stage = to;
        StageEnteredAt = at;
        StageReason = reason;
        WakeAt = to == LeadStage.Nurture ? wakeAt : null;
        Touch(at);
        return StageChange.Record(this, from, to, actor, at, reason, note, evidence, undoOf, previousReason, previousWakeAt);
    }

    private void Touch(DateTime at)
    {
        UpdatedAt = at;
        Version++;
    }

    private void Apply(LeadDetails d)
    {
        FirstName = d.FirstName;
        LastName = d.LastName;
        Email = d.Email;
        Phone = d.Phone;
        Company = d.Company;
        Title = d.Title;
        Website = d.Website;
        Industry = d.Industry;
        EmployeeCount = d.EmployeeCount;
        Country = d.Country;
        State = d.State;
        City = d.City;
        Description = d.Description;
        Source = d.Source;
        Channel = d.Channel;
        Campaign = d.Campaign;
        UtmSource = d.UtmSource;
        UtmMedium = d.UtmMedium;
        UtmCampaign = d.UtmCampaign;
        UtmTerm = d.UtmTerm;
        UtmContent = d.UtmContent;
        EmailConsent = d.EmailConsent;
        CustomFields = d.CustomFields is null ? [] : new Dictionary<string, string>(d.CustomFields, StringComparer.Ordinal);
        SearchText = string.Join(' ', new[] { FirstName, LastName, Email, Company }.Where(s => s is not null)).ToLowerInvariant();
        EmailKey = EmailKeys.Of(Email);
        NameKey = MatchKeys.Name(FirstName, LastName);
        CompanyKey = MatchKeys.Company(Company);
    }

    /// <summary>
    /// Records the attribution of a newer touch (a re-capture or an activity). Attribution is not an edit of the
    /// lead, so it neither bumps the version nor writes history; the activity itself is the record.
    /// </summary>
    public void Touched(DateTime at, string? source, string? channel, string? campaign)
    {
        if (LatestTouchAt is { } latest && latest > at)
        {
            return;
        }

        LatestTouchAt = at;
        LatestSource = source ?? LatestSource;
        LatestChannel = channel ?? LatestChannel;
        LatestCampaign = campaign ?? LatestCampaign;
    }

    /// <summary>Notes the web form a capture came through; like attribution, not an edit.</summary>
    public void CameThroughForm(string? formKey)
    {
        if (formKey is not null)
        {
            FormKey = formKey;
        }
    }

    /// <summary>
    /// Survivorship for a repeated capture of the same person: a newer non-empty value replaces the old one, an
    /// empty one never erases; first-touch attribution and consent withdrawals are kept as they are.
    /// </summary>
    public LeadDetails MergedWith(LeadDetails newer)
    {
        var d = Details;
        return d with
        {
            FirstName = newer.FirstName ?? d.FirstName,
            LastName = newer.LastName ?? d.LastName,
            Phone = newer.Phone ?? d.Phone,
            Company = newer.Company ?? d.Company,
            Title = newer.Title ?? d.Title,
            Website = newer.Website ?? d.Website,
            Industry = newer.Industry ?? d.Industry,
            EmployeeCount = newer.EmployeeCount ?? d.EmployeeCount,
            Country = newer.Country ?? d.Country,
            State = newer.State ?? d.State,
            City = newer.City ?? d.City,
            Description = newer.Description ?? d.Description,
            EmailConsent = d.EmailConsent == false ? false : newer.EmailConsent ?? d.EmailConsent,
            CustomFields = newer.CustomFields is null ? d.CustomFields : MergedCustomFields(d.CustomFields, newer.CustomFields),
        };
    }

    /// <summary>
    /// Every newer custom field, and the older ones it lacks while the lead has room (<see cref="LeadDetails.MaxCustomFields"/>):
    /// a lead over the limit could no longer be edited, since every edit validates the whole lead.
    /// </summary>
    private static Dictionary<string, string> MergedCustomFields(Dictionary<string, string>? older, Dictionary<string, string> newer)
    {
        var room = LeadDetails.MaxCustomFields - newer.Count;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in older ?? [])
        {
            if (newer.TryGetValue(key, out var newValue))
            {
                fields[key] = newValue;
            }
            else if (room > 0)
            {
                fields[key] = value;
                room--;
            }
        }

        foreach (var (key, value) in newer)
        {
            fields.TryAdd(key, value);
        }

        return fields;
    }
}

/// <summary>JSON settings for history payloads: camelCase, nulls kept so that a cleared field shows.</summary>
internal static class AuditJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
