using Microsoft.Data.Sqlite;

namespace Handoff.Cli.Tests;

/// <summary>What one run of <c>handoff</c> returned and printed.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// A fresh SQLite file in its own temporary directory, and a way to run the CLI in process against it. The
/// database options are always passed on the command line, so settings in the environment cannot leak in.
/// </summary>
public sealed class CliWorkspace : IDisposable
{
    public CliWorkspace()
    {
        Directory = Path.Combine(Path.GetTempPath(), "handoff-cli-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        DatabaseFile = Path.Combine(Directory, "handoff.db");
    }

    public string Directory { get; }

    public string DatabaseFile { get; }

    public async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] database = ["--provider", "sqlite", "--connection", $"Data Source={DatabaseFile}"];
        var exitCode = await HandoffCli.RunAsync([.. database, .. args], output, error);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        // Pooled connections keep the file open; let them go before the directory is removed.
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
