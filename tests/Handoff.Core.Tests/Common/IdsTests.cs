using Handoff.Common;

namespace Handoff.Core.Tests.Common;

/// <summary>Ids are version 7 GUIDs laid out as Guid.CreateVersion7 lays them out (time first, so they sort by time as text and in the databases).</summary>
public sealed class IdsTests
{
    [Fact]
    public void NewId_HasTheTimeVersionAndVariantOfGuidCreateVersion7()
    {
        var at = new DateTimeOffset(2026, 12, 5, 7, 15, 42, 123, TimeSpan.Zero);
        var id = Ids.NewId(at.ToUnixTimeMilliseconds());
        var reference = Guid.CreateVersion7(at);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2); // Variant is the top four bits of byte 8; RFC 9562 fixes the top two
        Assert.Equal(reference.Variant >> 2, id.Variant >> 2);
        Assert.Equal(reference.ToString()[..13], id.ToString()[..13]); // the 48-bit time: "01a2451f-76e3"
        Assert.NotEqual(reference.ToString()[14..], id.ToString()[14..]);
    }

    [Fact]
    public void NewId_IsUnique_AcrossManyIdsAndThreads_AndSortsByTime()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                ids.Add(Ids.NewId()); // more than one 4 KB pool per thread: refills included
            }
        });

        Assert.Equal(400_000, ids.Distinct().Count());
        var earlier = Ids.NewId(1_000_000_000_000).ToString();
        var later = Ids.NewId(1_000_000_000_001).ToString();
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }
}
