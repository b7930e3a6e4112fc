using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Hygiene;
using Handoff.Leads;
using Handoff.Routing;
using Handoff.Teams;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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
/// attribution → join earlier anonymous touches → the lead automations (score, MQL check, route, SLA clocks) →
/// history and outbox. On SQLite the validated capture queues for the single writer, which commits captures in
/// groups (<see cref="CaptureWriter"/>); on PostgreSQL each request has its own transaction.
/// </summary>
public sealed class CaptureLead(HandoffDb db, TimeProvider clock, FallbackQueue fallback, JunkClassifier junkClassifier, LeadEnricher enricher, LeadAutomations automations, CaptureWriter writer, Router router)
{
    private const int MaxAttempts = 5;

    // The queries every capture asks, compiled once rather than translated on each call.
    // The open lead of an email; else a lead merged away under it, which the capture follows to its survivor.
    private static readonly PerProvider<Func<HandoffDb, string, Task<Lead?>>> OpenLeadByEmailKey = new(() => EF.CompileAsyncQuery((HandoffDb db, string key) =>
        db.Leads.Where(l => l.EmailKey == key && (StageRules.OpenStages.Contains(l.Stage) || l.MergedIntoId != null))
            .OrderBy(l => l.MergedIntoId == null ? 0 : 1).FirstOrDefault()));

    private static readonly PerProvider<Func<HandoffDb, string, string, Task<IdempotencyRecord?>>> UsedKey = new(() => EF.CompileAsyncQuery((HandoffDb db, string scope, string key) =>
        db.IdempotencyRecords.AsNoTracking().FirstOrDefault(r => r.Scope == scope && r.Key == key)));

    // The SQLite writer's look-ups, prepared once on its connection (EF prepares a query again on every run); the same
    // questions as the EF queries beside them, which the per-request path asks.
    private static readonly string OpenLeadIdByEmailKeySql =
        $"SELECT id FROM leads WHERE email_key = ? AND (stage IN ({string.Join(", ", StageRules.OpenStages.Select(s => $"'{s}'"))}) OR merged_into_id IS NOT NULL) LIMIT 1";

    private const string AccountByDomainSql =
        "SELECT id FROM accounts WHERE domain IN (?1, ?2, ?3) ORDER BY CASE domain WHEN ?1 THEN 0 WHEN ?2 THEN 1 ELSE 2 END LIMIT 1";

    private const string UsedKeySql = "SELECT 1 FROM idempotency_records WHERE scope = ? AND key = ?";

    private const string VisitorLinkSql = "SELECT lead_id FROM visitor_links WHERE visitor_id = ?";

    /// <summary>The most anonymous touches a capture joins and scores at once; more (a bot's history) join after it, scored at the lead's next rebuild.</summary>
    internal const int MaxJoinedTouches = 1_000;

    private const string AnonymousByVisitorSql = "SELECT 1 FROM activities WHERE lead_id IS NULL AND visitor_id = ? LIMIT 1";

    private const string AnonymousByEmailKeySql = "SELECT 1 FROM activities WHERE lead_id IS NULL AND email_key = ? LIMIT 1";

    private const string StitchByVisitorSql = "UPDATE activities SET lead_id = {0}, email_key = NULL WHERE lead_id IS NULL AND visitor_id = {1}";

    private const string StitchByEmailKeySql = "UPDATE activities SET lead_id = {0}, email_key = NULL WHERE lead_id IS NULL AND email_key = {1}";

    private const string StitchByEitherSql = "UPDATE activities SET lead_id = {0}, email_key = NULL WHERE lead_id IS NULL AND (visitor_id = {1} OR email_key = {2})";

    public Task<Result<CaptureAnswer>> HandleAsync(LeadDetails request, CaptureContext context, Actor actor, CancellationToken ct) =>
        HandleAsync(request, context, actor, claim: null, ct);

    /// <summary>
    /// The same, recording <paramref name="claim"/> (the request's Idempotency-Key) in the capture's transaction.
    /// Throws <see cref="IdempotencyKeyUsedException"/> when the key was used already.
    /// </summary>
    public async Task<Result<CaptureAnswer>> HandleAsync(LeadDetails request, CaptureContext context, Actor actor, IdempotencyClaim? claim, CancellationToken ct)
    {
        var details = request.Normalize();
        var errors = new FieldErrors();
        Validate(details, context, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        var visitorId = VisitorIdOf(context);

        // The screen and the enrichment need no database, so they run here, on the request's own thread.
        var screened = new ScreenedCapture(junkClassifier.Screen(details, context.HoneypotFilled, context.RequiresPerson), enricher.Of(details), EmailKeys.Of(details.Email));
        var capture = new QueuedCapture(details, screened, context with { VisitorId = visitorId }, actor, clock.GetUtcNow().UtcDateTime, claim, ct);
        if (db.IsSqlite && db.Database.CurrentTransaction is null)
        {
            return await writer.EnqueueAsync(capture);
        }

        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;

        // A transaction of its own commits right after, which releases the savepoint with it: one round trip fewer while
        // the capture holds its rows and its team's routing lock.
        var answer = await CaptureBehindSavepointAsync(capture, release: transaction is null, ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }

        return answer;
    }

    /// <summary>
    /// What a capture checks before it goes near the database: each bad field of the <paramref name="details"/>
    /// (normalized) and of the <paramref name="context"/>, all of them.
    /// </summary>
    /// <param name="details">The lead's fields, normalized.</param>
    /// <param name="context">How the capture arrived.</param>
    /// <param name="errors">Where each bad field is added.</param>
    public static void Validate(LeadDetails details, CaptureContext context, FieldErrors errors)
    {
        details.Validate(errors);
        if (VisitorIdOf(context) is { Length: > 100 })
        {
            errors.Add("visitorId", "must be at most 100 characters");
        }

        if (context.PageUrl is { Length: > 2000 })
        {
            errors.Add("pageUrl", "must be at most 2000 characters");
        }
    }

    private static string? VisitorIdOf(CaptureContext context) =>
        string.IsNullOrWhiteSpace(context.VisitorId) ? null : context.VisitorId.Trim();

    /// <summary>
    /// Runs a batch of queued SQLite captures in one transaction on the single writer (see <see cref="CaptureWriter"/>),
    /// on the writer's own connection, whose inserts and look-ups stay prepared from batch to batch. The writer holds
    /// the write turn (<see cref="SqliteWriteGate"/>).
    /// </summary>
    internal async Task CommitBatchAsync(IReadOnlyList<QueuedCapture> batch, SqliteConnection connection, PreparedStatements prepared, CancellationToken ct)
    {
        // The context comes from the pool and goes back to it: it borrows the writer's connection for this batch only.
        var connectionString = db.Database.GetConnectionString();
        db.Database.SetDbConnection(connection, contextOwnsConnection: false);
        db.Prepared = prepared;
        db.Untracked = [];
        try
        {
            // First without a savepoint per capture: SQLite copies every page a capture changes first within a savepoint
            // to the savepoint's journal (some thirty pages, table and index leaves, per capture), which took a sixth of
            // the writer's time. Captures almost never fail here (each runs after the one before it in this transaction,
            // so two of one person meet as an update, not a conflict); when one does, the batch is rolled back whole and
            // run again with a savepoint per capture, so that it fails alone.
            if (!await CommitBatchOnceAsync(batch, savepoints: false, ct))
            {
                await CommitBatchOnceAsync(batch, savepoints: true, ct);
            }
        }
        finally
        {
            db.Prepared = null;
            db.Untracked = null;
            db.Database.SetDbConnection(null, contextOwnsConnection: true);
            db.Database.SetConnectionString(connectionString);
        }
    }

    /// <summary>
    /// Runs the batch in a transaction and commits it: false, with nothing written, when a capture failed without
    /// <paramref name="savepoints"/>; with them, a capture that fails is rolled back to its savepoint and fails alone.
    /// </summary>
    private async Task<bool> CommitBatchOnceAsync(IReadOnlyList<QueuedCapture> batch, bool savepoints, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Database.AutoSavepointsEnabled = false; // the batch's own savepoints (or none) guard its captures, not EF's
        var answered = new List<(QueuedCapture Capture, CaptureAnswer Answer)>(batch.Count);
        var failed = new List<(QueuedCapture Capture, Exception Error)>();
        foreach (var capture in batch)
        {
            if (capture.RequestAborted.IsCancellationRequested)
            {
                capture.Cancel();
                continue;
            }

            try
            {
                answered.Add((capture, savepoints ? await CaptureBehindSavepointAsync(capture, release: true, ct) : await CaptureUnguardedAsync(capture, ct)));
            }
            catch (Exception e) when (savepoints)
            {
                // Rolled back to its savepoint: this capture alone fails, the rest of the batch commits. It hears so
                // after the commit, like the rest: a used Idempotency-Key is answered with a record of this batch.
                failed.Add((capture, e));
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // The transaction rolls back as it is disposed; the turns the router took with it are forgotten.
                db.ForgetChanges();
                router.Forget();
                return false;
            }

            db.ForgetChanges();
        }

        await transaction.CommitAsync(ct);
        foreach (var (capture, error) in failed)
        {
            capture.Fail(error);
        }

        // The answers go out from a pool thread: waking a sleeping worker for each request's continuation took a
        // sixth of the writer's time when batches were small, and the writer is what every capture waits for.
        ThreadPool.UnsafeQueueUserWorkItem(
            static answered =>
            {
                foreach (var (capture, answer) in answered)
                {
                    capture.Complete(answer);
                }
            },
            answered,
            preferLocal: false);
        return true;
    }

    /// <summary>One capture inside the current transaction, with no savepoint of its own: when it fails, the caller rolls the transaction back.</summary>
    private async Task<CaptureAnswer> CaptureUnguardedAsync(QueuedCapture capture, CancellationToken ct)
    {
        await ThrowIfKeyUsedAsync(capture);
        return await CaptureOnceAsync(capture, ct);
    }

    /// <summary>
    /// A key used already (earlier, earlier in this batch, or by the request whose insert this one's just lost to) is
    /// answered with its record, before any work.
    /// </summary>
    private async Task ThrowIfKeyUsedAsync(QueuedCapture capture)
    {
        if (capture.Claim is { } claim
            && (Prepared is null || Prepared.Statement(UsedKeySql).Any(claim.Scope, claim.Key))
            && await UsedKey.For(db)(db, claim.Scope, claim.Key) is { } used)
        {
            throw new IdempotencyKeyUsedException(used);
        }
    }

    /// <summary>
    /// One capture inside the current transaction, behind a savepoint: when it fails, only its own writes are
    /// undone. A unique or concurrency conflict means another capture of the same person got there first (it
    /// created the open lead, or changed it): the capture runs again and updates that lead instead.
    /// </summary>
    private async Task<CaptureAnswer> CaptureBehindSavepointAsync(QueuedCapture capture, bool release, CancellationToken ct)
    {
        const string savepoint = "capture";
        var transaction = db.Database.CurrentTransaction!;
        db.Database.AutoSavepointsEnabled = false;
        for (var attempt = 0; ; attempt++)
        {
            await ThrowIfKeyUsedAsync(capture);

            // On the writer by its prepared statements: EF builds each savepoint's command anew.
            await SavepointAsync(transaction, "SAVEPOINT " + savepoint, t => t.CreateSavepointAsync(savepoint, ct));
            try
            {
                var answer = await CaptureOnceAsync(capture, ct);
                if (release)
                {
                    await SavepointAsync(transaction, "RELEASE " + savepoint, t => t.ReleaseSavepointAsync(savepoint, ct));
                }

                return answer;
            }
            catch (Exception e)
            {
                await SavepointAsync(transaction, "ROLLBACK TO " + savepoint, t => t.RollbackToSavepointAsync(savepoint, CancellationToken.None));
                db.ForgetChanges();
                router.Forget();
                if (attempt >= MaxAttempts || e is not DbUpdateException update || !(update is DbUpdateConcurrencyException || DbErrors.IsUniqueViolation(update)))
                {
                    throw;
                }
            }
        }
    }

    private Task SavepointAsync(IDbContextTransaction transaction, string sql, Func<IDbContextTransaction, Task> viaEf)
    {
        if (Prepared is null)
        {
            return viaEf(transaction);
        }

        Prepared.Statement(sql).Execute();
        return Task.CompletedTask;
    }

    private async Task<CaptureAnswer> CaptureOnceAsync(QueuedCapture capture, CancellationToken ct)
    {
        var (details, context, actor, now) = (capture.Details, capture.Context, capture.Actor, capture.At);
        var (junk, enrichment, key) = capture.Screened;

        // Junk never merges into a real lead: it is kept apart, in Junk, for review. On the writer a prepared look-up
        // asks first, and EF loads the lead only when there is one.
        Lead? existing = null;
        if (key is not null && junk is null && (Prepared is null || Prepared.Statement(OpenLeadIdByEmailKeySql).FirstGuid(key) is not null))
        {
            existing = await OpenLeadByEmailKey.For(db)(db, key);
            if (existing?.MergedIntoId is not null)
            {
                // The person's email lives on as a merged-away lead: their open survivor is updated, not duplicated.
                var survivorId = await MergeLeads.SurvivorOfAsync(db, existing.Id, ct);
                existing = await db.Leads.FirstOrDefaultAsync(l => l.Id == survivorId, ct) is { } survivor && StageRules.IsOpen(survivor.Stage) ? survivor : null;
            }
        }

        // A known lead already linked to its account needs no lookup.
        var accountId = existing?.AccountId is null ? await MatchAccountAsync(enrichment, ct) : null;

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
                db.Insert(entry);
                fieldsChanged = true;
            }

            lead.Touched(now, details.Source, details.Channel, details.Campaign ?? details.UtmCampaign);
            LeadEvents.Recaptured(db, lead, now);
        }
        else
        {
            var queueId = await fallback.IdAsync(db, ct);
            (lead, var created) = Lead.Capture(details, new Owner(OwnerKind.Queue, queueId), actor, now, enrichment);
            db.Insert(lead);
            db.Insert(created);
            LeadEvents.Created(db, lead, now);
            if (junk is { } verdict)
            {
                var junked = lead.MoveTo(LeadStage.Junk, Actor.System("hygiene"), now, verdict.Reason, verdict.Detail, null,
                    $$"""{"check":"hygiene","field":{{System.Text.Json.JsonSerializer.Serialize(verdict.Field)}},"detail":{{System.Text.Json.JsonSerializer.Serialize(verdict.Detail)}}}""");
                junkMove = junked.Value!;
                db.Insert(junkMove);
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
        db.Insert(activity);

        var change = new LeadChange(lead, actor, now) { Created = existing is null, FieldsChanged = fieldsChanged };
        change.Activities.Add(activity);
        var more = false;
        if (junk is null)
        {
            // The person's anonymous touches (by visitor id or email) join the lead now, so they count in its score and
            // its MQL check at once. Junk takes no one's history.
            (var joined, more) = await JoinAnonymousTouchesAsync(lead.Id, key, context.VisitorId, ct);
            change.Activities.AddRange(joined);
        }

        if (junkMove is not null)
        {
            change.StageChanges.Add(junkMove);
        }

        await automations.RunAsync(change, ct);
        var answer = new CaptureAnswer(LeadView.From(lead), existing is null, existing?.Id, junk?.Reason, activity.Id);
        if (capture.Claim is { } claimed)
        {
            // Saved with the lead. Another request with this key may be inserting it too (PostgreSQL): the loser's
            // unique violation runs its capture again, which then finds the winner's record first.
            var response = claimed.Respond(answer);
            var record = IdempotencyRecord.Start(claimed.Scope, claimed.Key, claimed.RequestHash, now);
            record.Complete(response);
            db.Insert(record);
        }

        await SaveAsync(ct);
        if (junk is null)
        {
            // Junk takes no one's history: a real person's anonymous touches, and their visitor id, wait for their lead.
            await StitchAsync(lead.Id, key, context.VisitorId, more, now, ct);
        }

        return answer;
    }


    /// <summary>The SQLite writer's statements while this context runs a batch on its connection; null on the per-request path.</summary>
    private PreparedStatements? Prepared => db.Prepared;

    /// <summary>On the SQLite writer the batch's prepared inserts save; on the per-request path, EF.</summary>
    private Task SaveAsync(CancellationToken ct) => Prepared is null ? db.SaveChangesAsync(ct) : Prepared.SaveChangesAsync(db, ct);

    /// <summary>The lead's account (<see cref="AccountMatch"/>): on the SQLite writer by its prepared statement.</summary>
    private async Task<Guid?> MatchAccountAsync(LeadEnrichment enrichment, CancellationToken ct) =>
        Prepared is null ? await AccountMatch.FindAsync(db, enrichment, ct)
        : AccountMatch.Domains(enrichment) is { } d ? Prepared.Statement(AccountByDomainSql).FirstGuid(d.First, d.Second, d.Third)
        : null;

    /// <summary>
    /// The anonymous touches of the lead's visitor id or email key (the latest <see cref="MaxJoinedTouches"/>), loaded
    /// and joined to the lead; <c>More</c> when there are more, which <see cref="StitchAsync"/> moves after the save.
    /// On the writer prepared look-ups ask first, and EF loads them only when there are some. On PostgreSQL the rows
    /// are locked, and a concurrent capture that claimed one first makes it drop out, so a touch joins one lead.
    /// </summary>
    private async Task<(List<Activity> Touches, bool More)> JoinAnonymousTouchesAsync(Guid leadId, string? emailKey, string? visitorId, CancellationToken ct)
    {
        var byVisitor = visitorId is not null && (Prepared is null || Prepared.Statement(AnonymousByVisitorSql).Any(visitorId));
        var byEmail = emailKey is not null && (Prepared is null || Prepared.Statement(AnonymousByEmailKeySql).Any(emailKey));
        if (!byVisitor && !byEmail)
        {
            return ([], false);
        }

        var anonymous = !db.IsSqlite
            ? db.Activities.FromSql($"SELECT * FROM activities WHERE lead_id IS NULL AND (visitor_id = {visitorId} OR email_key = {emailKey}) ORDER BY occurred_at DESC LIMIT {MaxJoinedTouches + 1} FOR UPDATE")
            : (byVisitor && byEmail ? db.Activities.Where(a => a.LeadId == null && (a.VisitorId == visitorId || a.EmailKey == emailKey))
                : byVisitor ? db.Activities.Where(a => a.LeadId == null && a.VisitorId == visitorId)
                : db.Activities.Where(a => a.LeadId == null && a.EmailKey == emailKey))
                .OrderByDescending(a => a.OccurredAt).Take(MaxJoinedTouches + 1);
        var touches = await anonymous.ToListAsync(ct);
        var more = touches.Count > MaxJoinedTouches;
        if (more)
        {
            db.Entry(touches[^1]).State = EntityState.Detached;
            touches.RemoveAt(touches.Count - 1);
        }

        foreach (var touch in touches)
        {
            touch.JoinLead(leadId);
        }

        return (touches, more);
    }

    /// <summary>
    /// Links the visitor to the lead, and moves onto it the anonymous touches <see cref="JoinAnonymousTouchesAsync"/>
    /// did not join: past its limit, and on PostgreSQL those recorded while this capture ran (on SQLite nothing is
    /// written between the two, the capture holding the one write lock).
    /// </summary>
    private async Task StitchAsync(Guid leadId, string? emailKey, string? visitorId, bool more, DateTime now, CancellationToken ct)
    {
        if (visitorId is not null)
        {
            var linked = Prepared is null
                ? await db.VisitorLinks.AnyAsync(v => v.VisitorId == visitorId, ct)
                : Prepared.Statement(VisitorLinkSql).FirstGuid(visitorId) is not null;
            if (!linked)
            {
                db.Insert(VisitorLink.Create(visitorId, leadId, now));
                await SaveAsync(ct);
            }
        }

        if (db.IsSqlite && !more)
        {
            return;
        }

        switch (visitorId, emailKey)
        {
            case (not null, not null):
                await db.Database.ExecuteSqlRawAsync(StitchByEitherSql, [leadId, visitorId, emailKey], ct);
                break;
            case (not null, null):
                await db.Database.ExecuteSqlRawAsync(StitchByVisitorSql, [leadId, visitorId], ct);
                break;
            case (null, not null):
                await db.Database.ExecuteSqlRawAsync(StitchByEmailKeySql, [leadId, emailKey], ct);
                break;
        }
    }

    internal static Dictionary<string, string>? AttributionProperties(LeadDetails details, CaptureContext context)
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
