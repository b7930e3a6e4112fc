using System.CommandLine;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Handoff.Cli.Commands;

/// <summary><c>handoff migrate</c>: brings the database schema up to date and creates the workspace defaults.</summary>
internal static class MigrateCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command(
            "migrate",
            "Create or upgrade the database schema and the workspace defaults (fallback queue, reason codes, bootstrap key). Safe to run again.");
        command.SetAction((parse, ct) => host.RunAsync(parse, requireMigrated: false, RunAsync, ct));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        var output = context.Terminal.Out;
        output.MarkupLineInterpolated($"Database: [bold]{context.DatabaseName}[/] (provider {context.Options.Database.Provider})");

        var pending = (await context.Db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await Workspace.PrepareAsync(context.Db, context.Clock, context.Options.BootstrapApiKey, ct);

        if (pending.Count == 0)
        {
            output.MarkupLine("Schema: up to date, no migration to apply.");
        }
        else
        {
            output.MarkupLineInterpolated($"Schema: applied {pending.Count} migration(s):");
            foreach (var migration in pending)
            {
                output.MarkupLineInterpolated($"  [green]+[/] {migration}");
            }
        }

        output.MarkupLineInterpolated($"Defaults: fallback queue '{Workspace.FallbackQueueName}' and reason codes in place.");
        if (!string.IsNullOrWhiteSpace(context.Options.BootstrapApiKey))
        {
            output.MarkupLine("Bootstrap key: Handoff:BootstrapApiKey is registered as an admin key unless an admin key exists already.");
        }

        output.MarkupLine("[green]Done.[/]");
        return ExitCodes.Success;
    }
}
