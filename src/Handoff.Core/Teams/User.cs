using Handoff.Common;

namespace Handoff.Teams;

/// <summary>What a person does in Handoff; decides what they may see and change.</summary>
public enum Role
{
    Admin,
    Marketing,
    Sdr,
    Ae,
    Manager,
}

/// <summary>A person who owns leads or runs the system.</summary>
public sealed class User
{
    private User()
    {
    }

    public Guid Id { get; private set; }
    public string Email { get; private set; } = "";
    public string Name { get; private set; } = "";
    public Role Role { get; private set; }
    public Guid? TeamId { get; private set; }
    public bool IsActive { get; private set; }
    public DateTime CreatedAt { get; private set; }

    public static User Create(string email, string name, Role role, Guid? teamId, DateTime at) => new()
    {
        Id = Ids.NewId(),
        Email = email.Trim().ToLowerInvariant(),
        Name = name.Trim(),
        Role = role,
        TeamId = teamId,
        IsActive = true,
        CreatedAt = at,
    };
}

/// <summary>A group of users who share work (an SDR pod, an AE team).</summary>
public sealed class Team
{
    private Team()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public Guid? ManagerUserId { get; private set; }

    public static Team Create(string name, Guid? managerUserId = null) => new()
    {
        Id = Ids.NewId(),
        Name = name.Trim(),
        ManagerUserId = managerUserId,
    };

    public void SetManager(Guid userId) => ManagerUserId = userId;
}

/// <summary>A place where leads wait for a person. One queue is the fallback that always exists.</summary>
public sealed class WorkQueue
{
    private WorkQueue()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public bool IsFallback { get; private set; }

    public static WorkQueue Create(string name, bool isFallback = false) => new()
    {
        Id = Ids.NewId(),
        Name = name.Trim(),
        IsFallback = isFallback,
    };
}
