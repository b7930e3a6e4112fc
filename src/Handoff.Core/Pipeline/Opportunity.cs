using Handoff.Accounts;
using Handoff.Common;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Pipeline;

/// <summary>Whether a deal is still being worked, or how it ended.</summary>
public enum OpportunityOutcome
{
    Open,
    Won,
    Lost,
}

/// <summary>
/// A deal in the pipeline, converted from one SQL lead (one opportunity per lead, enforced by a unique index). It
/// links to the lead rather than copying it: the lead's activities and qualification history stay where they are.
/// </summary>
public sealed class Opportunity
{
    private Opportunity()
    {
    }

    /// <summary>The pipeline stages a new opportunity may start in.</summary>
    public static readonly IReadOnlyList<string> PipelineStages = ["Discovery", "Demo", "Proposal", "Negotiation", "Commit"];

    public Guid Id { get; private set; }
    public Guid LeadId { get; private set; }
    public Guid AccountId { get; private set; }
    public Guid ContactId { get; private set; }
    public string Name { get; private set; } = "";
    public decimal? Amount { get; private set; }
    public string? Currency { get; private set; }
    public string PipelineStage { get; private set; } = "";
    public DateOnly ExpectedCloseDate { get; private set; }

    /// <summary>The account executive who works the deal; null when nobody fits (it then waits for a manager).</summary>
    public Guid? OwnerUserId { get; private set; }
    public OpportunityOutcome Outcome { get; private set; }
    public string? CloseReason { get; private set; }
    public string? CloseNote { get; private set; }
    public DateTime? ClosedAt { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public int Version { get; private set; }

    public static Opportunity Open(Lead lead, Guid accountId, Guid contactId, string name, decimal? amount, string? currency, string stage, DateOnly closeDate, Guid? owner, DateTime at) => new()
    {
        Id = Ids.NewId(),
        LeadId = lead.Id,
        AccountId = accountId,
        ContactId = contactId,
        Name = name,
        Amount = amount,
        Currency = currency,
        PipelineStage = stage,
        ExpectedCloseDate = closeDate,
        OwnerUserId = owner,
        Outcome = OpportunityOutcome.Open,
        CreatedAt = at,
        Version = 1,
    };

    public void Close(OpportunityOutcome outcome, string? reason, string? note, DateTime at)
    {
        Outcome = outcome;
        CloseReason = reason;
        CloseNote = note;
        ClosedAt = at;
        PipelineStage = outcome == OpportunityOutcome.Won ? "Closed Won" : "Closed Lost";
        Version++;
    }
}

/// <summary>A person at an account, made from a converted lead; one per email.</summary>
public sealed class Contact
{
    private Contact()
    {
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public Guid LeadId { get; private set; }
    public string? FirstName { get; private set; }
    public string? LastName { get; private set; }
    public string? Email { get; private set; }

    /// <summary>The email's dedupe key (see <see cref="EmailKeys"/>); unique, so the same person is never two contacts.</summary>
    public string? EmailKey { get; private set; }
    public string? Title { get; private set; }
    public string? Phone { get; private set; }
    public DateTime CreatedAt { get; private set; }

    public static Contact From(Lead lead, Guid accountId, DateTime at) => new()
    {
        Id = Ids.NewId(),
        AccountId = accountId,
        LeadId = lead.Id,
        FirstName = lead.FirstName,
        LastName = lead.LastName,
        Email = lead.Email,
        EmailKey = lead.EmailKey,
        Title = lead.Title,
        Phone = lead.PhoneE164 ?? lead.Phone,
        CreatedAt = at,
    };
}

internal sealed class OpportunityConfiguration : IEntityTypeConfiguration<Opportunity>
{
    public void Configure(EntityTypeBuilder<Opportunity> b)
    {
        b.HasKey(o => o.Id);
        b.HasIndex(o => o.LeadId).IsUnique();
        b.HasIndex(o => o.AccountId);
        b.HasOne<Lead>().WithMany().HasForeignKey(o => o.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Account>().WithMany().HasForeignKey(o => o.AccountId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Contact>().WithMany().HasForeignKey(o => o.ContactId).OnDelete(DeleteBehavior.Restrict);
        b.Property(o => o.Name).HasMaxLength(200);
        b.Property(o => o.Amount).HasPrecision(18, 2);
        b.Property(o => o.Currency).HasMaxLength(3);
        b.Property(o => o.PipelineStage).HasMaxLength(50);
        b.Property(o => o.Outcome).HasConversion<string>().HasMaxLength(10);
        b.Property(o => o.CloseReason).HasMaxLength(50);
        b.Property(o => o.CloseNote).HasMaxLength(4000);
        b.Property(o => o.Version).IsConcurrencyToken();
    }
}

internal sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> b)
    {
        b.HasKey(c => c.Id);
        b.HasIndex(c => c.EmailKey).IsUnique();
        b.HasIndex(c => c.AccountId);
        b.HasOne<Account>().WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Restrict);
        b.Property(c => c.FirstName).HasMaxLength(100);
        b.Property(c => c.LastName).HasMaxLength(100);
        b.Property(c => c.Email).HasMaxLength(254);
        b.Property(c => c.EmailKey).HasMaxLength(254);
        b.Property(c => c.Title).HasMaxLength(200);
        b.Property(c => c.Phone).HasMaxLength(50);
    }
}
