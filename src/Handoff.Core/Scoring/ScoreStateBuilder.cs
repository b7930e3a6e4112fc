using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Handoff.Scoring;

/// <summary>
/// The bulk rescore's way to build a lead's <see cref="ScoreState"/>: the same folds as
/// <see cref="ScoreEngine.ApplyMatch"/>, into per-rule slots that one thread reuses lead after lead, then written
/// straight to <see cref="ScoreState.ToText"/>'s bytes. A <see cref="ScoreState"/> costs about ten objects per lead
/// (the state, its dictionary, a rule state and its lists per matched rule); this costs none but the output.
/// Not thread-safe: one per scoring thread.
/// </summary>
internal sealed class ScoreStateBuilder
{
    private readonly ScoringRules _rules;
    private readonly CompiledEngagementRule[] _engagement;
    private readonly byte[][] _ids;
    private readonly Slot[] _slots;
    private readonly int[] _order;
    private int _used;
    private byte[] _binary = new byte[1024];

    public ScoreStateBuilder(ScoringRules rules)
    {
        _rules = rules;
        _engagement = [.. rules.Engagement];
        _ids = [.. _engagement.Select(r => Encoding.UTF8.GetBytes(r.Id))];
        _slots = [.. _engagement.Select(r => new Slot(r.Count))];
        _order = new int[_engagement.Length];
    }

    /// <summary>Each rule's index in the model (what <see cref="Apply"/> takes), by reference.</summary>
    public int IndexOf(CompiledEngagementRule rule) => Array.IndexOf(_engagement, rule);

    /// <summary>Starts a new lead.</summary>
    public void Clear()
    {
        for (var i = 0; i < _used; i++)
        {
            _slots[_order[i]].Present = false;
        }

        _used = 0;
    }

    /// <summary>Folds one activity matched by rule <paramref name="index"/> in, as <see cref="ScoreEngine.ApplyMatch"/> does.</summary>
    public void Apply(int index, long at, Guid id)
    {
        var rule = _engagement[index];
        var s = _slots[index];
        if (!s.Present)
        {
            s.Reset(at);
            _order[_used++] = index;
        }

        s.Matches++;
        if (rule.Count is { } count)
        {
            s.AddToWindow(count, at, id);
            return;
        }

        if (at >= s.AsOf)
        {
            s.Points = (s.Points * _rules.Decay(at - s.AsOf)) + rule.Points;
            s.AsOf = at;
        }
        else
        {
            s.Points += rule.Points * _rules.Decay(s.AsOf - at);
        }

        if (rule.Cap is { } cap)
        {
            s.Points = Math.Clamp(s.Points, -cap, cap);
        }

        s.AddEvidence(id);
    }

    /// <summary>Engagement and intent at <paramref name="now"/>, as <see cref="ScoreEngine.EngagementOf"/> gives them (same order of additions).</summary>
    public (double Engagement, double Intent) EngagementOf(long now)
    {
        double engagement = 0, intent = 0;
        for (var i = 0; i < _engagement.Length; i++)
        {
            var s = _slots[i];
            if (!s.Present)
            {
                continue;
            }

            var rule = _engagement[i];
            var points = rule.Count is { } count
                ? s.WindowCount >= count && now - s.Window![0] < rule.WindowTicks ? rule.Points : 0
                : s.Points * _rules.Decay(now - s.AsOf);
            engagement += points;
            if (rule.Intent)
            {
                intent += points;
            }
        }

        return (engagement, intent);
    }

    /// <summary>The state's text (<see cref="ScoreState.ToText"/>'s form, as ASCII) appended to <paramref name="into"/>; returns its length.</summary>
    public int WriteText(StateArena into)
    {
        var size = 11;
        for (var i = 0; i < _used; i++)
        {
            var s = _slots[_order[i]];
            size += 5 + _ids[_order[i]].Length + 16 + 5 + 5 + (8 * s.WindowCount) + 5 + (16 * s.EvidenceCount);
        }

        if (_binary.Length < size)
        {
            _binary = new byte[Math.Max(size, _binary.Length * 2)];
        }

        var buffer = _binary.AsSpan();
        var at = 0;
        buffer[at++] = 1;
        Varint(buffer, ref at, (uint)_rules.Version);
        Varint(buffer, ref at, (uint)_used);
        for (var i = 0; i < _used; i++)
        {
            var id = _ids[_order[i]];
            var s = _slots[_order[i]];
            Varint(buffer, ref at, (uint)id.Length);
            id.CopyTo(buffer[at..]);
            at += id.Length;
            BinaryPrimitives.WriteDoubleLittleEndian(buffer[at..], s.Points);
            BinaryPrimitives.WriteInt64LittleEndian(buffer[(at + 8)..], s.AsOf);
            at += 16;
            Varint(buffer, ref at, (uint)s.Matches);
            Varint(buffer, ref at, s.Window is null ? 0 : (uint)s.WindowCount + 1);
            for (var w = 0; w < s.WindowCount; w++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(buffer[at..], s.Window![w]);
                at += 8;
            }

            Varint(buffer, ref at, (uint)s.EvidenceCount);
            for (var e = 0; e < s.EvidenceCount; e++)
            {
                s.Evidence[e].TryWriteBytes(buffer[at..]);
                at += 16;
            }
        }

        var text = into.GetSpan(Base64.GetMaxEncodedToUtf8Length(at));
        Base64.EncodeToUtf8(buffer[..at], text, out _, out var written);
        into.Advance(written);
        return written;
    }

    private static void Varint(Span<byte> buffer, ref int at, uint value)
    {
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[at++] = (byte)value;
    }

    /// <summary>One rule's running state, as <see cref="RuleState"/> with arrays instead of lists (windowed rules keep window and evidence the same length).</summary>
    private sealed class Slot(int? count)
    {
        public bool Present;
        public double Points;
        public long AsOf;
        public int Matches;
        public readonly long[]? Window = count is { } c ? new long[c + 1] : null;
        public int WindowCount;
        public readonly Guid[] Evidence = new Guid[(count ?? ScoreEngine.MaxEvidence) + 1];
        public int EvidenceCount;

        public void Reset(long at)
        {
            Present = true;
            Points = 0;
            AsOf = at;
            Matches = 0;
            WindowCount = 0;
            EvidenceCount = 0;
        }

        public void AddEvidence(Guid id)
        {
            Evidence[EvidenceCount++] = id;
            if (EvidenceCount > ScoreEngine.MaxEvidence)
            {
                Array.Copy(Evidence, 1, Evidence, 0, --EvidenceCount);
            }
        }

        /// <summary>As <c>ScoreEngine.AddToWindow</c>: the latest <paramref name="count"/> match times in order, their ids beside them.</summary>
        public void AddToWindow(int count, long at, Guid id)
        {
            var window = Window!;
            var index = WindowCount;
            while (index > 0 && window[index - 1] > at)
            {
                index--;
            }

            if (index == 0 && WindowCount >= count)
            {
                return;
            }

            Array.Copy(window, index, window, index + 1, WindowCount - index);
            window[index] = at;
            WindowCount++;
            var e = Math.Min(index, EvidenceCount);
            Array.Copy(Evidence, e, Evidence, e + 1, EvidenceCount - e);
            Evidence[e] = id;
            EvidenceCount++;
            if (WindowCount > count)
            {
                Array.Copy(window, 1, window, 0, --WindowCount);
                Array.Copy(Evidence, 1, Evidence, 0, --EvidenceCount);
            }
        }
    }
}

/// <summary>A growing byte buffer the scored states of one chunk and one thread are written to, and cleared for reuse two chunks later.</summary>
internal sealed class StateArena
{
    private byte[] _buffer;

    public StateArena(int capacity) => _buffer = new byte[Math.Max(256, capacity)];

    public int Written { get; private set; }

    public byte[] Buffer => _buffer;

    public Span<byte> GetSpan(int size)
    {
        if (Written + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(Written + size, _buffer.Length * 2));
        }

        return _buffer.AsSpan(Written);
    }

    public void Advance(int count) => Written += count;

    public void Clear() => Written = 0;
}
