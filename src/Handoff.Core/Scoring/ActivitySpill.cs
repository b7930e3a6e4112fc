using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Handoff.Scoring;

/// <summary>
/// The matching activities of one pass over the activity table, filed by chunk of stale leads in a temporary file,
/// so that a rescore reads the table once yet holds only one chunk's activities in memory. Each reading thread
/// writes its own file through a <see cref="Writer"/>: per chunk a buffer that goes to the file as a block when full.
/// A record is the lead's place in its chunk, the activity id, its ticks and its match set (and, when a rule tests
/// properties, their JSON): 32 bytes plus the properties.
/// </summary>
internal sealed class ActivitySpill : IDisposable
{
    private readonly StaleLeadKeys _keys;
    private readonly int _chunkSize;
    private readonly int _blockSize;
    private readonly bool _properties;
    private readonly string _directory;
    private readonly List<Writer> _writers = [];

    public ActivitySpill(StaleLeadKeys keys, int chunkSize, int writers, bool properties, string directory)
    {
        _keys = keys;
        _chunkSize = chunkSize;
        _properties = properties;
        _directory = directory;
        Chunks = (keys.Count + chunkSize - 1) / chunkSize;

        // Per writer and chunk one buffer: about 64 MiB in all at most, blocks of 4–64 KiB.
        _blockSize = (int)Math.Clamp(64L * 1024 * 1024 / Math.Max(1L, (long)Chunks * writers), 4096, 65536);
    }

    public int Chunks { get; }

    /// <summary>Bytes written to the files so far.</summary>
    public long Bytes => _writers.Sum(w => w.Bytes);

    /// <summary>A writer for one reading thread (not thread-safe itself).</summary>
    public Writer NewWriter()
    {
        var path = Path.Combine(_directory, $"handoff-rescore-{Guid.NewGuid():N}.tmp");
        var writer = new Writer(this, File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose));
        lock (_writers)
        {
            _writers.Add(writer);
        }

        return writer;
    }

    /// <summary>Reads chunk <paramref name="chunk"/>'s activities; <paramref name="indexOf"/> maps a lead's place in the chunk to its index in the chunk's leads (-1: skip).</summary>
    public void Read(int chunk, int[] indexOf, ActivityColumns into)
    {
        var buffer = new byte[_blockSize + 64];
        foreach (var writer in _writers)
        {
            foreach (var (offset, length) in writer.BlocksOf(chunk))
            {
                if (buffer.Length < length)
                {
                    buffer = new byte[length];
                }

                var span = buffer.AsSpan(0, length);
                var read = 0;
                while (read < length)
                {
                    var n = RandomAccess.Read(writer.Handle, span[read..], offset + read);
                    if (n == 0)
                    {
                        throw new IOException("The rescore's spill file ended early.");
                    }

                    read += n;
                }

                while (!span.IsEmpty)
                {
                    var local = BinaryPrimitives.ReadInt32LittleEndian(span);
                    var id = new Guid(span.Slice(4, 16));
                    var ticks = BinaryPrimitives.ReadInt64LittleEndian(span[20..]);
                    var set = BinaryPrimitives.ReadInt32LittleEndian(span[28..]);
                    span = span[32..];
                    ReadOnlySpan<byte> properties = default;
                    if (_properties)
                    {
                        var size = BinaryPrimitives.ReadInt32LittleEndian(span);
                        properties = span.Slice(4, size);
                        span = span[(4 + size)..];
                    }

                    if (indexOf[local] is var lead and >= 0)
                    {
                        into.Add(lead, id, ticks, set, properties);
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var writer in _writers)
        {
            writer.Handle.Dispose();
        }
    }

    /// <summary>One reading thread's file; a sink keyed by the lead's place among all stale leads.</summary>
    internal sealed class Writer(ActivitySpill spill, SafeFileHandle handle) : IActivitySink
    {
        private readonly byte[]?[] _buffers = new byte[]?[spill.Chunks];
        private readonly int[] _used = new int[spill.Chunks];
        private readonly List<(long Offset, int Length)>[] _blocks = [.. Enumerable.Range(0, spill.Chunks).Select(_ => new List<(long, int)>())];

        public SafeFileHandle Handle => handle;
        public long Bytes { get; private set; }

        public bool TryKey(Guid lead, out int key) => spill._keys.Positions.TryGetValue(lead, out key);

        public void Add(int key, Guid id, long ticks, int set, ReadOnlySpan<byte> properties)
        {
            var chunk = key / spill._chunkSize;
            var size = 32 + (spill._properties ? 4 + properties.Length : 0);
            var buffer = _buffers[chunk] ??= new byte[Math.Max(256, size)];
            var used = _used[chunk];
            if (used + size > buffer.Length)
            {
                // A buffer grows up to a block; a full block goes to the file.
                if (buffer.Length >= spill._blockSize)
                {
                    Flush(chunk);
                    used = 0;
                }

                if (used + size > buffer.Length)
                {
                    Array.Resize(ref buffer, Math.Max(used + size, Math.Min(spill._blockSize, buffer.Length * 2)));
                    _buffers[chunk] = buffer;
                }
            }

            var span = buffer.AsSpan(used);
            BinaryPrimitives.WriteInt32LittleEndian(span, key - (chunk * spill._chunkSize));
            id.TryWriteBytes(span.Slice(4, 16));
            BinaryPrimitives.WriteInt64LittleEndian(span[20..], ticks);
            BinaryPrimitives.WriteInt32LittleEndian(span[28..], set);
            if (spill._properties)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[32..], properties.Length);
                properties.CopyTo(span[36..]);
            }

            _used[chunk] = used + size;
        }

        /// <summary>Writes what the buffers still hold (after the pass) and lets them go.</summary>
        public void Complete()
        {
            for (var chunk = 0; chunk < _buffers.Length; chunk++)
            {
                Flush(chunk);
                _buffers[chunk] = null;
            }
        }

        public List<(long Offset, int Length)> BlocksOf(int chunk) => _blocks[chunk];

        private void Flush(int chunk)
        {
            var used = _used[chunk];
            if (used == 0)
            {
                return;
            }

            RandomAccess.Write(handle, _buffers[chunk].AsSpan(0, used), Bytes);
            _blocks[chunk].Add((Bytes, used));
            Bytes += used;
            _used[chunk] = 0;
        }
    }
}
