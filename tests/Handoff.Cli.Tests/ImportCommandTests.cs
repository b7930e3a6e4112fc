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
    }
}
