using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Notifications;

/// <summary>
/// The event types that some active webhook subscription wants. The outbox holds only those: a subscription receives
/// the events from its creation on, never the backlog before it, so an event nobody wants would stay in the outbox
/// undelivered for ever (about 2 KB of the 5.5 KB a capture wrote, in two of its nine rows).
/// <para>
/// Until the first load every type is wanted (a tool that never loads the list writes every event). A subscription
/// made by this process counts from before it is saved; one made by another process from this process's next
/// <see cref="RefreshAsync"/>, which the host runs every <see cref="RefreshInterval"/>.
/// </para>
/// </summary>
public sealed class WebhookInterest
{
    /// <summary>How often the host reloads the list: the longest another node's new subscription can miss this node's events.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long the types of a subscription this process is saving are kept without the database's word for them.</summary>
    private static readonly TimeSpan Pending = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private readonly List<(long At, IReadOnlyList<string> Events)> _pending = [];
    private volatile string[]? _patterns;

    /// <summary>Whether an event of <paramref name="type"/> goes to the outbox.</summary>
    public bool Wants(string type)
    {
        var patterns = _patterns;
        if (patterns is null)
        {
            return true;
        }

        foreach (var pattern in patterns)
        {
            if (WebhookSubscription.Matches(pattern, type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Counts a subscription's event types from now on: called before it is saved, so that no event after its
    /// creation is left out. A save that fails costs only some events written for nobody until the types expire.
    /// </summary>
    public void Add(IReadOnlyList<string> events)
    {
        lock (_lock)
        {
            _pending.Add((Environment.TickCount64, events));
            if (_patterns is { } current)
            {
                _patterns = [.. current.Union(events, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Reloads the types of the active subscriptions (those this process is saving stay until the database has them).</summary>
    public async Task RefreshAsync(HandoffDb db, CancellationToken ct)
    {
        var started = Environment.TickCount64;
        var saved = await db.WebhookSubscriptions.AsNoTracking().Where(s => s.Active).Select(s => s.Events).ToListAsync(ct);
        lock (_lock)
        {
            // A subscription saved while the query ran may be missing from it: its types stay a minute, long past its save.
            _pending.RemoveAll(p => p.At < started - (long)Pending.TotalMilliseconds);
            _patterns = [.. saved.SelectMany(e => e).Concat(_pending.SelectMany(p => p.Events)).Distinct(StringComparer.Ordinal)];
        }
    }
}
