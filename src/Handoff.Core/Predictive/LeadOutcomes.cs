using System.Globalization;
using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Predictive;

/// <summary>A lead's model inputs and, when its outcome is known, whether it reached the target.</summary>
public sealed record LeadExample(Guid LeadId, IReadOnlyDictionary<string, string?> Values, bool? Label);

/// <summary>
/// Reads the stored history into training examples. The label comes from stage history: a lead reached the target
/// when a change (not undone) took it to the target or a later stage, or it sits there now (imports). It did not
/// when it was disqualified, lost or nurtured, or when it is older than <see cref="PredictiveOptions.OutcomeDays"/>
/// without reaching it. Other leads have no outcome yet: they are scored, not trained on.
/// </summary>
public sealed class LeadOutcomes(HandoffDb db)
{
    /// <summary>Touches made by sales after contact: they follow the outcome rather than predict it.</summary>
    private static readonly ActivityType[] SalesMade = [ActivityType.SalesTouch, ActivityType.Call, ActivityType.Meeting];

    /// <summary>Lead fields that describe the lead without identifying it or giving its current stage away.</summary>
    private static readonly string[] Fields =
    [
        "title", "industry", "employeeCount", "countryCode", "state", "city", "region", "source", "channel", "campaign",
        "utmSource", "utmMedium", "utmCampaign", "utmTerm", "utmContent", "latestSource", "latestChannel", "latestCampaign",
        "seniority", "department", "sizeBand", "segment", "isFreeMail", "emailConsent", "fitScore", "engagementScore",
        "hasAccount", "account.industry", "account.employeeCount", "account.country", "account.hasOwner",
    ];

    public static IReadOnlySet<LeadStage> Reached(LeadStage target) => target == LeadStage.Won
        ? new HashSet<LeadStage> { LeadStage.Won }
        : new HashSet<LeadStage> { LeadStage.SQL, LeadStage.Opportunity, LeadStage.Won, LeadStage.Lost };

    /// <summary>The examples for training (labelled leads only), the most recent <paramref name="max"/> leads.</summary>
    public async Task<List<LeadExample>> LabelledAsync(LeadStage target, int outcomeDays, int max, DateTime now, CancellationToken ct)
    {
        var leads = await db.Leads.AsNoTracking()
            .Where(l => l.MergedIntoId == null && l.Stage != LeadStage.Junk)
            .OrderByDescending(l => l.CreatedAt).ThenBy(l => l.Id).Take(max)
            .ToListAsync(ct);
        var reached = Reached(target);
        var changes = await db.StageChanges.AsNoTracking()
            .Where(c => c.From != null)
            .Select(c => new { c.Id, c.LeadId, c.To, c.UndoOf })
            .ToListAsync(ct);
        var undone = changes.Where(c => c.UndoOf != null).Select(c => c.UndoOf!.Value).ToHashSet();
        var positive = changes.Where(c => reached.Contains(c.To) && !undone.Contains(c.Id)).Select(c => c.LeadId).ToHashSet();
        var cutoff = now.AddDays(-outcomeDays);

        var labelled = new List<(Lead Lead, bool Label)>();
        foreach (var lead in leads)
        {
            if (positive.Contains(lead.Id) || reached.Contains(lead.Stage))
            {
                labelled.Add((lead, true));
            }
            else if (lead.Stage is LeadStage.Disqualified or LeadStage.Lost or LeadStage.Nurture || lead.CreatedAt < cutoff)
            {
                labelled.Add((lead, false));
            }
        }

        return await ExamplesAsync(labelled, ct);
    }

    /// <summary>The inputs of the given leads (no label).</summary>
    public async Task<List<LeadExample>> OfAsync(IReadOnlyList<Lead> leads, CancellationToken ct) =>
        await ExamplesAsync(leads.Select(l => (l, (bool?)null)).ToList(), ct);

    /// <summary>How many activities count for each lead (the staleness check of stored predictions).</summary>
    public async Task<Dictionary<Guid, int>> ActivityCountsAsync(IReadOnlyCollection<Guid> leadIds, CancellationToken ct)
    {
        var counts = new Dictionary<Guid, int>();
        foreach (var chunk in leadIds.Chunk(500))
        {
            var rows = await db.Activities.AsNoTracking()
                .Where(a => a.LeadId != null && chunk.Contains(a.LeadId.Value) && !SalesMade.Contains(a.Type))
                .GroupBy(a => a.LeadId!.Value)
                .Select(g => new { LeadId = g.Key, Count = g.Count() })
                .ToListAsync(ct);
            foreach (var row in rows)
            {
                counts[row.LeadId] = row.Count;
            }
        }

        return counts;
    }

    private async Task<List<LeadExample>> ExamplesAsync<TLabel>(List<(Lead Lead, TLabel Label)> leads, CancellationToken ct)
    {
        var accountIds = leads.Where(l => l.Lead.AccountId != null).Select(l => l.Lead.AccountId!.Value).Distinct().ToList();
        var accounts = new Dictionary<Guid, Account>();
        foreach (var chunk in accountIds.Chunk(500))
        {
            foreach (var account in await db.Accounts.AsNoTracking().Where(a => chunk.Contains(a.Id)).ToListAsync(ct))
            {
                accounts[account.Id] = account;
            }
        }

        var counts = new Dictionary<(Guid, ActivityType), int>();
        foreach (var chunk in leads.Select(l => l.Lead.Id).Chunk(500))
        {
            var rows = await db.Activities.AsNoTracking()
                .Where(a => a.LeadId != null && chunk.Contains(a.LeadId.Value) && !SalesMade.Contains(a.Type))
                .GroupBy(a => new { LeadId = a.LeadId!.Value, a.Type })
                .Select(g => new { g.Key.LeadId, g.Key.Type, Count = g.Count() })
                .ToListAsync(ct);
            foreach (var row in rows)
            {
                counts[(row.LeadId, row.Type)] = row.Count;
            }
        }

        return leads.Select(l => new LeadExample(
            l.Lead.Id,
            Values(l.Lead, l.Lead.AccountId is { } a ? accounts.GetValueOrDefault(a) : null, type => counts.GetValueOrDefault((l.Lead.Id, type))),
            l.Label is bool b ? b : null)).ToList();
    }

    /// <summary>The named inputs of one lead: descriptive fields, custom fields (<c>custom.*</c>) and activity counts (<c>activities.*</c>).</summary>
    public static Dictionary<string, string?> Values(Lead lead, Account? account, Func<ActivityType, int> count)
    {
        var facts = new LeadFacts(lead, account);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in Fields)
        {
            LeadFields.TryGet(name, out var field);
            values[name] = Format(field.Get(facts));
        }

        foreach (var (name, value) in lead.CustomFields)
        {
            values["custom." + name] = value;
        }

        foreach (var type in Enum.GetValues<ActivityType>().Except(SalesMade))
        {
            values["activities." + type] = count(type).ToString(CultureInfo.InvariantCulture);
        }

        return values;
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
