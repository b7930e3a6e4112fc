using System.Runtime.InteropServices;
using Handoff.Data;

namespace Handoff.Core.Tests.Data;

/// <summary>
/// The cap on glibc's malloc arenas reaches glibc wherever glibc is there (a wrong library or symbol name would fail
/// silently). That glibc then holds to it is its own business: this checks only that it took the setting.
/// </summary>
public sealed class MallocArenasTests
{
    [Fact]
    public void Limit_ReachesGlibc_WhereThereIsOne()
    {
        var glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "mallopt", out _);
        var chosenByOperator = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null
            || Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.arena_max", StringComparison.Ordinal) == true;

        Assert.Equal(glibc && !chosenByOperator, MallocArenas.Limit());
    }
}
