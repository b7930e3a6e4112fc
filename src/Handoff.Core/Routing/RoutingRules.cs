using Handoff.Common;
using Handoff.Data;
using Handoff.Enrichment;
using Handoff.Leads;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Routing;

/// <summary>The body of <c>PUT /api/routing/rules</c>: the whole ordered rule list of the next version.</summary>
public sealed record SaveRuleSetRequest(IReadOnlyList<RoutingRule>? Rules, RouteAt? RouteAt = null, bool UseAccountOwner = false, string? Note = null);

/// <summary>One rule set version as the API shows it.</summary>
public sealed record RuleSetView(Guid Id, RoutingPurpose Purpose, int Version, RouteAt RouteAt, bool UseAccountOwner, IReadOnlyList<RoutingRule> Rules, string? Note, DateTime CreatedAt, string CreatedBy)
{
    public static RuleSetView From(RoutingRuleSet s) =>
        new(s.Id, s.Purpose, s.Version, s.RouteAt, s.UseAccountOwner, s.ParsedRules(), s.Note, s.CreatedAt, s.CreatedBy);
}

/// <summary>A line of the version list.</summary>
public sealed record RuleSetVersionView(int Version, RouteAt RouteAt, bool UseAccountOwner, int RuleCount, string? Note, DateTime CreatedAt, string CreatedBy);

/// <summary>
/// The body of <c>POST /api/routing/test</c>: an existing lead (<c>leadId</c>) or a lead that does not exist yet
/// (<c>lead</c>, with the <c>form</c> it would come through).
/// </summary>
public sealed record RouteTestRequest(Guid? LeadId = null, LeadDetails? Lead = null, string? Form = null, RoutingPurpose? Purpose = null);

/// <summary>Reading, versioning and trying out the routing rules.</summary>
public sealed class RoutingRules(HandoffDb db, TimeProvider clock, Router router, LeadEnricher enricher, FallbackQueue fallback)
{
    public const int MaxRules = 1000;

    public async Task<Result<RuleSetView>> ActiveAsync(RoutingPurpose purpose, CancellationToken ct)
    {
        var set = await db.RoutingRuleSets.AsNoTracking().Where(r => r.Purpose == purpose).OrderByDescending(r => r.Version).FirstOrDefaultAsync(ct);
        return set is null ? new NotFoundError($"No {purpose} routing rules are saved yet.") : RuleSetView.From(set);
    }

    public async Task<Result<RuleSetView>> VersionAsync(RoutingPurpose purpose, int version, CancellationToken ct)
    {
        var set = await db.RoutingRuleSets.AsNoTracking().FirstOrDefaultAsync(r => r.Purpose == purpose && r.Version == version, ct);
        return set is null ? new NotFoundError($"No version {version} of the {purpose} routing rules.") : RuleSetView.From(set);
    }

    public async Task<IReadOnlyList<RuleSetVersionView>> VersionsAsync(RoutingPurpose purpose, CancellationToken ct)
    {
        var sets = await db.RoutingRuleSets.AsNoTracking().Where(r => r.Purpose == purpose).OrderByDescending(r => r.Version).ToListAsync(ct);
        return sets.Select(s => new RuleSetVersionView(s.Version, s.RouteAt, s.UseAccountOwner, s.ParsedRules().Count, s.Note, s.CreatedAt, s.CreatedBy)).ToList();
    }

    /// <summary>Checks every rule and target, then saves the rules as the next version, which becomes the active one.</summary>
    public async Task<Result<RuleSetView>> SaveAsync(RoutingPurpose purpose, SaveRuleSetRequest request, Actor actor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var routeAt = request.RouteAt ?? (purpose == RoutingPurpose.AccountExecutive ? RouteAt.SQL : RouteAt.MQL);
        if (purpose == RoutingPurpose.AccountExecutive && routeAt != RouteAt.SQL)
        {
            errors.Add("routeAt", "account-executive rules route SQLs: routeAt must be SQL");
        }

        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        if (note is { Length: > 1000 })
        {
            errors.Add("note", "must be at most 1000 characters");
        }

        if (request.Rules is null)
        {
            errors.Add("rules", "is required: the ordered list of rules (it may be empty: everything goes to the fallback queue)");
        }
        else if (request.Rules.Count > MaxRules)
        {
            errors.Add("rules", $"at most {MaxRules} rules");
        }
        else
        {
            await CheckRulesAsync(request.Rules, errors, ct);
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var latest = await db.RoutingRuleSets.Where(r => r.Purpose == purpose).MaxAsync(r => (int?)r.Version, ct) ?? 0;
        var set = RoutingRuleSet.Create(purpose, latest + 1, routeAt, request.UseAccountOwner, request.Rules!, note, actor.Name, clock.GetUtcNow().UtcDateTime);
        db.RoutingRuleSets.Add(set);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return new ConflictError("concurrent-change", $"Someone saved version {latest + 1} of the {purpose} rules at the same moment. Reload and try again.");
        }

        return RuleSetView.From(set);
    }

    private async Task CheckRulesAsync(IReadOnlyList<RoutingRule> rules, FieldErrors errors, CancellationToken ct)
    {
        var users = rules.Where(r => r?.Target?.Kind == TargetKind.User).Select(r => r.Target!.Id).Distinct().ToList();
        var queues = rules.Where(r => r?.Target?.Kind == TargetKind.Queue).Select(r => r.Target!.Id).Distinct().ToList();
        var teams = rules.Where(r => r?.Target?.Kind == TargetKind.Team).Select(r => r.Target!.Id).Distinct().ToList();
        var activeUsers = await db.Users.Where(u => users.Contains(u.Id) && u.IsActive).Select(u => u.Id).ToListAsync(ct);
        var knownQueues = await db.Queues.Where(q => queues.Contains(q.Id)).Select(q => q.Id).ToListAsync(ct);
        var knownTeams = await db.Teams.Where(t => teams.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        var staffedTeams = await db.TeamMembers.Where(m => teams.Contains(m.TeamId)).Select(m => m.TeamId).Distinct().ToListAsync(ct);

        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var path = $"rules[{i}]";
            if (rule is null)
            {
                errors.Add(path, "must be a rule object");
                continue;
            }

            if (rule.Name is { Length: > 200 })
            {
                errors.Add(path + ".name", "must be at most 200 characters");
            }

            if (rule.Conditions is { Count: > 50 })
            {
                errors.Add(path + ".conditions", "at most 50 conditions per rule");
            }

            CompiledRuleSet.CompileRule(rule, i, errors, strict: true);
            if (rule.Target is not { } target)
            {
                errors.Add(path + ".target", "is required: {\"kind\":\"User|Queue|Team\",\"id\":\"…\"}");
                continue;
            }

            switch (target.Kind)
            {
                case TargetKind.User when !activeUsers.Contains(target.Id):
                    errors.Add(path + ".target.id", $"no active user with id {target.Id}");
                    break;
                case TargetKind.Queue when !knownQueues.Contains(target.Id):
                    errors.Add(path + ".target.id", $"no queue with id {target.Id}");
                    break;
                case TargetKind.Team when !knownTeams.Contains(target.Id):
                    errors.Add(path + ".target.id", $"no team with id {target.Id}");
                    break;
                case TargetKind.Team when !staffedTeams.Contains(target.Id):
                    errors.Add(path + ".target.id", $"team {target.Id} has no members; add members first");
                    break;
            }

            if (target.Kind != TargetKind.Team && target.Strategy is not null)
            {
                errors.Add(path + ".target.strategy", "a strategy applies only to a team target");
            }
        }
    }

    /// <summary>Where a lead would go now and why; changes nothing (no assignment, no turn taken).</summary>
    public async Task<Result<RoutingDecision>> TestAsync(RouteTestRequest request, CancellationToken ct)
    {
        if ((request.LeadId is null) == (request.Lead is null))
        {
            return ValidationError.For("leadId", "give either leadId (an existing lead) or lead (the fields of a lead), not both");
        }

        Lead lead;
        if (request.LeadId is { } id)
        {
            var found = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
            if (found is null)
            {
                return LeadErrors.NotFound(id);
            }

            lead = found;
        }
        else
        {
            var details = request.Lead!.Normalize();
            var errors = new FieldErrors();
            details.Validate(errors);
            if (request.Form is { Length: > 40 })
            {
                errors.Add("form", "must be at most 40 characters");
            }

            if (errors.Any)
            {
                return errors.ToError();
            }

            var queue = await fallback.IdAsync(db, ct);
            (lead, _) = Lead.Capture(details, new Owner(OwnerKind.Queue, queue), Actor.System("routing-test"), clock.GetUtcNow().UtcDateTime, enricher.Of(details));
            lead.CameThroughForm(request.Form?.Trim());
        }

        var purpose = request.Purpose ?? await PurposeForAsync(lead, ct);
        return await router.PreviewAsync(lead, purpose, ct);
    }

    /// <summary>SQLs and beyond go by the account-executive rules when there are some; everything else by the lead rules.</summary>
    internal async Task<RoutingPurpose> PurposeForAsync(Lead lead, CancellationToken ct) =>
        lead.Stage is LeadStage.SQL or LeadStage.Opportunity && await db.RoutingRuleSets.AnyAsync(r => r.Purpose == RoutingPurpose.AccountExecutive, ct)
            ? RoutingPurpose.AccountExecutive
            : RoutingPurpose.Lead;
}
