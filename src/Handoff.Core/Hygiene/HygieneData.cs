namespace Handoff.Hygiene;

/// <summary>
/// Opens a hygiene data file: the override folder's copy when it has one, else the copy embedded in this assembly
/// (so the web host, the CLI and the tests all carry the same lists without copying files around).
/// </summary>
internal static class HygieneData
{
    private const string ResourcePrefix = "Handoff.Hygiene.Data/";

    /// <summary>Opens <paramref name="relativePath"/> and says where it came from.</summary>
    public static Stream Open(string relativePath, string? overrideDirectory, out string source)
    {
        if (!string.IsNullOrWhiteSpace(overrideDirectory))
        {
            var path = Path.GetFullPath(Path.Combine(overrideDirectory, relativePath));
            if (File.Exists(path))
            {
                source = path;
                return File.OpenRead(path);
            }
        }

        source = "embedded:" + relativePath;
        var assembly = typeof(HygieneData).Assembly;

        // Resource names carry the folder separator of the machine that built the assembly.
        return assembly.GetManifestResourceStream(ResourcePrefix + relativePath)
            ?? assembly.GetManifestResourceStream(ResourcePrefix + relativePath.Replace('/', '\\'))
            ?? throw new InvalidOperationException($"The hygiene data file {relativePath} is not embedded in {typeof(HygieneData).Assembly.GetName().Name}.");
    }

    /// <summary>Fails fast on a configured override folder that is missing: a typo must not silently mean "shipped lists".</summary>
    public static void CheckOverrideDirectory(string? overrideDirectory)
    {
        if (!string.IsNullOrWhiteSpace(overrideDirectory) && !Directory.Exists(overrideDirectory))
        {
            throw new DirectoryNotFoundException($"Handoff:Hygiene:ListsDirectory points to {Path.GetFullPath(overrideDirectory)}, which does not exist.");
        }
    }

    public static byte[] ReadAll(Stream stream)
    {
        if (stream is MemoryStream memory)
        {
            return memory.ToArray();
        }

        using var copy = stream.CanSeek ? new MemoryStream((int)stream.Length) : new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
