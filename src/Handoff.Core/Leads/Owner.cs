namespace Handoff.Leads;

/// <summary>Whether a lead is owned by a person or waits in a queue.</summary>
public enum OwnerKind
{
    User,
    Queue,
}

/// <summary>The one owner every lead has: a user or a queue.</summary>
public readonly record struct Owner(OwnerKind Kind, Guid Id)
{
    public override string ToString() => Kind switch
    {
        OwnerKind.User => $"user:{Id}",
        OwnerKind.Queue => $"queue:{Id}",
        _ => $"{Kind.ToString().ToLowerInvariant()}:{Id}",
    };
}
