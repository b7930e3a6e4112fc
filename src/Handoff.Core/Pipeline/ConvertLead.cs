using System.Text.Json;
using Handoff.Accounts;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Pipeline;

/// <summary>
/// What the new opportunity looks like; everything has a default:
/// <c>{"name":"Acme — platform","amount":48000,"currency":"EUR","pipelineStage":"Discovery","expectedCloseDate":"2027-03-31"}</c>.
/// </summary>
public sealed record ConvertRequest(string? Name = null, decimal? Amount = null, string? Currency = null, string? PipelineStage = null, DateOnly? ExpectedCloseDate = null, string? Note = null);

/// <summary>Links to what the opportunity carries over from its lead (not copied: the lead keeps them).</summary>
public sealed record OpportunityLinks(string Lead, string History, string Activities);

public sealed record OpportunityView(
    Guid Id,
    Guid LeadId,
    Guid AccountId,
    string AccountName,
    string? AccountDomain,
    Guid ContactId,
    string Name,
    decimal? Amount,
    string? Currency,
    string PipelineStage,
    DateOnly ExpectedCloseDate,
    Guid? OwnerUserId,
    OpportunityOutcome Outcome,
    string? CloseReason,
    DateTime? ClosedAt,
    DateTime CreatedAt,
    OpportunityLinks Links);

/// <summary>The answer of a conversion: <see cref="Created"/> is false when the lead was converted before (same opportunity).</summary>
public sealed record ConversionAnswer(bool Created, OpportunityView Opportunity);

/// <summary>
/// Converts an SQL lead: links or creates its account (by company domain; free webmail never matches) and its contact
/// (one per email), opens the opportunity with the AE from <see cref="OpportunityOwner"/>, and moves the lead to
/// Opportunity — all in one transaction. Idempotent: a second conversion answers the first opportunity. Two leads of
/// one company converting at once share one account: the unique domain index makes the second insert fail, and the
/// retry links the account the first one made.
/// </summary>
public sealed class ConvertLead(HandoffDb db, TimeProvider clock, OpportunityOwner owners, LeadAutomations automations)
{
    private const int Attempts = 4;

    public async Task<Result<ConversionAnswer>> HandleAsync(Guid leadId, ConvertRequest request, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var errors = new FieldErrors();
        var name = request.Name?.Trim();
        if (name is { Length: 0 or > 200 })
        {
            errors.Add("name", "must be 1 to 200 characters");
        }

        if (request.Amount is < 0 or > 1_000_000_000_000m)
        {
            errors.Add("amount", "must be from 0 to 1,000,000,000,000");
        }

        var currency = request.Currency?.Trim().ToUpperInvariant();
        if (currency is not null && (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)))
        {
            errors.Add("currency", "must be a three-letter ISO 4217 code, e.g. EUR");
        }

        var stage = request.PipelineStage?.Trim() ?? Opportunity.PipelineStages[0];
        var knownStage = Opportunity.PipelineStages.FirstOrDefault(s => string.Equals(s, stage, StringComparison.OrdinalIgnoreCase));
        if (knownStage is null)
        {
            errors.Add("pipelineStage", $"'{stage}' is not an open pipeline stage; use one of: {string.Join(", ", Opportunity.PipelineStages)}");
        }

        var today = DateOnly.FromDateTime(now);
        var closeDate = request.ExpectedCloseDate ?? today.AddDays(90);
        if (closeDate < today)
        {
            errors.Add("expectedCloseDate", "cannot be in the past");
        }

        if (request.Note is { Length: > 4000 })
        {
            errors.Add("note", "must be at most 4000 characters");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            db.ChangeTracker.Clear();

            // One transaction per attempt: the AE's rotation turn the attempt takes is saved with the conversion, and an
            // attempt that loses to a concurrent conversion gives its turn back when it rolls back.
            await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
            var lead = await db.Leads.FirstOrDefaultAsync(l => l.Id == leadId, ct);
            if (lead is null)
            {
                return new NotFoundError($"No lead with id {leadId}.");
            }

            if (await db.Opportunities.AsNoTracking().FirstOrDefaultAsync(o => o.LeadId == leadId, ct) is { } existing)
            {
                return new ConversionAnswer(false, await ViewAsync(existing, ct));
            }

            if (lead.Stage != LeadStage.SQL)
            {
                return new ConflictError("illegal-transition", $"Only an SQL lead can be converted; this one is in {lead.Stage}.");
            }

            var account = await AccountForAsync(lead, now, ct);
            lead.LinkAccount(account.Id);
            var contact = lead.EmailKey is { } key ? await db.Contacts.FirstOrDefaultAsync(c => c.EmailKey == key, ct) : null;
            if (contact is null)
            {
                contact = Contact.From(lead, account.Id, now);
                db.Contacts.Add(contact);
            }

            var opportunity = Opportunity.Open(
                lead,
                account.Id,
                contact.Id,
                name ?? $"{account.Name} — {string.Join(' ', new[] { lead.FirstName, lead.LastName }.Where(n => n is not null))}".Trim(' ', '—'),
                request.Amount,
                currency,
                knownStage!,
                closeDate,
                await owners.ChooseAsync(lead, ct),
                now);
            db.Opportunities.Add(opportunity);
            var evidence = JsonSerializer.Serialize(new { opportunityId = opportunity.Id, accountId = account.Id, contactId = contact.Id, ownerUserId = opportunity.OwnerUserId }, PipelineJson.Options);
            var moved = lead.MoveTo(LeadStage.Opportunity, actor, now, null, request.Note?.Trim() ?? $"Converted to opportunity {opportunity.Name}", null, evidence);
            if (moved.Error is { } error)
            {
                return error;
            }

            await automations.MovedAsync(db, lead, moved.Value!, actor, ct);
            try
            {
                await db.SaveChangesAsync(ct);
                if (transaction is not null)
                {
                    await transaction.CommitAsync(ct);
                }

                return new ConversionAnswer(true, await ViewAsync(opportunity, ct));
            }
            catch (DbUpdateConcurrencyException)
            {
                // Someone changed the lead (maybe converted it) at the same moment: look again.
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
            {
                // Another conversion created this account, contact or opportunity first: look again and link it.
            }
        }

        db.ChangeTracker.Clear();
        return LeadErrorsPublic.ConcurrentChange();
    }

    /// <summary>The lead's account, else the account of its company domain, else a new one (without a domain for free webmail).</summary>
    private async Task<Account> AccountForAsync(Lead lead, DateTime now, CancellationToken ct)
    {
        if (lead.AccountId is { } id && await db.Accounts.FirstOrDefaultAsync(a => a.Id == id, ct) is { } linked)
        {
            return linked;
        }

        var emailDomain = lead.Email?[(lead.Email.IndexOf('@', StringComparison.Ordinal) + 1)..];
        var domain = lead.IsFreeMail && string.Equals(lead.CompanyDomain, emailDomain, StringComparison.OrdinalIgnoreCase) ? null : lead.CompanyDomain;
        if (domain is not null && await db.Accounts.FirstOrDefaultAsync(a => a.Domain == domain, ct) is { } matched)
        {
            return matched;
        }

        var name = lead.Company?.Trim() is { Length: > 0 } company
            ? company
            : domain ?? $"{lead.FirstName} {lead.LastName}".Trim();
        var account = Account.Create(name.Length == 0 ? "Unnamed account" : name[..Math.Min(200, name.Length)], domain, now, lead.Industry, lead.EmployeeCount, lead.Country);
        db.Accounts.Add(account);
        return account;
    }

    internal async Task<OpportunityView> ViewAsync(Opportunity o, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().Where(a => a.Id == o.AccountId).Select(a => new { a.Name, a.Domain }).FirstAsync(ct);
        return PipelineViews.View(o, account.Name, account.Domain);
    }
}

internal static class PipelineViews
{
    public static OpportunityView View(Opportunity o, string accountName, string? accountDomain) => new(
        o.Id, o.LeadId, o.AccountId, accountName, accountDomain, o.ContactId, o.Name, o.Amount, o.Currency, o.PipelineStage,
        o.ExpectedCloseDate, o.OwnerUserId, o.Outcome, o.CloseReason, o.ClosedAt, o.CreatedAt,
        new OpportunityLinks($"/api/leads/{o.LeadId}", $"/api/leads/{o.LeadId}/history", $"/api/leads/{o.LeadId}/activities"));
}

internal static class PipelineJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

internal static class LeadErrorsPublic
{
    public static ConflictError ConcurrentChange() =>
        new("concurrent-change", "Someone else changed this lead or its account at the same moment. Reload and try again.");
}
