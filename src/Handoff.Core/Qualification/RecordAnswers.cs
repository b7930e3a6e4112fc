using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Qualification;

/// <summary>One answer: <c>{"criterion":"budget","value":true,"note":"…","evidence":{"activityIds":["…"]}}</c>.</summary>
public sealed record AnswerInput(string? Criterion, JsonElement? Value, string? Note = null, AnswerEvidence? Evidence = null);

/// <summary>Answers to the criteria of the scorecard that applies to the lead: <c>{"answers":[…]}</c>.</summary>
public sealed record AnswersRequest(IReadOnlyList<AnswerInput>? Answers);

/// <summary>
/// Records qualification answers with their evidence, checked against the scorecard of the active definition (the
/// lead's source variation's, if it has one); the activities and conversation lines cited must be the lead's own.
/// Answers the lead's new evaluation.
/// </summary>
public sealed class RecordAnswers(HandoffDb db, TimeProvider clock, ActiveDefinitions active, LeadEvaluator evaluator)
{
    private const int MaxAnswers = 100;

    public async Task<Result<Evaluation>> HandleAsync(Guid leadId, AnswersRequest request, Actor actor, CancellationToken ct)
    {
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == leadId, ct);
        if (lead is null)
        {
            return new NotFoundError($"No lead with id {leadId}.");
        }

        if (!StageRules.IsOpen(lead.Stage))
        {
            return new ConflictError("lead-closed", $"The lead is {lead.Stage}; answers are recorded on open leads.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (await active.AtAsync(db, now, ct) is not { } definition)
        {
            return LeadEvaluator.NoDefinition();
        }

        var errors = new FieldErrors();
        if (request.Answers is not { Count: > 0 and <= MaxAnswers } answers)
        {
            errors.Add("answers", $"give 1 to {MaxAnswers} answers");
            return errors.ToError();
        }

        var scorecard = await evaluator.ScorecardForAsync(lead, definition, ct);
        var cited = answers.Where(a => a?.Evidence is not null)
            .SelectMany(a => a.Evidence!.ActivityIds.Concat(a.Evidence.ConversationLines.Select(l => l.ActivityId))).Distinct().ToList();
        var own = cited.Count == 0
            ? []
            : (await db.Activities.Where(a => a.LeadId == leadId && cited.Contains(a.Id)).Select(a => a.Id).ToListAsync(ct)).ToHashSet();
        var records = new List<QualificationAnswer>();
        for (var i = 0; i < answers.Count; i++)
        {
            var a = answers[i];
            var path = $"answers[{i}]";
            var criterion = scorecard.Criteria.FirstOrDefault(c => string.Equals(c.Key, a?.Criterion, StringComparison.OrdinalIgnoreCase));
            if (a is null || criterion is null)
            {
                errors.Add(path + ".criterion", $"'{a?.Criterion}' is not a criterion of {scorecard.Name}; use one of: {string.Join(", ", scorecard.Criteria.Select(c => c.Key))}");
                continue;
            }

            if (a.Value is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } value)
            {
                errors.Add(path + ".value", "is required");
                continue;
            }

            if (criterion.CheckAnswer(value) is { } problem)
            {
                errors.Add(path + ".value", problem);
            }

            if (a.Note is { Length: > 4000 })
            {
                errors.Add(path + ".note", "must be at most 4000 characters");
            }

            var evidence = a.Evidence;
            if (evidence is not null)
            {
                foreach (var id in evidence.ActivityIds.Concat(evidence.ConversationLines.Select(l => l.ActivityId)).Where(id => !own.Contains(id)))
                {
                    errors.Add(path + ".evidence", $"activity {id} is not one of this lead's touches");
                }

                if (evidence.ConversationLines.Any(l => l.Line < 1 || l.Text is { Length: > 2000 }))
                {
                    errors.Add(path + ".evidence.conversationLines", "lines are numbered from 1; quoted text at most 2000 characters");
                }

                foreach (var field in evidence.Fields.Where(f => !LeadFields.TryGet(f ?? "", out _)))
                {
                    errors.Add(path + ".evidence.fields", $"'{field}' is not a lead field");
                }
            }

            var empty = evidence is null || (evidence.ActivityIds.Count == 0 && evidence.ConversationLines.Count == 0 && evidence.Fields.Count == 0);
            records.Add(QualificationAnswer.Record(
                leadId,
                criterion.Key,
                value.GetRawText(),
                string.IsNullOrWhiteSpace(a.Note) ? null : a.Note.Trim(),
                empty ? null : JsonSerializer.Serialize(evidence, QualificationJson.Options),
                actor,
                now));
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        db.QualificationAnswers.AddRange(records);
        await db.SaveChangesAsync(ct);
        return await evaluator.EvaluateAsync(lead, definition, [], now, ct);
    }
}
