using Handoff.Data;
using Handoff.Leads;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Routing;

/// <summary>How one rule fared for a lead: matched (and decided), or not and why.</summary>
public sealed record RuleTrace(int Index, string Name, bool Matched, string Detail);

/// <summary>
/// Where a lead goes and why: the owner, the rule set version and rule that decided it (none for the account owner
/// or the fallback), the strategy, every reason in order, and how each rule tried fared.
/// </summary>
public sealed record RoutingDecision(
    RoutingPurpose Purpose,
    Owner Owner,
    string OwnerName,
    int? RuleSetVersion,
    int? RuleIndex,
    string? RuleName,
    RoutingStrategy? Strategy,
    bool Fallback,
    IReadOnlyList<string> Why,
    IReadOnlyList<RuleTrace> Rules);

/// <summary>
/// Decides the owner of a lead from the active rule set of a purpose: account owner first (if the rule set says so),
/// then the first rule whose conditions hold and whose target can take the lead, else the fallback queue.
/// Picking a team member advances the team's rotation under a row lock of the team, so several nodes routing at
/// once give every member their fair turn; the turn is written as an increment in the caller's transaction (or a short one of its own).
/// </summary>
public sealed class Router(HandoffDb db, TimeProvider clock, FallbackQueue fallback, RuleSetCache cache)
{
    // Asked on every capture, so compiled once rather than translated each time.
    private static readonly PerProvider<Func<HandoffDb, RoutingPurpose, Task<Guid?>>> ActiveId = new(() => EF.CompileAsyncQuery((HandoffDb db, RoutingPurpose purpose) =>
        db.RoutingRuleSets.AsNoTracking().Where(r => r.Purpose == purpose).OrderByDescending(r => r.Version).Select(r => (Guid?)r.Id).FirstOrDefault()));

    private readonly Dictionary<RoutingPurpose, CompiledRuleSet?> _active = [];
    private readonly Dictionary<Guid, Roster> _rosters = [];
    private Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? _rostersOf;

    /// <summary>The active (highest) version of the rules of <paramref name="purpose"/>, compiled; null when none was saved.</summary>
    public async Task<CompiledRuleSet?> ActiveAsync(RoutingPurpose purpose, CancellationToken ct)
    {
        // Asked once per scope (a request, or a batch of captures on the SQLite writer).
        if (_active.TryGetValue(purpose, out var known))
        {
            return known;
        }

        var set = await ActiveId.For(db)(db, purpose) is { } found
            ? cache.Find(found) ?? cache.Get(await db.RoutingRuleSets.AsNoTracking().FirstAsync(r => r.Id == found, ct))
            : null;
        _active[purpose] = set;
        return set;
    }

    /// <summary>
    /// Picks the owner of <paramref name="lead"/> by the active rules of <paramref name="purpose"/> and takes the
    /// turn (a team's rotation moves on). Does not change the lead: the caller assigns it (conversion picks the AE this way).
    /// </summary>
    public async Task<RoutingDecision> DecideAsync(Lead lead, RoutingPurpose purpose, CancellationToken ct) =>
        await DecideAsync(lead, await ActiveAsync(purpose, ct), purpose, commit: true, ct);

    /// <summary>Where the lead would go now, and why; changes nothing.</summary>
    public async Task<RoutingDecision> PreviewAsync(Lead lead, RoutingPurpose purpose, CancellationToken ct) =>
        await DecideAsync(lead, await ActiveAsync(purpose, ct), purpose, commit: false, ct);

    internal async Task<RoutingDecision> DecideAsync(Lead lead, CompiledRuleSet? set, RoutingPurpose purpose, bool commit, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var why = new List<string>();
        var trace = new List<RuleTrace>();
        if (set is null)
        {
            why.Add($"no {purpose} routing rules are saved");
            return await FallbackAsync(purpose, null, why, trace, ct);
        }

        var account = lead.AccountId is { } accountId ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct) : null;
        var facts = new LeadFacts(lead, account);
        if (set.UseAccountOwner && account?.OwnerUserId is { } accountOwner)
        {
            var user = await UserAsync(accountOwner, now, checkCapacity: false, ct);
            if (user.Unavailable is null)
            {
                why.Add($"account {account.Name} is owned by {user.Name}");
                return new RoutingDecision(purpose, new Owner(OwnerKind.User, accountOwner), user.Name, set.Version, null, "account owner", null, false, why, trace);
            }

            why.Add($"account owner {user.Name} skipped: {user.Unavailable}");
        }

        if (await WalkRulesAsync(set, purpose, facts, traceMisses: !commit, why, trace, target => new ValueTask<Pick?>(TargetAsync(target, facts, now, commit, why, ct))) is { } decided)
        {
            return decided;
        }

        if (lead.OwnerKind == OwnerKind.User)
        {
            // The fallback queue is for leads nobody owns; a rep who already has the lead keeps it.
            var current = await db.Users.AsNoTracking().Where(u => u.Id == lead.OwnerId).Select(u => u.Name).FirstOrDefaultAsync(ct) ?? lead.OwnerId.ToString();
            why.Add($"stays with its owner {current}");
            return new RoutingDecision(purpose, lead.Owner, current, set.Version, null, null, null, false, why, trace);
        }

        return await FallbackAsync(purpose, set.Version, why, trace, ct);
    }

    /// <summary>
    /// The rule walk of a decision: the first rule whose conditions hold and whose target can take the lead decides;
    /// null when none does ("no rule matched" is added to <paramref name="why"/>). <paramref name="target"/> picks in a
    /// target: from the database here, from a batch's in-memory roster in the import (<c>Import/ImportAutomation.cs</c>),
    /// so both follow the same rules.
    /// </summary>
    internal static async ValueTask<RoutingDecision?> WalkRulesAsync(CompiledRuleSet set, RoutingPurpose purpose, LeadFacts facts, bool traceMisses, List<string> why, List<RuleTrace> trace, Func<RoutingTarget, ValueTask<Pick?>> target)
    {
        foreach (var rule in set.Rules)
        {
            if (!rule.Matches(facts))
            {
                // The trace of every rule that did not match is for the test endpoint; a real decision skips the words.
                if (traceMisses)
                {
                    trace.Add(new RuleTrace(rule.Index, rule.Name, false, rule.WhyNot(facts)!));
                }

                continue;
            }

            var before = why.Count;
            var pick = await target(rule.Target);
            if (pick is not { } owner)
            {
                trace.Add(new RuleTrace(rule.Index, rule.Name, false, "conditions hold, but nobody in the target can take the lead: " + string.Join("; ", why.Skip(before))));
                continue;
            }

            trace.Add(new RuleTrace(rule.Index, rule.Name, true, "conditions hold"));
            why.Add($"rule {rule.Index + 1} '{rule.Name}' matched: {owner.Name}");
            var strategy = rule.Target.Kind == TargetKind.Team ? rule.Target.Strategy ?? RoutingStrategy.RoundRobin : (RoutingStrategy?)null;
            return new RoutingDecision(purpose, owner.Owner, owner.Name, set.Version, rule.Index, rule.Name, strategy, false, why, trace);
        }

        why.Add(set.Rules.Length == 0 ? "the rule set has no rules" : "no rule matched");
        return null;
    }

    private async Task<RoutingDecision> FallbackAsync(RoutingPurpose purpose, int? version, List<string> why, List<RuleTrace> trace, CancellationToken ct) =>
        Fallback(purpose, version, await fallback.IdAsync(db, ct), why, trace);

    /// <summary>The decision for the fallback queue <paramref name="queue"/>. Shared with the import's batch routing.</summary>
    internal static RoutingDecision Fallback(RoutingPurpose purpose, int? version, Guid queue, List<string> why, List<RuleTrace> trace)
    {
        why.Add($"to the fallback queue {Workspace.FallbackQueueName}");
        return new RoutingDecision(purpose, new Owner(OwnerKind.Queue, queue), Workspace.FallbackQueueName, version, null, null, null, true, why, trace);
    }

    /// <summary>A target's pick: the owner and the name the reasons use.</summary>
    internal readonly record struct Pick(Owner Owner, string Name);

    private async Task<Pick?> TargetAsync(RoutingTarget target, LeadFacts facts, DateTime now, bool commit, List<string> why, CancellationToken ct)
    {
        switch (target.Kind)
        {
            case TargetKind.Queue:
                var queue = await db.Queues.AsNoTracking().Where(q => q.Id == target.Id).Select(q => q.Name).FirstOrDefaultAsync(ct);
                if (queue is null)
                {
                    why.Add($"queue {target.Id} does not exist any more");
                    return null;
                }

                return new Pick(new Owner(OwnerKind.Queue, target.Id), "queue " + queue);
            case TargetKind.User:
                var user = await UserAsync(target.Id, now, checkCapacity: true, ct);
                if (user.Unavailable is not null)
                {
                    why.Add($"{user.Name} skipped: {user.Unavailable}");
                    return null;
                }

                return new Pick(new Owner(OwnerKind.User, target.Id), user.Name);
            default:
                return await TeamMemberAsync(target.Id, target.Strategy ?? RoutingStrategy.RoundRobin, facts.Lead, now, commit, why, ct);
        }
    }

    internal readonly record struct UserState(string Name, string? Unavailable);

    /// <summary>A user as routing sees them (a team member's user, a rule's target user).</summary>
    internal sealed record RosterUser(Guid Id, string Name, bool IsActive);

    private async Task<UserState> UserAsync(Guid id, DateTime now, bool checkCapacity, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => new RosterUser(u.Id, u.Name, u.IsActive)).FirstOrDefaultAsync(ct);
        var profile = user is { IsActive: true } ? await db.RoutingProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == id, ct) : null;
        var open = checkCapacity && profile?.Capacity is not null && profile.Unavailable(now) is null
            ? (await OpenLeadCountsAsync(db, [id], ct)).GetValueOrDefault(id)
            : (int?)null;
        return Availability(id, user, profile, open, now);
    }

    /// <summary>
    /// Whether a user can take a lead now: exists, active, not away, and (when <paramref name="open"/> is given) under
    /// their capacity. Pure; shared with the import's batch routing.
    /// </summary>
    internal static UserState Availability(Guid id, RosterUser? user, RoutingProfile? profile, int? open, DateTime now)
    {
        if (user is null)
        {
            return new UserState($"user {id}", "does not exist any more");
        }

        if (!user.IsActive)
        {
            return new UserState(user.Name, "inactive");
        }

        if (profile?.Unavailable(now) is { } away)
        {
            return new UserState(user.Name, away);
        }

        if (open is { } count && profile?.Capacity is { } cap && count >= cap)
        {
            return new UserState(user.Name, $"at capacity ({count} of {cap} open leads)");
        }

        return new UserState(user.Name, null);
    }

    /// <summary>How many open leads each of <paramref name="users"/> owns (users with none are absent). Shared with the import's roster and the SLA's reassignment.</summary>
    internal static async Task<Dictionary<Guid, int>> OpenLeadCountsAsync(HandoffDb db, List<Guid> users, CancellationToken ct) =>
        await db.Leads.AsNoTracking()
            .Where(l => l.OwnerKind == OwnerKind.User && users.Contains(l.OwnerId) && StageRules.OpenStages.Contains(l.Stage))
            .GroupBy(l => l.OwnerId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);

    /// <summary>The turn of a team member, as an increment: the stride, the team and the user, in that order.</summary>
    private const string AdvanceTurnSql = "UPDATE team_members SET pass = pass + {0}, assigned = assigned + 1 WHERE team_id = {1} AND user_id = {2}";

    private static readonly string AdvanceTurnPrepared = System.Text.RegularExpressions.Regex.Replace(AdvanceTurnSql, @"\{\d\}", "?");

    private async Task<Pick?> TeamMemberAsync(Guid teamId, RoutingStrategy strategy, Lead lead, DateTime now, bool commit, List<string> why, CancellationToken ct)
    {
        var ownTransaction = commit && db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            if (commit && !db.IsSqlite)
            {
                // One routing decision per team at a time across every node: the rotation is read and moved under this lock.
                await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM teams WHERE id = {teamId} FOR NO KEY UPDATE", ct);
            }

            var roster = await RosterAsync(teamId, ct);
            if (roster.Team is not { } team)
            {
                why.Add($"team {teamId} does not exist any more");
                return null;
            }

            var members = roster.Seats.Select(r => r.Member).ToList();
            var users = roster.Seats.Where(r => r.User is not null).ToDictionary(r => r.Member.UserId, r => r.User!);
            var profiles = roster.Seats.Where(r => r.Profile is not null).ToDictionary(r => r.Member.UserId, r => r.Profile!);
            if (Candidates(team, members, strategy, lead, why) is not { } candidates)
            {
                return null;
            }

            var open = NeedsOpenCounts(strategy, candidates, profiles) ? await OpenLeadCountsAsync(db, candidates.Select(m => m.UserId).ToList(), ct) : [];
            if (ChooseMember(team, candidates, users, profiles, open, strategy, now, why) is not { } choice)
            {
                return null;
            }

            var (picked, pickedName, stride) = choice;
            if (commit)
            {
                // The turn is written at once, in the transaction (the caller's, undone with it, or this short one), as an
                // increment; the remembered roster moves on with it. No entity is tracked for it, so nothing else saves it twice.
                // On the SQLite capture writer by its prepared statement (EF builds a raw command anew on each call).
                if (db.Prepared is { } prepared)
                {
                    prepared.Statement(AdvanceTurnPrepared).Execute(stride, teamId, picked.UserId);
                }
                else
                {
                    await db.Database.ExecuteSqlRawAsync(AdvanceTurnSql, [stride, teamId, picked.UserId], ct);
                }
                picked.Picked(stride);
                if (ownTransaction is not null)
                {
                    await ownTransaction.CommitAsync(ct);
                }
            }

            return new Pick(new Owner(OwnerKind.User, picked.UserId), pickedName);
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }
    }

    private sealed record Seat(TeamMember Member, RosterUser? User, RoutingProfile? Profile);

    private sealed record RosterRow(TeamMember Member, string Team, RosterUser? User, RoutingProfile? Profile);

    // A team's members with their users and routing profiles, in one query compiled once: the SQLite writer asks it
    // once per batch, and translating the LINQ on every call cost more than running it.
    private static readonly PerProvider<Func<HandoffDb, Guid, IAsyncEnumerable<RosterRow>>> RosterRows = new(() => EF.CompileAsyncQuery((HandoffDb db, Guid teamId) =>
        from m in db.TeamMembers.AsNoTracking()
        where m.TeamId == teamId
        join t in db.Teams on m.TeamId equals t.Id
        join u in db.Users on m.UserId equals u.Id into us
        from u in us.DefaultIfEmpty()
        join p in db.RoutingProfiles on m.UserId equals p.UserId into ps
        from p in ps.DefaultIfEmpty()
        select new RosterRow(m, t.Name, u == null ? null : new RosterUser(u.Id, u.Name, u.IsActive), p)));

    private sealed record Roster(string? Team, List<Seat> Seats);

    /// <summary>
    /// A team's roster (members with their user and routing profile, and the team's name) in one round trip. Inside a
    /// transaction it is read once and remembered until the transaction ends: a batch of captures on the SQLite writer
    /// routes to the same team dozens of times, and the rotation it advances is the remembered one (PostgreSQL holds
    /// the team's row lock for the rest of the transaction). <see cref="Forget"/> drops it when a savepoint rolls back.
    /// </summary>
    private async Task<Roster> RosterAsync(Guid teamId, CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction;
        if (transaction is null || transaction != _rostersOf)
        {
            _rosters.Clear();
            _rostersOf = transaction;
        }

        if (transaction is not null && _rosters.TryGetValue(teamId, out var known))
        {
            return known;
        }

        var seats = new List<Seat>();
        string? team = null;
        await foreach (var row in RosterRows.For(db)(db, teamId).WithCancellation(ct))
        {
            team = row.Team;
            seats.Add(new Seat(row.Member, row.User, row.Profile));
        }

        team ??= await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => t.Name).FirstOrDefaultAsync(ct);
        var roster = new Roster(team, seats);
        if (transaction is not null)
        {
            _rosters[teamId] = roster;
        }

        return roster;
    }

    /// <summary>Drops the remembered rosters: the caller rolled back to a savepoint, so the turns it took were undone.</summary>
    public void Forget() => _rosters.Clear();

    /// <summary>
    /// The members of team <paramref name="team"/> who may take the lead by the strategy (territory and segment
    /// coverage), or null (with the reason in <paramref name="why"/>) when none. Pure; shared with the import's batch routing.
    /// </summary>
    internal static List<TeamMember>? Candidates(string team, List<TeamMember> members, RoutingStrategy strategy, Lead lead, List<string> why)
    {
        if (members.Count == 0)
        {
            why.Add($"team {team} has no members");
            return null;
        }

        var candidates = strategy switch
        {
            RoutingStrategy.Territory => Covering(members, m => m.Territories, t => CoversTerritory(t, lead)),
            RoutingStrategy.Segment => Covering(members, m => m.Segments, s => CoversSegment(s, lead)),
            _ => members,
        };
        if (candidates.Count == 0)
        {
            why.Add(strategy == RoutingStrategy.Territory
                ? $"team {team}: no member covers {lead.CountryCode ?? lead.Country ?? "an unknown country"}{(lead.State is null ? "" : "/" + lead.State)} ({lead.Region})"
                : $"team {team}: no member covers the {lead.Segment} segment");
            return null;
        }

        return candidates;
    }

    /// <summary>Whether choosing among <paramref name="candidates"/> needs their open lead counts (load balancing or a capacity).</summary>
    internal static bool NeedsOpenCounts(RoutingStrategy strategy, List<TeamMember> candidates, IReadOnlyDictionary<Guid, RoutingProfile> profiles) =>
        strategy == RoutingStrategy.LoadBalanced
        || candidates.Any(m => m.Capacity is not null || profiles.GetValueOrDefault(m.UserId)?.Capacity is not null);

    /// <summary>A member chosen: who, their name, and how far their turn moves on (<see cref="TeamMember.Picked"/>).</summary>
    internal readonly record struct MemberChoice(TeamMember Member, string Name, double Stride);

    /// <summary>
    /// Chooses among <paramref name="candidates"/>: skips the inactive, the away and those at capacity (by
    /// <paramref name="open"/>), then takes the next in turn (or the least loaded); null with the reasons when nobody
    /// can. Does not move the turn. Pure; shared with the import's batch routing, which keeps the roster and the open
    /// counts in memory for a whole batch.
    /// </summary>
    internal static MemberChoice? ChooseMember(string team, List<TeamMember> candidates, IReadOnlyDictionary<Guid, RosterUser> users, IReadOnlyDictionary<Guid, RoutingProfile> profiles, IReadOnlyDictionary<Guid, int> open, RoutingStrategy strategy, DateTime now, List<string> why)
    {
        var eligible = new List<TeamMember>();
        foreach (var member in candidates.OrderBy(m => m.Pass).ThenBy(m => m.JoinedAt))
        {
            var user = users.GetValueOrDefault(member.UserId);
            var name = user?.Name ?? member.UserId.ToString();
            var profile = profiles.GetValueOrDefault(member.UserId);
            var cap = Min(member.Capacity, profile?.Capacity);
            if (user is null || !user.IsActive)
            {
                why.Add($"{name} skipped: inactive");
            }
            else if (profile?.Unavailable(now) is { } away)
            {
                why.Add($"{name} skipped: {away}");
            }
            else if (cap is { } c && open.GetValueOrDefault(member.UserId) >= c)
            {
                why.Add($"{name} skipped: at capacity ({open.GetValueOrDefault(member.UserId)} of {c} open leads)");
            }
            else
            {
                eligible.Add(member);
            }
        }

        if (eligible.Count == 0)
        {
            why.Add($"team {team}: nobody available");
            return null;
        }

        var picked = strategy == RoutingStrategy.LoadBalanced
            ? eligible.OrderBy(m => open.GetValueOrDefault(m.UserId) / (double)m.Weight).ThenBy(m => m.Pass).ThenBy(m => m.JoinedAt).First()
            : eligible[0];
        var stride = strategy is RoutingStrategy.Weighted or RoutingStrategy.LoadBalanced ? 1.0 / picked.Weight : 1.0;
        var pickedName = users[picked.UserId].Name;
        why.Add(strategy == RoutingStrategy.LoadBalanced
            ? $"team {team}, {strategy}: {pickedName} has the least open work ({open.GetValueOrDefault(picked.UserId)} open, weight {picked.Weight})"
            : $"team {team}, {strategy}: {pickedName} is next in turn ({picked.Assigned} taken so far)");
        return new MemberChoice(picked, pickedName, stride);
    }

    private static int? Min(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    /// <summary>Members whose list covers the lead; if none does, the members with an empty list (they cover everything).</summary>
    private static List<TeamMember> Covering(List<TeamMember> members, Func<TeamMember, List<string>> list, Func<string, bool> covers)
    {
        var specific = members.Where(m => list(m).Any(covers)).ToList();
        return specific.Count > 0 ? specific : members.Where(m => list(m).Count == 0).ToList();
    }

    internal static bool CoversTerritory(string territory, Lead lead) =>
        Same(territory, lead.CountryCode) || Same(territory, lead.Country) || Same(territory, lead.State)
        || (lead.CountryCode is not null && lead.State is not null && Same(territory, $"{lead.CountryCode}-{lead.State}"))
        || (lead.Region != Enrichment.Region.Unknown && Same(territory, lead.Region.ToString()));

    internal static bool CoversSegment(string segment, Lead lead) =>
        (lead.Segment != Enrichment.Segment.Unknown && Same(segment, lead.Segment.ToString()))
        || (lead.SizeBand != Enrichment.CompanySizeBand.Unknown && Same(segment, lead.SizeBand.ToString()));

    private static bool Same(string a, string? b) => b is not null && string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
