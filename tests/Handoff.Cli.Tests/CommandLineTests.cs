using System.Text.Json;

namespace Handoff.Cli.Tests;

public sealed class CommandLineTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Migrate_Seed_CreateKey_ThenListByStage_GivesOnlyLeadsInThatStage()
    {
        var migrate = await _workspace.RunAsync("migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Error);
        Assert.Contains("applied", migrate.Out, StringComparison.Ordinal);

        var seed = await _workspace.RunAsync("seed", "--demo", "--leads", "50", "--seed", "7");
        Assert.True(seed.ExitCode == 0, seed.Error);
        Assert.Contains("Seeded the demo workspace", seed.Out, StringComparison.Ordinal);

        var key = await _workspace.RunAsync("apikey", "create", "--name", "reporting", "--scope", "read");
        Assert.True(key.ExitCode == 0, key.Error);
        Assert.StartsWith("hk_", Assert.Single(key.OutLines), StringComparison.Ordinal);
        Assert.Contains("will not be shown again", key.Error, StringComparison.Ordinal);

        var list = await _workspace.RunAsync("leads", "list", "--stage", "MQL", "--json", "--limit", "500");
        Assert.True(list.ExitCode == 0, list.Error);
        var stages = list.OutLines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("stage").GetString()).ToList();
        Assert.NotEmpty(stages);
        Assert.All(stages, stage => Assert.Equal("MQL", stage));
    }

    [Fact]
    public async Task LeadsList_TakesStagesCommaSeparatedInAnyCase()
    {
        await MigrateAndSeedAsync();

        var list = await _workspace.RunAsync("leads", "list", "--stage", "mql,Sal", "--json", "--limit", "500");

        Assert.True(list.ExitCode == 0, list.Error);
        var stages = list.OutLines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("stage").GetString()).ToHashSet();
        Assert.Subset(new HashSet<string?> { "MQL", "SAL" }, stages);
        Assert.NotEmpty(stages);
    }

    [Fact]
    public async Task LeadsList_PagesWithTheCursorItPrints_WithoutRepeatingLeads()
    {
        await MigrateAndSeedAsync();

        var first = await _workspace.RunAsync("leads", "list", "--limit", "20", "--json");
        Assert.True(first.ExitCode == 0, first.Error);
        var cursor = first.Error.Split("--cursor ")[1].Trim();
        var second = await _workspace.RunAsync("leads", "list", "--limit", "20", "--json", "--cursor", cursor);

        Assert.True(second.ExitCode == 0, second.Error);
        var firstIds = first.OutLines.Select(IdOf).ToList();
        var secondIds = second.OutLines.Select(IdOf).ToList();
        Assert.Equal(20, firstIds.Count);
        Assert.Equal(20, secondIds.Count);
        Assert.Empty(firstIds.Intersect(secondIds));
    }

    [Fact]
    public async Task LeadsList_AsTable_ShowsOwnersByName()
    {
        await MigrateAndSeedAsync();

        var list = await _workspace.RunAsync("leads", "list", "--limit", "20");

        Assert.True(list.ExitCode == 0, list.Error);
        Assert.Contains("Email", list.Out, StringComparison.Ordinal);
        Assert.Contains("(queue)", list.Out, StringComparison.Ordinal);
        Assert.Contains("20 lead(s).", list.Out, StringComparison.Ordinal);
        Assert.Contains("--cursor", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeyCreate_WithUnknownScope_FailsAndNamesTheValidScopes()
    {
        await _workspace.RunAsync("migrate");

        var run = await _workspace.RunAsync("apikey", "create", "--name", "ci", "--scope", "read", "--scope", "superuser");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'superuser' is not a valid scope", run.Error, StringComparison.Ordinal);
        Assert.Contains("Capture, Read, Write, Admin", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task ApiKeyRevoke_MarksTheKeyRevokedInTheList()
    {
        await _workspace.RunAsync("migrate");
        await _workspace.RunAsync("apikey", "create", "--name", "to-revoke", "--scope", "admin,write");
        var id = (await _workspace.RunAsync("apikey", "list")).OutLines.Single(l => l.Contains("to-revoke", StringComparison.Ordinal))
            .Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[0];

        var revoke = await _workspace.RunAsync("apikey", "revoke", id);
        var list = await _workspace.RunAsync("apikey", "list");

        Assert.True(revoke.ExitCode == 0, revoke.Error);
        var row = list.OutLines.Single(l => l.Contains("to-revoke", StringComparison.Ordinal));
        Assert.Contains("write, admin", row, StringComparison.Ordinal);
        Assert.DoesNotContain("│ -", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeyRevoke_OfUnknownKey_FailsWithNotFound()
    {
        await _workspace.RunAsync("migrate");

        var run = await _workspace.RunAsync("apikey", "revoke", Guid.NewGuid().ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("No API key with id", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeadsList_OnUnmigratedDatabase_AsksToMigrateFirst_AndCreatesNoFile()
    {
        var run = await _workspace.RunAsync("leads", "list");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Run 'handoff migrate' first", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_workspace.DatabaseFile));
    }

    [Fact]
    public async Task ApiKeyList_OnEmptyDatabaseFile_AsksToMigrateFirst()
    {
        await File.WriteAllBytesAsync(_workspace.DatabaseFile, []);

        var run = await _workspace.RunAsync("apikey", "list");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("has no Handoff tables yet", run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'handoff migrate' first", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_OnDatabaseWithLeads_ChangesNothing()
    {
        await MigrateAndSeedAsync();

        var again = await _workspace.RunAsync("seed", "--demo", "--leads", "80");
        var all = await _workspace.RunAsync("leads", "list", "--json", "--limit", "500");

        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already has 50 lead(s)", again.Error, StringComparison.Ordinal);
        Assert.Equal(50, all.OutLines.Length);
    }

    [Theory]
    [InlineData("leads", "list", "--limit", "many")]
    [InlineData("leads", "list", "--owner", "someone")]
    [InlineData("leads", "list", "--stage", "Hot")]
    [InlineData("--provider", "oracle", "migrate")]
    [InlineData("seed")]
    [InlineData("frobnicate")]
    public async Task BadCommandLine_ExitsWithUsageError_AndNoStackTrace(params string[] args)
    {
        var run = await _workspace.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("Error: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeadsList_WithCursorNotFromTheList_FailsWithTheOptionNamed()
    {
        await _workspace.RunAsync("migrate");

        var run = await _workspace.RunAsync("leads", "list", "--cursor", "not*a*cursor");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--cursor is not a cursor returned by this list", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachablePostgres_FailsWithOneLine_NotAStackTrace()
    {
        // Port 1 on the loopback refuses at once: no PostgreSQL server is needed to test the failure path.
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await HandoffCli.RunAsync(
            ["--provider", "postgres", "--connection", "Host=127.0.0.1;Port=1;Database=handoff;Username=u;Password=p", "apikey", "list"],
            output,
            error);

        Assert.Equal(1, exitCode);
        Assert.Contains("Could not use the PostgreSQL database 'handoff' on 127.0.0.1:1", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    private async Task MigrateAndSeedAsync()
    {
        var seed = await _workspace.RunAsync("seed", "--demo", "--leads", "50");
        Assert.True(seed.ExitCode == 0, seed.Error);
    }

    private static string IdOf(string jsonLine) => JsonDocument.Parse(jsonLine).RootElement.GetProperty("id").GetString()!;
}
