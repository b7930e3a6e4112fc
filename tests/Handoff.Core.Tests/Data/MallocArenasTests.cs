using Handoff.Data;

namespace Handoff.Core.Tests.Data;

/// <summary>The cap on glibc's malloc arenas really reaches glibc here (Debian): a wrong library name would fail silently.</summary>
public sealed class MallocArenasTests
{
    [Fact]
    public void Limit_SetsTheCap_OnLinuxWithGlibc()
    {
        var glibc = OperatingSystem.IsLinux() && (File.Exists("/lib/x86_64-linux-gnu/libc.so.6") || File.Exists("/lib/aarch64-linux-gnu/libc.so.6"));
        var chosenByOperator = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null;

        Assert.Equal(glibc && !chosenByOperator, MallocArenas.Limit());
    }
}
