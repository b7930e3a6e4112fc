using System.Globalization;
using System.Text.Json;
using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>One rule and whether the lead meets it, with the reason and the touches that count.</summary>
public sealed record CheckResult(string Rule, bool Passed, string Reason, IReadOnlyList<Guid>? ActivityIds = null);

/// <summary>The answer a criterion was judged on: a person's answer, or known data that pre-filled it.</summary>
public sealed record AnswerView(JsonElement Value, string Source, string? Note, AnswerEvidence? Evidence, string? AnsweredBy, DateTime? At);

public sealed record CriterionResult(string Key, string Label, AnswerType Type, bool Required, int Weight, bool Passed, string Reason, AnswerView? Answer);

public sealed record MqlEvaluation(bool Passed, IReadOnlyList<CheckResult> Checks);

public sealed record SqlEvaluation(bool Passed, string Framework, int Score, int PassThreshold, IReadOnlyList<CriterionResult> Criteria, IReadOnlyList<CheckResult> Checks);

/// <summary>A lead judged against one definition version: MQL and SQL, pass/fail per rule and criterion, with reasons.</summary>
public sealed record Evaluation(
    Guid LeadId,
    int DefinitionVersion,
    LeadStage Stage,
    string? Variation,
    bool FastTrack,
    int RecycleCount,
    MqlEvaluation Mql,
    SqlEvaluation Sql)
{
    /// <summary>The failed SQL criteria and checks, as a short list for problems and exceptions.</summary>
    public IReadOnlyList<string> SqlFailures =>
        [.. Sql.Criteria.Where(c => !c.Passed).Select(c => $"{c.Key}: {c.Reason}"), .. Sql.Checks.Where(c => !c.Passed).Select(c => $"{c.Rule}: {c.Reason}"),
         .. Sql.Passed || Sql.Score >= Sql.PassThreshold ? Array.Empty<string>() : [$"score {Sql.Score} is below {Sql.PassThreshold}"]];
}

/// <summary>A touch as rules see it.</summary>
internal sealed record TouchFact(Guid Id, ActivityType Type, DateTime OccurredAt, Dictionary<string, string> Properties);

/// <summary>Judges leads against a definition. Also used by the MQL check and the SQL gate, so every path judges the same way.</summary>
public sealed class LeadEvaluator(HandoffDb db, TimeProvider clock, ActiveDefinitions active)
{
    private const int TouchLimit = 5000;

    /// <summary><c>GET /api/leads/{id}/evaluation</c>: the lead under the active definition.</summary>
    public async Task<Result<Evaluation>> HandleAsync(Guid id, CancellationToken ct)
    {
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        if (lead is null)
        {
            return new NotFoundError($"No lead with id {id}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (await active.AtAsync(db, now, ct) is not { } definition)
        {
            return NoDefinition();
        }

        return await EvaluateAsync(lead, definition, [], now, ct);
    }

    internal static ConflictError NoDefinition() =>
        new("no-active-definition", "No qualification definition is active: draft one, have marketing and sales sign it, and activate it.");

    /// <summary>Judges <paramref name="lead"/> (as it is in memory) under <paramref name="definition"/>; <paramref name="unsaved"/> are touches not stored yet.</summary>
    internal async Task<Evaluation> EvaluateAsync(Lead lead, CompiledDefinition definition, IReadOnlyList<Activity> unsaved, DateTime now, CancellationToken ct)
    {
        var facts = await FactsAsync(lead, ct);
        var touches = await TouchesAsync(lead.Id, unsaved, ct);
        var variation = definition.VariationFor(facts);
        var bar = variation?.Mql ?? definition.Mql;
        var mql = JudgeMql(bar, bar.Rules.Select(r => Check(r, facts)), touches, now);
        var sql = variation?.Sql ?? definition.Sql;
        var answers = await LatestAnswersAsync(lead.Id, ct);
        var criteria = sql.Scorecard.Criteria.Select(c => JudgeCriterion(c, answers.GetValueOrDefault(c.Key), facts, touches, now)).ToList();
        var total = sql.Scorecard.Criteria.Sum(c => c.Weight);
        var score = total == 0 ? 0 : (int)Math.Round(100.0 * criteria.Where(c => c.Passed).Sum(c => c.Weight) / total);
        var checks = new List<CheckResult>();
        checks.AddRange(sql.RequiredFields.Select(name =>
        {
            LeadFields.TryGet(name, out var field);
            var value = field.Get(facts);
            var filled = value is not null && !(value is string s && s.Length == 0) && value.ToString() != "Unknown";
            return new CheckResult($"{name} is filled", filled, filled ? $"{name} is {Show(value)}" : $"{name} is required before SQL");
        }));
        checks.AddRange(sql.Rules.Select(r => Check(r, facts)));
        checks.AddRange(sql.Activities.Select(r => CheckTouches(r, touches, now)));
        var passed = criteria.Where(c => c.Required).All(c => c.Passed) && score >= sql.Scorecard.PassThreshold && checks.All(c => c.Passed);
        return new Evaluation(
            lead.Id,
            definition.Version,
            lead.Stage,
            variation?.Name,
            variation?.FastTrack ?? false,
            lead.RecycleCount,
            mql,
            new SqlEvaluation(passed, sql.Scorecard.Name, score, sql.Scorecard.PassThreshold, criteria, checks));
    }

    /// <summary>Only the MQL bar: cheaper, for the automation that runs on every capture.</summary>
    internal async Task<(MqlEvaluation Mql, string? Variation)> EvaluateMqlAsync(Lead lead, CompiledDefinition definition, IReadOnlyList<Activity> unsaved, DateTime now, CancellationToken ct)
    {
        var facts = await FactsAsync(lead, ct);
        var (bar, variation, fieldChecks) = MqlFieldChecks(definition, facts);
        if (bar.Activities.Count == 0 || fieldChecks.Any(c => !c.Passed))
        {
            // Most captures fail on a field rule: they cost no query of their touches.
            return (new MqlEvaluation(fieldChecks.All(c => c.Passed) && bar.Activities.Count == 0, fieldChecks), variation);
        }

        var touches = await TouchesAsync(lead.Id, unsaved, ct);
        return (JudgeMql(bar, fieldChecks, touches, now), variation);
    }

    /// <summary>
    /// The MQL bar of a lead whose every touch is in hand (a lead created just now: <paramref name="touches"/> are all
    /// it has). Pure, with the same rules as <see cref="EvaluateMqlAsync"/>: the import's batch automation calls it.
    /// </summary>
    internal static (MqlEvaluation Mql, string? Variation) EvaluateMql(CompiledDefinition definition, LeadFacts facts, IReadOnlyList<Activity> touches, DateTime now)
    {
        var (bar, variation, fieldChecks) = MqlFieldChecks(definition, facts);
        if (bar.Activities.Count == 0 || fieldChecks.Any(c => !c.Passed))
        {
            return (new MqlEvaluation(fieldChecks.All(c => c.Passed) && bar.Activities.Count == 0, fieldChecks), variation);
        }

        var facts2 = touches.Select(a => new TouchFact(a.Id, a.Type, a.OccurredAt, a.Properties)).ToList();
        return (JudgeMql(bar, fieldChecks, facts2, now), variation);
    }

    /// <summary>The bar that applies to the lead (its source variation's or the definition's) and its field rules judged.</summary>
    private static (CompiledMql Bar, string? Variation, List<CheckResult> FieldChecks) MqlFieldChecks(CompiledDefinition definition, LeadFacts facts)
    {
        var variation = definition.VariationFor(facts);
        var bar = variation?.Mql ?? definition.Mql;
        return (bar, variation?.Name, bar.Rules.Select(r => Check(r, facts)).ToList());
    }

    /// <summary>The scorecard that applies to a lead now (its source variation's or the definition's).</summary>
    internal async Task<Scorecard> ScorecardForAsync(Lead lead, CompiledDefinition definition, CancellationToken ct)
    {
        var facts = await FactsAsync(lead, ct);
        return (definition.VariationFor(facts)?.Sql ?? definition.Sql).Scorecard;
    }

    private static MqlEvaluation JudgeMql(CompiledMql bar, IEnumerable<CheckResult> fieldChecks, IReadOnlyList<TouchFact> touches, DateTime now)
    {
        var checks = fieldChecks.Concat(bar.Activities.Select(r => CheckTouches(r, touches, now))).ToList();
        return new MqlEvaluation(checks.All(c => c.Passed), checks);
    }

    private static CheckResult Check(CompiledRule rule, LeadFacts facts)
    {
        var (passed, reason) = rule.Check(facts);
        return new CheckResult(rule.Rule, passed, reason);
    }

    private static CheckResult CheckTouches(ActivityRule rule, IReadOnlyList<TouchFact> touches, DateTime now)
    {
        var since = rule.WithinDays is { } days ? now.AddDays(-days) : DateTime.MinValue;
        var matching = touches.Where(t => rule.Types.Contains(t.Type) && t.OccurredAt >= since).Select(t => t.Id).ToList();
        var name = $"at least {rule.AtLeast} of {string.Join("/", rule.Types)}{(rule.WithinDays is { } d ? $" in {d} days" : "")}";
        return new CheckResult(name, matching.Count >= rule.AtLeast, $"{matching.Count} found", matching);
    }

    private static CriterionResult JudgeCriterion(Criterion c, QualificationAnswer? answer, LeadFacts facts, IReadOnlyList<TouchFact> touches, DateTime now)
    {
        AnswerView? view = null;
        if (answer is not null)
        {
            view = new AnswerView(
                JsonDocument.Parse(answer.Value).RootElement.Clone(),
                "answer",
                answer.Note,
                answer.Evidence is null ? null : JsonSerializer.Deserialize<AnswerEvidence>(answer.Evidence, QualificationJson.Options),
                answer.ActorName,
                answer.At);
        }
        else if (Prefill(c, facts, touches) is { } prefilled)
        {
            view = prefilled;
        }

        var (passed, reason) = c.Judge(view?.Value, now);
        return new CriterionResult(c.Key, c.Label, c.Type, c.Required, c.Weight, passed, reason, view);
    }

    /// <summary>Known data that answers a criterion nobody answered yet (employees from enrichment, seniority from the title, timeline from a conversation).</summary>
    private static AnswerView? Prefill(Criterion c, LeadFacts facts, IReadOnlyList<TouchFact> touches)
    {
        if (c.Prefill is not { } source)
        {
            return null;
        }

        if (source.StartsWith(Prefills.ConversationPrefix, StringComparison.Ordinal))
        {
            var property = source[Prefills.ConversationPrefix.Length..];
            var said = touches
                .Where(t => t.Type is ActivityType.Chat or ActivityType.Call or ActivityType.Meeting && t.Properties.ContainsKey(property))
                .OrderByDescending(t => t.OccurredAt).FirstOrDefault();
            if (said is null || ToAnswer(c.Type, said.Properties[property]) is not { } fromConversation)
            {
                return null;
            }

            return new AnswerView(fromConversation, "prefill", $"from {said.Type} on {said.OccurredAt:yyyy-MM-dd}", new AnswerEvidence { ActivityIds = [said.Id] }, null, said.OccurredAt);
        }

        if (!LeadFields.TryGet(source, out var field) || field.Get(facts) is not { } value || ToAnswer(c.Type, value) is not { } fromField)
        {
            return null;
        }

        return new AnswerView(fromField, "prefill", $"from the lead's {source}", new AnswerEvidence { Fields = [source] }, null, null);
    }

    private static JsonElement? ToAnswer(AnswerType type, object value)
    {
        var text = Show(value);
        if (text is null or "Unknown" or "")
        {
            return null;
        }

        object? answer = type switch
        {
            AnswerType.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null,
            AnswerType.YesNo => bool.TryParse(text, out var b) ? b : null,
            AnswerType.Date => DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
                ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : null,
            _ => text,
        };
        return answer is null ? null : JsonSerializer.SerializeToElement(answer);
    }

    private static string? Show(object? value) => value switch
    {
        null => null,
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private async Task<LeadFacts> FactsAsync(Lead lead, CancellationToken ct)
    {
        Account? account = null;
        if (lead.AccountId is { } accountId)
        {
            account = db.Accounts.Local.FirstOrDefault(a => a.Id == accountId)
                ?? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct);
        }

        return new LeadFacts(lead, account);
    }

    private async Task<IReadOnlyList<TouchFact>> TouchesAsync(Guid leadId, IReadOnlyList<Activity> unsaved, CancellationToken ct)
    {
        var stored = await db.Activities.AsNoTracking().Where(a => a.LeadId == leadId)
            .OrderByDescending(a => a.OccurredAt).Take(TouchLimit)
            .Select(a => new TouchFact(a.Id, a.Type, a.OccurredAt, a.Properties))
            .ToListAsync(ct);
        var known = stored.Select(t => t.Id).ToHashSet();
        stored.AddRange(unsaved.Where(a => !known.Contains(a.Id)).Select(a => new TouchFact(a.Id, a.Type, a.OccurredAt, a.Properties)));
        return stored;
    }

    private async Task<Dictionary<string, QualificationAnswer>> LatestAnswersAsync(Guid leadId, CancellationToken ct)
    {
        var answers = await db.QualificationAnswers.AsNoTracking().Where(a => a.LeadId == leadId).ToListAsync(ct);
        return answers.GroupBy(a => a.Criterion, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderBy(a => a.At).ThenBy(a => a.Id).Last(), StringComparer.OrdinalIgnoreCase);
    }
}
