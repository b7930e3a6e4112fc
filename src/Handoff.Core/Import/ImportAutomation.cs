using Handoff.Accounts;
using Handoff.Activities;
using Handoff.Capture;
using Handoff.Common;
using Handoff.Data;
using Handoff.Integrations;
using Handoff.Leads;
using Handoff.Qualification;
using Handoff.Routing;
using Handoff.Scoring;
using Handoff.Sla;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Import;

/// <summary>
/// The lead automations of an import, in bulk. For each new lead of a batch it decides in memory what the chain
/// (score 100 → MQL check 200 → route 300 → SLA clocks 400 → definition stamp 1000) decides for the same lead captured
/// through the API, with the same pure methods the steps call (<see cref="ScoreLead.Apply"/>,
/// <see cref="LeadEvaluator.EvaluateMql"/> and <see cref="MqlCheck.Move"/>, <see cref="Router.WalkRulesAsync"/> and
/// <see cref="Router.ChooseMember"/>, <see cref="SlaClocks.Candidates"/> and <see cref="SlaClocks.Start"/>). The scoring
/// model, definition and routing rules are those active when the run starts; the teams' rosters and rotation and the
/// reps' open lead counts are read once per batch; the rotation moves in memory lead after lead and is saved once per
/// batch, in its transaction (on PostgreSQL under a lock of the routed teams' rows, as live routing takes it).
/// </summary>
public sealed class ImportAutomation(HandoffDb db, ActiveScoring scoring, ActiveDefinitions definitions, Router router, SlaPolicyCache policies, FallbackQueue fallback)
{
    /// <summary>
    /// The scoring model and qualification definition active when the run starts: a run judges every lead by the same
    /// ones (the reading task scores and MQL-checks the leads it can ahead, with <see cref="ImportRules.ScoreAndCheck"/>).
    /// </summary>
    internal async Task<ImportRules> RulesAsync(DateTime at, CancellationToken ct) =>
        new(await scoring.GetAsync(ct), await definitions.AtAsync(db, at, ct));

    /// <summary>Reads what a batch's automation needs (inside the batch's transaction): routing rules, rosters, open counts, SLA policies.</summary>
    internal async Task<ImportBatchAutomation> PrepareAsync(ImportRules rules, ImportAccounts accounts, DateTime at, CancellationToken ct)
    {
        var leadRules = await router.ActiveAsync(RoutingPurpose.Lead, ct);
        var compiled = await policies.GetAsync(db, ct);
        var named = rules.Definition?.Document.SlaPolicies;
        var applying = named is { Count: > 0 } ? named.ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
        // An import reaches two routing moments: creation, and MQL when its check moves the lead.
        var roster = leadRules is { RouteAt: RouteAt.Capture or RouteAt.MQL } ? await RosterAsync(leadRules, accounts, ct) : null;
        return new ImportBatchAutomation(rules, accounts, leadRules, roster, compiled, applying, await fallback.IdAsync(db, ct), at);
    }

    /// <summary>
    /// Saves the turns the batch took (<see cref="ImportBatchAutomation"/> moved them in memory) as increments, so that
    /// a turn live routing took in the same transaction (the chain of a merged lead) is kept too; then lets live routing
    /// read the rosters again.
    /// </summary>
    internal async Task SaveRotationAsync(ImportBatchAutomation batch, CancellationToken ct)
    {
        foreach (var (member, (pass, assigned)) in batch.Roster?.Before ?? [])
        {
            var (stride, taken) = (member.Pass - pass, member.Assigned - assigned);
            if (taken != 0)
            {
                await db.TeamMembers.Where(m => m.TeamId == member.TeamId && m.UserId == member.UserId)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Pass, m => m.Pass + stride).SetProperty(m => m.Assigned, m => m.Assigned + taken), ct);
            }
        }

        router.Forget();
    }

    /// <summary>Everything the lead rule set's targets need, for the whole batch (members untracked: their turns are saved by <see cref="SaveRotationAsync"/>).</summary>
    private async Task<ImportRoster> RosterAsync(CompiledRuleSet set, ImportAccounts accounts, CancellationToken ct)
    {
        var targets = set.Rules.Select(r => r.Target).ToList();
        var teamIds = targets.Where(t => t.Kind == TargetKind.Team).Select(t => t.Id).Distinct().OrderBy(id => id).ToList();
        if (teamIds.Count > 0 && !db.IsSqlite)
        {
            // As live routing does per decision: one routing of a team at a time across every node, here for the batch.
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM teams WHERE id = ANY({teamIds.ToArray()}) ORDER BY id FOR NO KEY UPDATE", ct);
        }

        var members = await db.TeamMembers.AsNoTracking().Where(m => teamIds.Contains(m.TeamId)).ToListAsync(ct);
        var teams = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        // "Account owner first" may give a lead to any account's owner: they are on the roster too.
        var userIds = members.Select(m => m.UserId).Concat(targets.Where(t => t.Kind == TargetKind.User).Select(t => t.Id))
            .Concat(set.UseAccountOwner ? accounts.Owners : []).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .Select(u => new Router.RosterUser(u.Id, u.Name, u.IsActive)).ToDictionaryAsync(u => u.Id, ct);
        var profiles = await db.RoutingProfiles.AsNoTracking().Where(p => userIds.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, ct);
        var queueIds = targets.Where(t => t.Kind == TargetKind.Queue).Select(t => t.Id).Distinct().ToList();
        var queues = await db.Queues.AsNoTracking().Where(q => queueIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, q => q.Name, ct);

        // Open lead counts cost a scan of each rep's leads: read only when a capacity or load balancing needs them.
        var needsCounts = set.Rules.Any(r => r.Target is { Kind: TargetKind.Team, Strategy: RoutingStrategy.LoadBalanced })
            || members.Any(m => m.Capacity is not null) || profiles.Values.Any(p => p.Capacity is not null);
        var open = needsCounts && userIds.Count > 0 ? await Router.OpenLeadCountsAsync(db, userIds, ct) : [];
        return new ImportRoster(
            teams,
            members.GroupBy(m => m.TeamId).ToDictionary(g => g.Key, g => g.ToList()),
            users,
            profiles,
            queues,
            open,
            members.ToDictionary(m => m, m => (m.Pass, m.Assigned)));
    }
}

/// <summary>
/// The first steps of the chain for a new lead, which depend on nothing but the lead and the rules: its touch, the
/// score (100) and the MQL check (200). Thread-safe (compiled rules are immutable), so the reading task runs it ahead
/// for the leads no later row of their batch merges into.
/// </summary>
internal sealed record ImportRules(ScoringRules? Scoring, CompiledDefinition? Definition)
{
    /// <summary>
    /// The touch an imported row is, with the row's attribution as a capture records it: of type <see cref="ActivityType.Import"/>,
    /// not a form submit the person never made (a scoring rule on form submits would credit every row of a list).
    /// </summary>
    public static Activity Touch(Lead lead, LeadDetails details, DateTime at) => Activity.Record(
        lead.Id,
        ActivityType.Import,
        at,
        at,
        subject: "Captured via import",
        source: details.UtmSource ?? details.Source,
        channel: details.UtmMedium ?? details.Channel,
        campaign: details.UtmCampaign ?? details.Campaign,
        properties: CaptureLead.AttributionProperties(details, new CaptureContext { Channel = "import" }));

    /// <summary>Records the import's touch of <paramref name="lead"/>, scores it and runs the MQL check; the lead changes in memory.</summary>
    public ImportedTouch ScoreAndCheck(Lead lead, Account? account, LeadDetails details, DateTime at)
    {
        var touch = Touch(lead, details, at);

        // 100: score. A new lead has no stored touches: its state is built from this one.
        var state = Scoring is null ? null : ScoreEngine.Build(Scoring, [ActivityFact.Of(touch)]);
        if (state is not null)
        {
            ScoreLead.Apply(Scoring!, lead, account, state, at);
        }

        // 200: MQL check, with the lead's account (account.* facts) when the import matched one.
        StageChange? move = null;
        if (Definition is not null && lead.Stage == LeadStage.New)
        {
            var (mql, variation) = LeadEvaluator.EvaluateMql(Definition, new LeadFacts(lead, account), [touch], at);
            move = MqlCheck.Move(lead, Definition, mql, variation, [], at, state is null ? null : () => ScoreEngine.Read(Scoring!, new LeadFacts(lead, account), state, at));
        }

        return new ImportedTouch(touch, move);
    }
}

/// <summary>What the first steps did to a new lead: its touch, and its move to MQL if the check made one.</summary>
internal sealed record ImportedTouch(Activity Touch, StageChange? Mql);

/// <summary>The routing data of a batch, in memory: teams (names and tracked members), users, profiles, queues, open lead counts.</summary>
internal sealed record ImportRoster(
    Dictionary<Guid, string> Teams,
    Dictionary<Guid, List<TeamMember>> Members,
    Dictionary<Guid, Router.RosterUser> Users,
    Dictionary<Guid, RoutingProfile> Profiles,
    Dictionary<Guid, string> Queues,
    Dictionary<Guid, int> Open,
    Dictionary<TeamMember, (double Pass, int Assigned)> Before);

/// <summary>
/// One batch's automation: <see cref="ApplyAsync"/> runs the chain on each new lead in file order, and collects the
/// rows it makes (touches, stage moves, assignments, clocks, events) for the batch's bulk insert.
/// </summary>
internal sealed class ImportBatchAutomation
{
    private static readonly Actor RoutingActor = Actor.System(RouteOnChange.RoutingActor);

    /// <summary>
    /// What routing changes on a lead (<see cref="Lead.AssignTo"/>, and its first assignment for speed to lead): the
    /// columns the writer reads again for a lead whose other values the reader read after scoring it. Debug builds check
    /// that nothing else changed.
    /// </summary>
    internal static readonly string[] RoutedProperties = [nameof(Lead.OwnerKind), nameof(Lead.OwnerId), nameof(Lead.UpdatedAt), nameof(Lead.Version), nameof(Lead.FirstAssignedAt), nameof(Lead.FirstAssignedUserId)];

    private readonly ImportRules _rules;
    private readonly ImportAccounts _accounts;
    private readonly CompiledRuleSet? _leadRules;
    private readonly ImportRoster? _roster;

    /// <summary>The routing data the batch read; its members' turns move as the batch routes.</summary>
    internal ImportRoster? Roster => _roster;
    private readonly IReadOnlyList<CompiledPolicy> _policies;
    private readonly IReadOnlySet<string>? _applying;
    private readonly Guid _fallbackQueue;
    private readonly DateTime _now;

    internal ImportBatchAutomation(ImportRules rules, ImportAccounts accounts, CompiledRuleSet? leadRules, ImportRoster? roster, IReadOnlyList<CompiledPolicy> policies, IReadOnlySet<string>? applying, Guid fallbackQueue, DateTime now)
    {
        _rules = rules;
        _accounts = accounts;
        _leadRules = leadRules;
        _roster = roster;
        _policies = policies;
        _applying = applying;
        _fallbackQueue = fallbackQueue;
        _now = now;
    }

    /// <summary>The import's touch of each new lead (one per lead, as a capture records one).</summary>
    public List<Activity> Activities { get; } = [];

    /// <summary>Stage moves made by the MQL check.</summary>
    public List<StageChange> StageChanges { get; } = [];
    public List<Assignment> Assignments { get; } = [];

    public List<SlaClock> Clocks { get; } = [];

    /// <summary>Events: <c>lead.stage-changed</c> of each MQL move (owner changes are announced by the batch's <c>leads.imported</c>).</summary>
    public List<OutboxMessage> Outbox { get; } = [];

    /// <summary>
    /// Runs the chain on <paramref name="lead"/>, created by the import at <paramref name="at"/> from
    /// <paramref name="details"/> (the row, after merging later rows of the file into it), exactly as for a capture
    /// of the same lead: the lead is changed in memory, and the rows it needs are collected. <paramref name="ahead"/>:
    /// the first steps, when the reading task ran them already. Returns whether routing changed the lead (only
    /// <see cref="RoutedProperties"/>; with <paramref name="ahead"/> null the first steps may have changed more).
    /// </summary>
    public async ValueTask<bool> ApplyAsync(Lead lead, LeadDetails details, Actor actor, DateTime at, ImportedTouch? ahead)
    {
        var routed = false;
        var change = new LeadChange(lead, actor, at) { Created = true };
        var account = _accounts.Of(lead.AccountId);
        var (touch, move) = ahead ?? _rules.ScoreAndCheck(lead, account, details, at);
        Activities.Add(touch);
        change.Activities.Add(touch);
        if (move is not null)
        {
            StageChanges.Add(move);
            Outbox.Add(LeadEvents.StageChangedMessage(move));
            change.StageChanges.Add(move);
        }

        var facts = new LeadFacts(lead, account);

        // 300: route, when the lead rule set routes at this moment (capture, or MQL when the check just moved it).
        var moves = change.StageChanges.Select(c => c.To).ToList();
        if (_leadRules is not null && _roster is not null && StageRules.IsOpen(lead.Stage) && RouteOnChange.Trigger(_leadRules, created: true, moves) is { } trigger)
        {
            var decision = await DecideAsync(_leadRules, _roster, lead, facts, account);
            var assignment = RouteOnChange.AssignInMemory(lead, decision, trigger, RoutingActor, at);
            Assignments.Add(assignment);
            if (assignment.From is not null)
            {
                change.OwnerChanged = true;
                routed = true;
            }

            if (lead.OwnerKind == OwnerKind.User)
            {
                _roster.Open[lead.OwnerId] = _roster.Open.GetValueOrDefault(lead.OwnerId) + 1;
            }
        }

        // 400: speed-to-lead and the clocks the active policies start (none for a closed lead).
        if (lead.OwnerKind == OwnerKind.User)
        {
            routed |= lead.NoteAssigned(lead.OwnerId, at);
        }

        if (_policies.Count > 0 && StageRules.IsOpen(lead.Stage))
        {
            Clocks.AddRange(SlaClocks.Start(SlaClocks.Candidates(_policies, _applying, change), change, facts, new HashSet<SlaTarget>()));
        }

        // 1000: the definition stamp. The MQL move carries its version already; the creation move is not part of the
        // change (as in capture), so nothing is left to stamp.
        return routed;
    }

    /// <summary>
    /// The routing decision by the lead rules with the batch's roster: the same rule walk and member choice as live
    /// routing, with the turn moved in memory; first the account's owner when the rule set says so (as
    /// <see cref="Router"/> does: an available owner, capacity not checked).
    /// </summary>
    private async ValueTask<RoutingDecision> DecideAsync(CompiledRuleSet set, ImportRoster roster, Lead lead, LeadFacts facts, Account? account)
    {
        var why = new List<string>();
        var trace = new List<RuleTrace>();
        if (set.UseAccountOwner && account?.OwnerUserId is { } accountOwner)
        {
            var user = Router.Availability(accountOwner, roster.Users.GetValueOrDefault(accountOwner), roster.Profiles.GetValueOrDefault(accountOwner), null, _now);
            if (user.Unavailable is null)
            {
                why.Add($"account {account.Name} is owned by {user.Name}");
                return new RoutingDecision(RoutingPurpose.Lead, new Owner(OwnerKind.User, accountOwner), user.Name, set.Version, null, "account owner", null, false, why, trace);
            }

            why.Add($"account owner {user.Name} skipped: {user.Unavailable}");
        }

        var decided = await Router.WalkRulesAsync(set, RoutingPurpose.Lead, facts, traceMisses: false, why, trace, target => new ValueTask<Router.Pick?>(Target(roster, target, lead, why)));
        return decided ?? Router.Fallback(RoutingPurpose.Lead, set.Version, _fallbackQueue, why, trace);
    }

    private Router.Pick? Target(ImportRoster roster, RoutingTarget target, Lead lead, List<string> why)
    {
        switch (target.Kind)
        {
            case TargetKind.Queue:
                if (!roster.Queues.TryGetValue(target.Id, out var queue))
                {
                    why.Add($"queue {target.Id} does not exist any more");
                    return null;
                }

                return new Router.Pick(new Owner(OwnerKind.Queue, target.Id), "queue " + queue);
            case TargetKind.User:
                var profile = roster.Profiles.GetValueOrDefault(target.Id);
                var user = Router.Availability(target.Id, roster.Users.GetValueOrDefault(target.Id), profile, roster.Open.GetValueOrDefault(target.Id), _now);
                if (user.Unavailable is not null)
                {
                    why.Add($"{user.Name} skipped: {user.Unavailable}");
                    return null;
                }

                return new Router.Pick(new Owner(OwnerKind.User, target.Id), user.Name);
            default:
                if (!roster.Teams.TryGetValue(target.Id, out var team))
                {
                    why.Add($"team {target.Id} does not exist any more");
                    return null;
                }

                var strategy = target.Strategy ?? RoutingStrategy.RoundRobin;
                if (Router.Candidates(team, roster.Members.GetValueOrDefault(target.Id) ?? [], strategy, lead, why) is not { } candidates
                    || Router.ChooseMember(team, candidates, roster.Users, roster.Profiles, roster.Open, strategy, _now, why) is not { } choice)
                {
                    return null;
                }

                choice.Member.Picked(choice.Stride); // saved once for the batch (ImportAutomation.SaveRotationAsync)
                return new Router.Pick(new Owner(OwnerKind.User, choice.Member.UserId), choice.Name);
        }
    }
}
