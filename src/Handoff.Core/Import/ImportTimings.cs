using System.Diagnostics;

namespace Handoff.Import;

/// <summary>
/// Where a run's time went, phase by phase (thread-safe: the reading and the writing task both add to it). The reader's
/// phases overlap the writer's, so the sum exceeds the wall time; "read: waiting for the writer" is time the reader sat
/// idle because two batches were already queued.
/// </summary>
internal sealed class ImportTimings
{
    private readonly Dictionary<string, long> _ticks = [];

    public Stopwatch Wall { get; } = Stopwatch.StartNew();

    /// <summary>Adds the time since <paramref name="started"/> (a <see cref="Stopwatch.GetTimestamp"/>) to the phase; returns now.</summary>
    public long Add(string phase, long started)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_ticks)
        {
            _ticks[phase] = _ticks.GetValueOrDefault(phase) + (now - started);
        }

        return now;
    }

    public override string ToString()
    {
        lock (_ticks)
        {
            return $"wall {Wall.Elapsed.TotalSeconds:N1} s; " + string.Join("; ", _ticks.Select(p => $"{p.Key} {Stopwatch.GetElapsedTime(0, p.Value).TotalSeconds:N1} s"));
        }
    }
}
