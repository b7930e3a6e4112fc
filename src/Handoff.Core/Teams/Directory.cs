using Handoff.Common;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Teams;

public sealed record UserView(Guid Id, string Email, string Name, Role Role, Guid? TeamId, bool IsActive);

public sealed record QueueView(Guid Id, string Name, bool IsFallback);

public sealed record TeamView(Guid Id, string Name, Guid? ManagerUserId);

public sealed record CreateUserRequest(string Email, string Name, Role Role, Guid? TeamId = null);

/// <summary>Who can own leads: users, their teams, and the queues.</summary>
public sealed class People(HandoffDb db, TimeProvider clock)
{
    public async Task<IReadOnlyList<UserView>> UsersAsync(CancellationToken ct) =>
        await db.Users.AsNoTracking().OrderBy(u => u.Name)
            .Select(u => new UserView(u.Id, u.Email, u.Name, u.Role, u.TeamId, u.IsActive)).ToListAsync(ct);

    public async Task<IReadOnlyList<TeamView>> TeamsAsync(CancellationToken ct) =>
        await db.Teams.AsNoTracking().OrderBy(t => t.Name)
            .Select(t => new TeamView(t.Id, t.Name, t.ManagerUserId)).ToListAsync(ct);

    public async Task<IReadOnlyList<QueueView>> QueuesAsync(CancellationToken ct) =>
        await db.Queues.AsNoTracking().OrderBy(q => q.Name)
            .Select(q => new QueueView(q.Id, q.Name, q.IsFallback)).ToListAsync(ct);

    public async Task<Result<UserView>> CreateUserAsync(CreateUserRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var email = request.Email?.Trim().ToLowerInvariant() ?? "";
        if (!System.Net.Mail.MailAddress.TryCreate(email, out _) || email.Length > 254)
        {
            errors.Add("email", "must be an email address");
        }
        else if (await db.Users.AnyAsync(u => u.Email == email, ct))
        {
            errors.Add("email", "a user with this email exists already");
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors.Add("name", "is required, at most 200 characters");
        }

        if (request.TeamId is { } teamId && !await db.Teams.AnyAsync(t => t.Id == teamId, ct))
        {
            errors.Add("teamId", $"no team with id {teamId}");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var user = User.Create(email, request.Name, request.Role, request.TeamId, clock.GetUtcNow().UtcDateTime);
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        return new UserView(user.Id, user.Email, user.Name, user.Role, user.TeamId, user.IsActive);
    }
}
