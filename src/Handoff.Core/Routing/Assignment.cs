using Handoff.Common;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Handoff.Routing;

/// <summary>
/// One assignment of a lead, by routing or by hand: who got it, which rule set version, rule and strategy decided
/// it, why (members skipped and their reasons), when and by whom. Append-only. An assignment that changed the owner is
/// also the lead's <c>owner-changed</c> history entry (<see cref="Sequence"/>, <see cref="From"/>, <see cref="Note"/>):
/// one row for both, as a capture writes one for every lead it routes.
/// </summary>
public sealed class Assignment
{
    private Assignment()
    {
    }

    public Guid Id { get; private set; }
    public Guid LeadId { get; private set; }
    public OwnerKind OwnerKind { get; private set; }
    public Guid OwnerId { get; private set; }

    /// <summary>What started it: <c>capture</c>, <c>mql</c>, <c>sql</c>, <c>manual-route</c> or <c>reassign</c> (by hand).</summary>
    public string Trigger { get; private set; } = "";
    public RoutingPurpose? Purpose { get; private set; }
    public int? RuleSetVersion { get; private set; }

    /// <summary>Position of the deciding rule (0-based); null for the account owner, the fallback or a hand assignment.</summary>
    public int? RuleIndex { get; private set; }
    public string? RuleName { get; private set; }
    public RoutingStrategy? Strategy { get; private set; }

    /// <summary>The reasons, one line each: rules that did not apply, members skipped, what was picked.</summary>
    public List<string> Why { get; private set; } = [];
    public DateTime At { get; private set; }
    public ActorKind ActorKind { get; private set; }
    public string ActorId { get; private set; } = "";
    public string ActorName { get; private set; } = "";

    /// <summary>The lead's version right after the owner changed (orders the change in its history); null when the owner stayed.</summary>
    public int? Sequence { get; private set; }
    public OwnerKind? FromKind { get; private set; }
    public Guid? FromId { get; private set; }

    /// <summary>The owner before; null when the owner stayed.</summary>
    public Owner? From => FromKind is { } kind ? new Owner(kind, FromId ?? Guid.Empty) : null;

    /// <summary>Why the owner changed, in words (the routing rule, or the note given with a hand reassignment).</summary>
    public string? Note { get; private set; }

    /// <summary>
    /// The owner change as a history entry's and an event's <c>changes</c>, <c>{"owner":{"from":…,"to":…}}</c>; null
    /// when the owner stayed. An owner prints as <c>user:</c> or <c>queue:</c> and a GUID: nothing to escape in JSON.
    /// </summary>
    public string? Changes => From is { } from ? $$$"""{"owner":{"from":"{{{from}}}","to":"{{{new Owner(OwnerKind, OwnerId)}}}"}}""" : null;

    /// <summary>
    /// Records that <paramref name="lead"/> is now with its owner: moved from <paramref name="from"/> (as
    /// <see cref="Lead.AssignTo"/> returned it), or kept (null).
    /// </summary>
    public static Assignment Record(Lead lead, Owner? from, string trigger, RoutingDecision? decision, Actor by, DateTime at, string? note) => new()
    {
        Id = Ids.NewId(),
        LeadId = lead.Id,
        OwnerKind = lead.OwnerKind,
        OwnerId = lead.OwnerId,
        Sequence = from is null ? null : lead.Version,
        FromKind = from?.Kind,
        FromId = from?.Id,
        Note = from is null ? null : note,
        Trigger = trigger,
        Purpose = decision?.Purpose,
        RuleSetVersion = decision?.RuleSetVersion,
        RuleIndex = decision?.RuleIndex,
        RuleName = decision?.RuleName,
        Strategy = decision?.Strategy,
        Why = decision?.Why.ToList() ?? [],
        At = at,
        ActorKind = by.Kind,
        ActorId = by.Id,
        ActorName = by.Name,
    };
}

internal sealed class AssignmentConfiguration : IEntityTypeConfiguration<Assignment>
{
    public void Configure(EntityTypeBuilder<Assignment> b)
    {
        b.HasKey(a => a.Id);
        b.HasOne<Lead>().WithMany().HasForeignKey(a => a.LeadId).OnDelete(DeleteBehavior.Restrict);
        b.Property(a => a.Trigger).HasMaxLength(20);
        b.Property(a => a.Purpose).HasConversion<string>().HasMaxLength(30);
        b.Property(a => a.Strategy).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.RuleName).HasMaxLength(200);
        b.Property(a => a.ActorId).HasMaxLength(100);
        b.Property(a => a.ActorName).HasMaxLength(200);
        b.Property(a => a.Note).HasMaxLength(4000);
        b.Ignore(a => a.From);
        b.Ignore(a => a.Changes);
        b.Property(a => a.Why).HasConversion(new Data.StringListConverter(), new Data.StringListComparer());
        b.HasIndex(a => new { a.LeadId, a.At });
        b.HasIndex(a => new { a.OwnerId, a.At });
    }
}
