using System.Text;
using Handoff.Scoring;

namespace Handoff.Core.Tests.Scoring;

/// <summary>The pieces of the chunked rescore that hold its memory down: the id → place table and the spill file.</summary>
public class RescoreChunkTests
{
    [Theory]
    [InlineData(20_000, 500, 1_000, 1)]
    [InlineData(20_000, 5_000, 1_000, 5)]
    [InlineData(20_000, 15_000, 1_500, 10)]
    [InlineData(20_000, 150_001, 15_001, 10)]
    [InlineData(20_000, 1_000_000, 20_000, 50)]
    [InlineData(7, 50, 7, 8)]
    public void ChunkSize_SplitsASmallWorkspaceIntoAboutTenSteps_OfAtLeastAThousand_AndLeavesLargeOnesAtTheBatchSize(int batchSize, int stale, int chunk, int steps)
    {
        var size = RescoreLeads.ChunkSize(batchSize, stale);

        Assert.Equal(chunk, size);
        Assert.Equal(steps, (stale + size - 1) / size);
    }

    [Fact]
    public void LeadPlaces_FindsEveryLeadAtItsPlace_AndNoOther()
    {
        var random = new Random(7);
        var ids = Enumerable.Range(0, 50_000).Select(_ => Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddSeconds(random.Next()))).ToArray();
        ids[10] = Guid.Empty; // a lead gone between the two index reads: not in the table
        var places = new LeadPlaces(ids);

        for (var i = 0; i < ids.Length; i++)
        {
            if (i == 10)
            {
                Assert.False(places.TryGetValue(Guid.Empty, out _));
                continue;
            }

            Assert.True(places.TryGetValue(ids[i], out var place));
            Assert.Equal(i, place);
        }

        for (var i = 0; i < 10_000; i++)
        {
            Assert.False(places.TryGetValue(Guid.NewGuid(), out var place));
            Assert.Equal(-1, place);
        }
    }

    [Fact]
    public void Spill_GivesBackEachChunksActivities_ThroughFullBlocks_WithTheirProperties()
    {
        var ids = Enumerable.Range(0, 30).Select(_ => Guid.NewGuid()).ToArray();
        var keys = new StaleLeadKeys(ids, []);
        using var spill = new ActivitySpill(keys, chunkSize: 7, writers: 2, properties: true, Path.GetTempPath());
        Assert.Equal(5, spill.Chunks);

        // Two readers, 6,000 activities each: more than a 64 KiB block per chunk, so blocks go to the file mid-pass.
        var written = new List<(int Place, Guid Id, long Ticks, int Set, string Properties)>();
        var writers = new[] { spill.NewWriter(), spill.NewWriter() };
        for (var i = 0; i < 12_000; i++)
        {
            var place = (i * 7919) % ids.Length;
            var properties = i % 3 == 0 ? "" : $$"""{"form":"demo-{{i}}"}""";
            Assert.True(writers[i % 2].TryKey(ids[place], out var key));
            Assert.Equal(place, key);
            var activity = (place, Guid.NewGuid(), 638_000_000_000_000_000L + i, i % 4, properties);
            writers[i % 2].Add(key, activity.Item2, activity.Item3, activity.Item4, Encoding.UTF8.GetBytes(properties));
            written.Add(activity);
        }

        foreach (var writer in writers)
        {
            writer.Complete();
        }

        Assert.True(spill.Bytes > 5 * 65_536, "the blocks went to the file");
        for (var chunk = 0; chunk < spill.Chunks; chunk++)
        {
            // The chunk's third lead is skipped (not stale any more); the others map to their index in the chunk.
            var size = Math.Min(7, ids.Length - (chunk * 7));
            var indexOf = Enumerable.Range(0, size).Select(i => i == 2 ? -1 : i).ToArray();
            var columns = new ActivityColumns(properties: true, 16);
            spill.Read(chunk, indexOf, columns);

            var expected = written.Where(a => a.Place / 7 == chunk && a.Place % 7 != 2).OrderBy(a => a.Id).ToList();
            var (lead, id, ticks, match) = columns.Arrays;
            var actual = Enumerable.Range(0, columns.Count)
                .Select(i => (Place: (chunk * 7) + lead[i], Id: id[i], Ticks: ticks[i], Set: match[i], Form: columns.PropertiesAt(i)?["form"]))
                .OrderBy(a => a.Id).ToList();
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal((expected[i].Place, expected[i].Id, expected[i].Ticks, expected[i].Set), (actual[i].Place, actual[i].Id, actual[i].Ticks, actual[i].Set));
                Assert.Equal(expected[i].Properties == "" ? null : "demo-" + (expected[i].Ticks - 638_000_000_000_000_000L), actual[i].Form);
            }
        }
    }
}
