namespace Handoff.Common;

/// <summary>Who made a change: a person, a system rule, or an integration (API key, import, form).</summary>
public enum ActorKind
{
    User,
    System,
    Integration,
}

/// <summary>The author of a change, recorded on every history entry.</summary>
public readonly record struct Actor(ActorKind Kind, string Id, string Name)
{
    public static Actor System(string rule) => new(ActorKind.System, rule, rule);
}
