using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;

namespace Handoff.Qualification;

/// <summary>What the gate decided: the version judged under, the evidence for the stage change, and the override if one was used.</summary>
public sealed record SqlVerdict(int? DefinitionVersion, string? Evidence, string? Justification, IReadOnlyList<string> Failures);

/// <summary>
/// The one gate to SQL, for the qualify endpoint and for generic transitions alike: under an active definition a lead
/// becomes SQL only when it passes (required fields, conditions, framework) or with a written justification, which is
/// then listed as an exception. Without an active definition there is no contract to judge by, and the move is free.
/// </summary>
public sealed class SqlGate(HandoffDb db, LeadEvaluator evaluator, ActiveDefinitions active)
{
    public const int MinJustification = 20;

    /// <summary>Judges <paramref name="lead"/> for SQL now.</summary>
    public async Task<Result<SqlVerdict>> JudgeAsync(Lead lead, string? justification, DateTime now, CancellationToken ct)
    {
        justification = string.IsNullOrWhiteSpace(justification) ? null : justification.Trim();
        if (justification is { Length: < MinJustification or > 4000 })
        {
            return ValidationError.For("justification", $"an override needs a written justification of {MinJustification} to 4000 characters");
        }

        if (await active.AtAsync(db, now, ct) is not { } definition)
        {
            return new SqlVerdict(null, null, null, []);
        }

        var evaluation = await evaluator.EvaluateAsync(lead, definition, [], now, ct);
        if (lead.Stage is LeadStage.New or LeadStage.MQL && !evaluation.FastTrack)
        {
            return new ConflictError(
                "acceptance-required",
                $"Under definition v{definition.Version} a lead becomes SQL after sales accepts it (SAL); only fast-track sources may skip that. Accept it first.");
        }

        var failures = evaluation.SqlFailures;
        if (!evaluation.Sql.Passed && justification is null)
        {
            return new ConflictError(
                "qualification-failed",
                $"The lead does not pass definition v{definition.Version} ({evaluation.Sql.Framework} {evaluation.Sql.Score}/{evaluation.Sql.PassThreshold}): {string.Join("; ", failures)}. Answer the criteria with evidence, or override with a written justification.");
        }

        var evidence = new
        {
            definitionVersion = definition.Version,
            variation = evaluation.Variation,
            framework = evaluation.Sql.Framework,
            passed = evaluation.Sql.Passed,
            score = evaluation.Sql.Score,
            passThreshold = evaluation.Sql.PassThreshold,
            criteria = evaluation.Sql.Criteria,
            checks = evaluation.Sql.Checks,
            @override = evaluation.Sql.Passed ? null : new { justification, failures },
        };
        return new SqlVerdict(
            definition.Version,
            JsonSerializer.Serialize(evidence, QualificationJson.Options),
            evaluation.Sql.Passed ? null : justification,
            evaluation.Sql.Passed ? [] : failures);
    }

    /// <summary>After the move: stamps the version and records the override as an exception for review.</summary>
    public void Record(Lead lead, StageChange change, SqlVerdict verdict, Actor actor)
    {
        if (verdict.DefinitionVersion is not { } version)
        {
            return;
        }

        change.JudgedUnder(version);
        if (verdict.Justification is { } justification)
        {
            db.QualificationExceptions.Add(QualificationException.Record(
                lead.Id, change.Id, version, justification, JsonSerializer.Serialize(verdict.Failures, QualificationJson.Options), actor, change.At));
        }
    }
}
