namespace Handoff.Web.Tests.Infrastructure;

/// <summary>
/// Several instances of the web app, each a real Kestrel server on its own loopback port, sharing one PostgreSQL
/// database: what "several nodes" means in production. The first node creates and migrates the database; the others
/// start after it. With <c>fakeClock</c> each node runs on a clock of its own that the test moves for all of them
/// at once (<see cref="Advance"/>).
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private readonly int _size;
    private readonly bool _fakeClock;
    private readonly Action<PostgresApp>? _configure;
    private readonly List<PostgresApp> _nodes = [];

    /// <param name="size">How many nodes.</param>
    /// <param name="fakeClock">Every node runs on a clock the test moves.</param>
    /// <param name="configure">Called on each node before it starts, e.g. to add <see cref="HandoffApp.Settings"/>.</param>
    public PostgresCluster(int size = 3, bool fakeClock = false, Action<PostgresApp>? configure = null)
    {
        _size = size;
        _fakeClock = fakeClock;
        _configure = configure;
    }

    public IReadOnlyList<PostgresApp> Nodes => _nodes;

    public async Task InitializeAsync()
    {
        PostgresApp first = _fakeClock ? new ClockedPostgresApp() : new PostgresApp();
        _configure?.Invoke(first);
        await first.InitializeAsync();
        _nodes.Add(first);
        first.Admin().Dispose(); // starts it: migrations run once, here
        for (var i = 1; i < _size; i++)
        {
            var node = new PostgresApp(first.Database, _fakeClock);
            _configure?.Invoke(node);
            // The newer node's clock was made later, and a FakeTimeProvider cannot go back: bring the others up to it.
            var now = node.Clock.GetUtcNow();
            foreach (var earlier in _nodes.Where(n => n.Clock.GetUtcNow() < now))
            {
                earlier.Clock.SetUtcNow(now);
            }

            _nodes.Add(node);
            node.Admin().Dispose();
        }
    }

    /// <summary>Moves every node's clock by the same amount.</summary>
    public void Advance(TimeSpan by)
    {
        foreach (var node in _nodes)
        {
            node.Clock.Advance(by);
        }
    }

    public async Task DisposeAsync()
    {
        // The owner drops the database, so it goes last.
        for (var i = _nodes.Count - 1; i >= 0; i--)
        {
            await _nodes[i].DisposeAsync();
        }
    }
}
