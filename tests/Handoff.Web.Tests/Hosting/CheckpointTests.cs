using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Tests.Infrastructure;

namespace Handoff.Web.Tests.Hosting;

/// <summary>SQLite's write-ahead log under a steady stream of captures: the background checkpoints start it over, so it stays bounded.</summary>
public sealed class CheckpointTests(CheckpointTests.SmallLogApp app) : IClassFixture<CheckpointTests.SmallLogApp>
{
    public sealed class SmallLogApp : SqliteApp
    {
        public SmallLogApp() => Settings["Handoff:Database:WalRestartMiB"] = "1";
    }

    [Fact]
    public async Task UnderConcurrentCaptures_TheLogStartsOverAgainAndAgain_AndItsFileStaysSmall()
    {
        var client = app.Admin();
        var wal = app.DatabaseFile + "-wal";
        await CaptureAsync(client, "warmup", 0);
        var before = CheckpointSequence(wal);

        // Eight clients at once until the log has started over six times (at most 20 s): tens of MiB of log, many times
        // the 1 MiB at which it starts over. The worker looks four times a second, so that takes a few seconds; without
        // the mark the log started over only at quiet moments (once or twice in 5 s) and its file grew to 136 MB.
        var until = DateTime.UtcNow.AddSeconds(20);
        var written = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async c =>
        {
            for (var i = 0; DateTime.UtcNow < until && CheckpointSequence(wal) - before < 6; i++)
            {
                await CaptureAsync(client, $"c{c}", i);
                Interlocked.Increment(ref written);
            }
        }));

        var restarts = CheckpointSequence(wal) - before;
        Assert.True(restarts >= 6, $"the log started over {restarts} times in {written} captures");
        Assert.True(new FileInfo(wal).Length < 64L * 1024 * 1024, $"the log file is {new FileInfo(wal).Length} bytes after {written} captures");
    }

    private static async Task CaptureAsync(HttpClient client, string who, int i)
    {
        var response = await client.PostAsJsonAsync("/api/leads", new { email = $"reader.{who}.{i}.{Guid.NewGuid():N}@halvorsen-trykk.no", firstName = "Sigrid", lastName = "Halvorsen", company = "Halvorsen Trykk" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>The log header's checkpoint sequence number (bytes 12-15, big-endian): SQLite adds one each time the log starts over.</summary>
    private static uint CheckpointSequence(string wal)
    {
        using var file = new FileStream(wal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[32];
        file.ReadExactly(header);
        return BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
    }
}
