using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Teams;

/// <summary><c>POST /api/teams</c>.</summary>
public sealed record CreateTeamRequest(string Name, Guid? ManagerUserId = null);

/// <summary><c>POST /api/queues</c>.</summary>
public sealed record CreateQueueRequest(string Name);

/// <summary><c>PUT /api/teams/{id}/members/{userId}</c>: joins or changes a member.</summary>
public sealed record TeamMemberRequest(int Weight = 1, int? Capacity = null, IReadOnlyList<string>? Territories = null, IReadOnlyList<string>? Segments = null);

public sealed record TeamMemberView(Guid UserId, string Name, int Weight, int? Capacity, IReadOnlyList<string> Territories, IReadOnlyList<string> Segments, int Assigned, DateTime JoinedAt);

public sealed record TeamDetailView(Guid Id, string Name, Guid? ManagerUserId, IReadOnlyList<TeamMemberView> Members);

/// <summary><c>PUT /api/users/{id}/routing</c>: when the user takes leads and how many.</summary>
public sealed record RoutingProfileRequest(string? TimeZone = null, IReadOnlyList<WorkingHours>? WorkingHours = null, IReadOnlyList<OutOfOffice>? OutOfOffice = null, int? Capacity = null);

public sealed record RoutingProfileView(Guid UserId, string TimeZone, IReadOnlyList<WorkingHours> WorkingHours, IReadOnlyList<OutOfOffice> OutOfOffice, int? Capacity, string? UnavailableNow);

/// <summary>Teams, their members (weight, capacity, territories, segments), queues and users' routing profiles.</summary>
public sealed class TeamRoster(HandoffDb db, TimeProvider clock)
{
    public async Task<Result<TeamView>> CreateTeamAsync(CreateTeamRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            errors.Add("name", "is required, at most 200 characters");
        }
        else if (await db.Teams.AnyAsync(t => t.Name == name, ct))
        {
            errors.Add("name", "a team with this name exists already");
        }

        if (request.ManagerUserId is { } manager && !await db.Users.AnyAsync(u => u.Id == manager && u.IsActive, ct))
        {
            errors.Add("managerUserId", $"no active user with id {manager}");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var team = Team.Create(name, request.ManagerUserId);
        db.Teams.Add(team);
        return await SaveAsync(new TeamView(team.Id, team.Name, team.ManagerUserId), "name", "a team with this name exists already", ct);
    }

    public async Task<Result<QueueView>> CreateQueueAsync(CreateQueueRequest request, CancellationToken ct)
    {
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            return ValidationError.For("name", "is required, at most 200 characters");
        }

        if (await db.Queues.AnyAsync(q => q.Name == name, ct))
        {
            return ValidationError.For("name", "a queue with this name exists already");
        }

        var queue = WorkQueue.Create(name);
        db.Queues.Add(queue);
        return await SaveAsync(new QueueView(queue.Id, queue.Name, queue.IsFallback), "name", "a queue with this name exists already", ct);
    }

    public async Task<Result<TeamDetailView>> TeamAsync(Guid id, CancellationToken ct)
    {
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        if (team is null)
        {
            return new NotFoundError($"No team with id {id}.");
        }

        var members = await db.TeamMembers.AsNoTracking().Where(m => m.TeamId == id)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u.Name })
            .ToListAsync(ct);
        return new TeamDetailView(team.Id, team.Name, team.ManagerUserId, members
            .OrderBy(x => x.m.JoinedAt).ThenBy(x => x.Name)
            .Select(x => new TeamMemberView(x.m.UserId, x.Name, x.m.Weight, x.m.Capacity, x.m.Territories, x.m.Segments, x.m.Assigned, x.m.JoinedAt))
            .ToList());
    }

    /// <summary>Adds the user to the team (at the front of the rotation, owed nothing) or changes their seat.</summary>
    public async Task<Result<(TeamDetailView Team, bool Joined)>> PutMemberAsync(Guid teamId, Guid userId, TeamMemberRequest request, CancellationToken ct)
    {
        if (!await db.Teams.AnyAsync(t => t.Id == teamId, ct))
        {
            return new NotFoundError($"No team with id {teamId}.");
        }

        var errors = new FieldErrors();
        if (!await db.Users.AnyAsync(u => u.Id == userId && u.IsActive, ct))
        {
            errors.Add("userId", $"no active user with id {userId}");
        }

        if (request.Weight is < 1 or > 100)
        {
            errors.Add("weight", "must be a whole number from 1 to 100");
        }

        if (request.Capacity is < 0 or > 100_000)
        {
            errors.Add("capacity", "must be from 0 to 100000 open leads, or null for no cap");
        }

        CheckList(request.Territories, "territories", 200, errors);
        CheckList(request.Segments, "segments", 20, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        var territories = request.Territories?.Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var segments = request.Segments?.Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == userId, ct);
        var joined = member is null;
        if (member is null)
        {
            // Joining at the lowest pass of the others: next in line, but not owed the leads given out before.
            var start = await db.TeamMembers.Where(m => m.TeamId == teamId).MinAsync(m => (double?)m.Pass, ct) ?? 0;
            db.TeamMembers.Add(TeamMember.Join(teamId, userId, request.Weight, request.Capacity, territories, segments, start, clock.GetUtcNow().UtcDateTime));
        }
        else
        {
            member.Change(request.Weight, request.Capacity, territories, segments);
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return new ConflictError("concurrent-change", "The member was added at the same moment by someone else. Reload and try again.");
        }

        return ((await TeamAsync(teamId, ct)).Value!, joined);
    }

    public async Task<Result<TeamDetailView>> RemoveMemberAsync(Guid teamId, Guid userId, CancellationToken ct)
    {
        var removed = await db.TeamMembers.Where(m => m.TeamId == teamId && m.UserId == userId).ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            return new NotFoundError($"User {userId} is not a member of team {teamId}.");
        }

        return await TeamAsync(teamId, ct);
    }

    public async Task<Result<RoutingProfileView>> ProfileAsync(Guid userId, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct))
        {
            return new NotFoundError($"No user with id {userId}.");
        }

        var profile = await db.RoutingProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == userId, ct) ?? RoutingProfile.For(userId);
        return View(profile);
    }

    public async Task<Result<RoutingProfileView>> SetProfileAsync(Guid userId, RoutingProfileRequest request, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct))
        {
            return new NotFoundError($"No user with id {userId}.");
        }

        var errors = new FieldErrors();
        var zone = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone.Trim();
        if (zone.Length > 100 || !RoutingProfile.IsKnownTimeZone(zone))
        {
            errors.Add("timeZone", $"'{zone}' is not an IANA time zone, e.g. America/New_York or Europe/Berlin");
        }

        var hours = request.WorkingHours ?? [];
        if (hours.Count > 50)
        {
            errors.Add("workingHours", "at most 50 blocks");
        }

        for (var i = 0; i < hours.Count; i++)
        {
            var block = hours[i];
            if (block is null || block.Days is null || block.Days.Count == 0)
            {
                errors.Add($"workingHours[{i}].days", "name at least one day, e.g. [\"Monday\",\"Friday\"]");
            }
            else if (block.End <= block.Start)
            {
                errors.Add($"workingHours[{i}].end", "must be after start (a block cannot run past midnight; split it in two)");
            }
        }

        var away = request.OutOfOffice ?? [];
        if (away.Count > 200)
        {
            errors.Add("outOfOffice", "at most 200 ranges");
        }

        for (var i = 0; i < away.Count; i++)
        {
            var range = away[i];
            if (range is null || range.To <= range.From)
            {
                errors.Add($"outOfOffice[{i}].to", "must be after from");
            }
            else if (range.Note is { Length: > 200 })
            {
                errors.Add($"outOfOffice[{i}].note", "must be at most 200 characters");
            }
        }

        if (request.Capacity is < 0 or > 100_000)
        {
            errors.Add("capacity", "must be from 0 to 100000 open leads, or null for no cap");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var profile = await db.RoutingProfiles.FirstOrDefaultAsync(p => p.UserId == userId, ct);
        if (profile is null)
        {
            profile = RoutingProfile.For(userId);
            db.RoutingProfiles.Add(profile);
        }

        profile.Set(zone, hours, away.Select(a => a with { From = a.From.ToUniversalTime(), To = a.To.ToUniversalTime(), Note = a.Note?.Trim() }), request.Capacity, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return View(profile);
    }

    private RoutingProfileView View(RoutingProfile p) =>
        new(p.UserId, p.TimeZone, p.WorkingHours, p.OutOfOffice, p.Capacity, p.Unavailable(clock.GetUtcNow().UtcDateTime));

    private static void CheckList(IReadOnlyList<string>? list, string field, int max, FieldErrors errors)
    {
        if (list is null)
        {
            return;
        }

        if (list.Count > max)
        {
            errors.Add(field, $"at most {max} entries");
        }

        if (list.Any(s => string.IsNullOrWhiteSpace(s) || s.Length > 100))
        {
            errors.Add(field, "entries must be non-empty, at most 100 characters");
        }
    }

    private async Task<Result<T>> SaveAsync<T>(T view, string field, string duplicate, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return view;
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return ValidationError.For(field, duplicate);
        }
    }
}
