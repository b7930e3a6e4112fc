using System.Runtime.InteropServices;

namespace Handoff.Data;

/// <summary>
/// glibc gives a thread that allocates while the others hold their arenas an arena of its own, up to eight per core,
/// and memory freed into an arena mostly stays with the process. SQLite allocates its page cache with <c>malloc</c> on
/// whichever pool thread runs a statement, so a long import spread its 128 MiB of cache over many arenas: a 1M-row
/// import over HTTP peaked at 1.14–1.29 GiB resident of which at most ~430 MB was the managed heap; with two arenas and
/// <see cref="Trim"/> after each of its commits, 0.82–0.94 GiB (docs/performance.md).
/// </summary>
public static class MallocArenas
{
    /// <summary>glibc's <c>M_ARENA_MAX</c> (malloc.h).</summary>
    private const int ArenaMax = -8;

    /// <summary>
    /// Caps glibc's malloc arenas at <paramref name="count"/>. Call first thing in a process; arenas made before stay.
    /// Does nothing off Linux, off glibc, or when <c>MALLOC_ARENA_MAX</c> or the <c>glibc.malloc.arena_max</c> tunable is set
    /// (the operator's choice wins); true when glibc took the setting.
    /// </summary>
    public static bool Limit(int count = 2)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null
            || Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.arena_max", StringComparison.Ordinal) == true)
        {
            return false;
        }

        return Glibc(() => MallOpt(ArenaMax, count));
    }

    /// <summary>Gives the free memory of every arena back to the system (glibc); false when it gave none or cannot.</summary>
    public static bool Trim() => OperatingSystem.IsLinux() && Glibc(() => MallocTrim(0));

    /// <summary>Calls into glibc; true when the call returned 1, false when it did not or there is no glibc (musl).</summary>
    private static bool Glibc(Func<int> call)
    {
        try
        {
            return call() == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "malloc_trim", ExactSpelling = true)]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc.so.6", EntryPoint = "mallopt", ExactSpelling = true)]
    private static extern int MallOpt(int parameter, int value);
}
