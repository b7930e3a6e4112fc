using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Handoff.Cli.Tests;

public sealed class ImportCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private Task<CliRun> RunAsync(params string[] args) => _workspace.RunAsync(["--data-dir", _workspace.Directory, .. args]);

    [Fact]
    public async Task ImportSample_ThenImport_PrintsTheCounts_AndImportingAgainChangesNothing()
    {
        var file = Path.Combine(_workspace.Directory, "sample.csv");
        var sample = await RunAsync("import-sample", "--rows", "400", "--out", file);
        Assert.True(sample.ExitCode == 0, sample.Error);
        Assert.StartsWith("First Name,Last Name,Email,Company", File.ReadLines(file).First(), StringComparison.Ordinal);
        Assert.True((await RunAsync("migrate")).ExitCode == 0);

        var import = await RunAsync("import", file);
        var again = await RunAsync("import", file);

        Assert.True(import.ExitCode == 0, import.Error + import.Out);
        Assert.Contains("│ 400 ", import.Out, StringComparison.Ordinal);
        Assert.Contains("Completed", import.Out, StringComparison.Ordinal);
        var report = import.OutLines.Single(l => l.StartsWith("Row errors", StringComparison.Ordinal)).Split(": ")[1];
        Assert.StartsWith("\"row\",\"column\",\"reason\",\"value\"", await File.ReadAllTextAsync(report), StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("imported already", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WithABadMappingOrAMissingFile_FailsWithTheReason()
    {
        var file = Path.Combine(_workspace.Directory, "leads.csv");
        await File.WriteAllTextAsync(file, "Mail,Name\nada@acme-corp.io,Ada\n");
        var mapping = Path.Combine(_workspace.Directory, "mapping.json");
        await File.WriteAllTextAsync(mapping, """{"Mail":"electronicMail"}""");
        await RunAsync("migrate");

        var bad = await RunAsync("import", file, "--mapping", mapping);
        var missing = await RunAsync("import", Path.Combine(_workspace.Directory, "nope.csv"));

        Assert.Equal(ExitCodes.Failure, bad.ExitCode);
        Assert.Contains("--mapping Mail", bad.Error, StringComparison.Ordinal);
        Assert.Contains("'electronicMail' is not a target", bad.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, missing.ExitCode);
        Assert.Contains("There is no file", missing.Error, StringComparison.Ordinal);

        // A mapping that is not an object at all is the option's own error, said once with one space.
        await File.WriteAllTextAsync(mapping, "[\"Mail\"]");
        var notAnObject = await RunAsync("import", file, "--mapping", mapping);
        Assert.Equal(ExitCodes.Failure, notAnObject.ExitCode);
        Assert.Contains("--mapping must be a JSON object", notAnObject.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_PutsTheJobBackToPendingAtOnce_SaysHowToResume_AndTheNextRunResumes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the signal is sent with kill(1)
        }

        var file = Path.Combine(_workspace.Directory, "sample.csv");
        Assert.Equal(0, (await RunAsync("import-sample", "--rows", "20000", "--out", file)).ExitCode);
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);

        // A real process, stopped as a terminal stops it: SIGINT, while it imports. It starts through env(1) with SIGINT's
        // default handling: a test run started in the background by a script inherits SIGINT ignored (POSIX), and .NET
        // then keeps ignoring it, as a CLI started that way should.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _workspace.Directory,
        };
        foreach (var arg in (string[])["--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "handoff.dll"), "--provider", "sqlite", "--connection", $"Data Source={_workspace.DatabaseFile}", "--data-dir", _workspace.Directory, "import", file])
        {
            start.ArgumentList.Add(arg);
        }

        using var cli = Process.Start(start)!;
        var output = cli.StandardOutput.ReadToEndAsync();
        var error = cli.StandardError.ReadToEndAsync();
        var running = await WaitForAsync(async () => await JobAsync() is ("Running", _));
        using (var kill = Process.Start("kill", ["-INT", cli.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await cli.WaitForExitAsync(timeout.Token);
        var stderr = await error;
        var job = await JobAsync();
        var again = await RunAsync("import", file);

        Assert.True(running, "the import never started: " + stderr + await output);
        Assert.True(cli.ExitCode == ExitCodes.Cancelled, $"exit {cli.ExitCode}: {stderr}");
        Assert.Equal(("Pending", null), job); // at once, not after the 30 s lease
        Assert.Contains("The import stopped", stderr, StringComparison.Ordinal);
        Assert.Contains("Run the same command again to resume", stderr, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.Error + again.Out);
        Assert.DoesNotContain("held by", again.Error, StringComparison.Ordinal);
        Assert.Contains("│ 20,000 ", again.Out, StringComparison.Ordinal);
        Assert.Contains("Completed", again.Out, StringComparison.Ordinal);
    }

    /// <summary>The status and runner of the one import job, read beside the CLI process.</summary>
    private async Task<(string Status, string? Runner)?> JobAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_workspace.DatabaseFile};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, runner_id FROM import_jobs";
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(20))
        {
            if (await condition())
            {
                return true;
            }
        }

        return false;
    }
}
