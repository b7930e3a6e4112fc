using System.Diagnostics;
using System.Text.RegularExpressions;
using Handoff.Common;
using Handoff.Data;
using Handoff.Leads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Handoff.Sla;

/// <summary>Service-level settings (<c>Handoff:Sla</c>).</summary>
public sealed class SlaOptions
{
    /// <summary>Create the default calendar and the issue's example policies on first start.</summary>
    public bool SeedDefaults { get; set; } = true;

    /// <summary>How long a node keeps the compiled policies before it reads them again (other nodes' edits show up after this).</summary>
    public double PolicyCacheSeconds { get; set; } = 5;

    /// <summary>Run the background sweep on this node (tests turn it off and sweep by hand).</summary>
    public bool SweepEnabled { get; set; } = true;

    /// <summary>Real-time pause between two sweeps of due clocks.</summary>
    public double SweepIntervalSeconds { get; set; } = 1;

    /// <summary>Clocks handled per sweep round.</summary>
    public int SweepBatchSize { get; set; } = 200;
}

/// <summary>A current, active policy with its conditions compiled and its calendar resolved.</summary>
internal sealed record CompiledPolicy(SlaPolicy Policy, Func<LeadFacts, bool>[] Conditions, bool NeedsAccount, BusinessHours Hours)
{
    public bool Matches(LeadFacts facts) => Conditions.All(c => c(facts));

    /// <summary>The deadline and at-risk time of a clock started at <paramref name="at"/>.</summary>
    public (DateTime AtRiskAt, DateTime DueAt) Deadlines(DateTime at)
    {
        var duration = TimeSpan.FromMinutes(Policy.DurationMinutes);
        var hours = Policy.BusinessTime ? Hours : BusinessHours.Always;
        return (hours.Add(at, duration * Policy.AtRiskPercent / 100.0), hours.Add(at, duration));
    }
}

/// <summary>
/// The compiled policies, kept per node for <see cref="SlaOptions.PolicyCacheSeconds"/> so the capture hot path does
/// not read them; a write on this node drops them at once.
/// </summary>
public sealed class SlaPolicyCache(IOptions<SlaOptions> options)
{
    private sealed record Snapshot(IReadOnlyList<CompiledPolicy> Policies, long LoadedAt);

    private volatile Snapshot? _snapshot;

    public void Invalidate() => _snapshot = null;

    internal async ValueTask<IReadOnlyList<CompiledPolicy>> GetAsync(HandoffDb db, CancellationToken ct)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && Stopwatch.GetElapsedTime(snapshot.LoadedAt).TotalSeconds < options.Value.PolicyCacheSeconds)
        {
            return snapshot.Policies;
        }

        var policies = await db.SlaPolicies.AsNoTracking().Where(p => p.IsCurrent && p.Active).OrderBy(p => p.Order).ThenBy(p => p.Key).ToListAsync(ct);
        var calendars = await db.BusinessCalendars.AsNoTracking().ToDictionaryAsync(c => c.Id, ct);
        var compiled = new List<CompiledPolicy>(policies.Count);
        foreach (var policy in policies)
        {
            var errors = new FieldErrors();
            var conditions = policy.ConditionList.Select((c, i) => c.Compile(errors, $"conditions[{i}]")).ToList();
            var hours = policy.CalendarId is { } id && calendars.TryGetValue(id, out var calendar) ? calendar.ToBusinessHours() : BusinessHours.Always;
            if (!errors.Any)
            {
                var needsAccount = policy.ConditionList.Any(c => c.Field.StartsWith("account.", StringComparison.OrdinalIgnoreCase)
                    || c.Field is "industry" or "employeeCount");
                compiled.Add(new CompiledPolicy(policy, [.. conditions.Select(c => c!)], needsAccount, hours));
            }
        }

        _snapshot = new Snapshot(compiled, Stopwatch.GetTimestamp());
        return compiled;
    }
}

/// <summary>Reads and writes versioned service-level policies.</summary>
public sealed partial class SlaPolicies(HandoffDb db, TimeProvider clock, SlaPolicyCache cache)
{
    private const int MaxDurationMinutes = 366 * 24 * 60;

    public async Task<IReadOnlyList<SlaPolicyView>> ListAsync(CancellationToken ct) =>
        (await db.SlaPolicies.AsNoTracking().Where(p => p.IsCurrent).OrderBy(p => p.Order).ThenBy(p => p.Key).ToListAsync(ct))
            .Select(p => p.ToView()).ToList();

    public async Task<Result<SlaPolicyView>> GetAsync(string key, CancellationToken ct) =>
        await db.SlaPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Key == key && p.IsCurrent, ct) is { } p
            ? p.ToView()
            : NotFound(key);

    public async Task<Result<IReadOnlyList<SlaPolicyView>>> VersionsAsync(string key, CancellationToken ct)
    {
        var versions = await db.SlaPolicies.AsNoTracking().Where(p => p.Key == key).OrderByDescending(p => p.Version).ToListAsync(ct);
        return versions.Count == 0 ? NotFound(key) : versions.Select(p => p.ToView()).ToList();
    }

    /// <summary>Creates version 1 of a new key.</summary>
    public async Task<Result<SlaPolicyView>> CreateAsync(SlaPolicyRequest request, Actor actor, CancellationToken ct)
    {
        var errors = await ValidateAsync(request, ct);
        if (string.IsNullOrWhiteSpace(request.Key) || !KeyPattern().IsMatch(request.Key))
        {
            errors.Add("key", "is required: lower-case letters, digits and dashes, at most 64 (e.g. mql-first-touch)");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        if (await db.SlaPolicies.AnyAsync(p => p.Key == request.Key, ct))
        {
            return new ConflictError("policy-exists", $"A policy with key '{request.Key}' exists; PUT /api/sla/policies/{request.Key} writes a new version.");
        }

        var policy = SlaPolicy.Write(request.Key!, 1, request, actor, clock.GetUtcNow().UtcDateTime);
        db.SlaPolicies.Add(policy);
        return await SaveAsync(policy, ct);
    }

    /// <summary>Writes the next version of <paramref name="key"/>; clocks already running keep their version.</summary>
    public async Task<Result<SlaPolicyView>> ReviseAsync(string key, SlaPolicyRequest request, Actor actor, CancellationToken ct)
    {
        var current = await db.SlaPolicies.FirstOrDefaultAsync(p => p.Key == key && p.IsCurrent, ct);
        if (current is null)
        {
            return NotFound(key);
        }

        var errors = await ValidateAsync(request, ct);
        if (request.Key is not null && request.Key != key)
        {
            errors.Add("key", "cannot change; it names the policy across versions");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        current.Supersede();
        var policy = SlaPolicy.Write(key, current.Version + 1, request, actor, clock.GetUtcNow().UtcDateTime);
        db.SlaPolicies.Add(policy);
        return await SaveAsync(policy, ct);
    }

    private async Task<Result<SlaPolicyView>> SaveAsync(SlaPolicy policy, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return new ConflictError("concurrent-change", $"Policy '{policy.Key}' was changed at the same time; read it and try again.");
        }

        cache.Invalidate();
        return policy.ToView();
    }

    private async Task<FieldErrors> ValidateAsync(SlaPolicyRequest r, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Trim().Length > 200)
        {
            errors.Add("name", "is required, at most 200 characters");
        }

        if (r.Target is null)
        {
            errors.Add("target", $"is required: one of {string.Join(", ", Enum.GetNames<SlaTarget>())}");
        }

        if (r.DurationMinutes is not (> 0 and <= MaxDurationMinutes))
        {
            errors.Add("durationMinutes", $"is required, 1 to {MaxDurationMinutes}");
        }

        if (r.Order is < 0 or > 100_000)
        {
            errors.Add("order", "must be 0 to 100000");
        }

        if (r.AtRiskPercent is < 1 or > 99)
        {
            errors.Add("atRiskPercent", "must be 1 to 99 (share of the duration after which the lead is at risk)");
        }

        if (r.Stage is { } stage && !StageRules.IsOpen(stage))
        {
            errors.Add("stage", $"must be an open stage: {string.Join(", ", StageRules.OpenStages)}");
        }

        var startOn = r.StartOn ?? (r.Target == SlaTarget.FirstTouch ? SlaStart.Assignment : SlaStart.StageEntered);
        if (r.Target is SlaTarget.AcceptOrReject or SlaTarget.Qualify or SlaTarget.StageExit && r.Stage is null)
        {
            errors.Add("stage", $"is required for target {r.Target}: the clock stops when the lead leaves it");
        }
        else if (startOn == SlaStart.StageEntered && r.Stage is null)
        {
            errors.Add("stage", "is required when the clock starts on entering a stage");
        }

        if (startOn == SlaStart.Activity && r.StartActivity is null)
        {
            errors.Add("startActivity", "is required when the clock starts on an activity (e.g. DemoRequest)");
        }
        else if (startOn != SlaStart.Activity && r.StartActivity is not null)
        {
            errors.Add("startActivity", "applies only with startOn Activity");
        }

        if (r.BusinessTime == true)
        {
            if (r.CalendarId is not { } calendarId)
            {
                errors.Add("calendarId", "is required for business time");
            }
            else if (await db.BusinessCalendars.AsNoTracking().FirstOrDefaultAsync(c => c.Id == calendarId, ct) is not { } calendar)
            {
                errors.Add("calendarId", $"no calendar with id {calendarId}");
            }
            else if (r.DurationMinutes is > 0 and <= MaxDurationMinutes
                && calendar.ToBusinessHours().TryAdd(clock.GetUtcNow().UtcDateTime, TimeSpan.FromMinutes(r.DurationMinutes.Value)) is null)
            {
                // Every capture that starts this clock would fail to find its deadline.
                errors.Add("durationMinutes", $"is more working time than calendar '{calendar.Name}' has in {BusinessHours.Horizon}: shorten it, or count calendar time (businessTime false)");
            }
        }
        else if (r.CalendarId is not null)
        {
            errors.Add("calendarId", "applies only with businessTime true");
        }

        var conditions = r.Conditions ?? [];
        if (conditions.Count > 50)
        {
            errors.Add("conditions", "at most 50");
        }

        var compiled = new List<LeadCondition>();
        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i] is null)
            {
                errors.Add($"conditions[{i}]", "must be a condition object");
            }
            else if (conditions[i].Compile(errors, $"conditions[{i}]", strict: true) is not null)
            {
                compiled.Add(conditions[i]);
            }
        }

        // A condition no lead could meet would leave the clock never starting, silently (stored policies load
        // leniently, as they always did).
        LeadConditionChecks.CheckTogether(compiled, "conditions", errors);

        await ValidateLadderAsync(r.Escalation ?? [], errors, ct);
        return errors;
    }

    private async Task ValidateLadderAsync(List<EscalationStep> ladder, FieldErrors errors, CancellationToken ct)
    {
        if (ladder.Count > 10)
        {
            errors.Add("escalation", "at most 10 steps");
        }

        var previous = 0;
        for (var i = 0; i < ladder.Count; i++)
        {
            var step = ladder[i];
            var path = $"escalation[{i}]";
            if (step is null)
            {
                errors.Add(path, "must be a step object");
                continue;
            }

            if (step.AfterMinutes is < 0 or > MaxDurationMinutes)
            {
                errors.Add(path + ".afterMinutes", $"must be 0 to {MaxDurationMinutes}");
            }
            else if (step.AfterMinutes < previous)
            {
                errors.Add(path + ".afterMinutes", "steps run in order: may not be earlier than the step before");
            }

            previous = Math.Max(previous, step.AfterMinutes);
            if (step.Action != EscalationAction.Reassign && (step.To is not null || step.QueueId is not null))
            {
                errors.Add(path, "'to' and 'queueId' apply only to Reassign");
            }

            if (step.QueueId is { } queueId)
            {
                if (step.To == ReassignTarget.NextMember)
                {
                    errors.Add(path + ".queueId", "applies only when reassigning to a queue");
                }
                else if (!await db.Queues.AnyAsync(q => q.Id == queueId, ct))
                {
                    errors.Add(path + ".queueId", $"no queue with id {queueId}");
                }
            }
        }
    }

    private static NotFoundError NotFound(string key) => new($"No service-level policy with key '{key}'.");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex KeyPattern();
}
