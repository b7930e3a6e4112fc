using System.CommandLine;
using Handoff.Demo;
using Handoff.Teams;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Handoff.Cli.Commands;

/// <summary><c>handoff seed --demo</c>: fills an empty database with the demo workspace.</summary>
internal static class SeedCommand
{
    private const int MaxLeads = 100_000;

    public static Command Create(CommandHost host)
    {
        var demo = new Option<bool>("--demo")
        {
            Description = "Seed the demo workspace: users, teams, queues, accounts and leads in every stage with their history (required: the only data set so far)",
        };
        var leads = new Option<int>("--leads")
        {
            Description = $"How many demo leads (1 to {MaxLeads:N0})",
            DefaultValueFactory = _ => 400,
        };
        leads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > MaxLeads)
            {
                r.AddError($"--leads must be between 1 and {MaxLeads}.");
            }
        });
        var seed = new Option<int>("--seed")
        {
            Description = "Random seed: the same seed gives the same workspace",
            DefaultValueFactory = _ => 42,
        };

        var command = new Command(
            "seed",
            "Fill the database with sample data. Migrates first if needed; changes nothing when the database has leads already.")
        {
            demo,
            leads,
            seed,
        };
        command.SetAction((parse, ct) =>
        {
            // Required = true does not hold for a flag (it always has its default, false), so this asks by hand.
            if (!parse.GetValue(demo))
            {
                host.Terminal.Error("Say what to seed: --demo (the demo workspace is the only data set so far).");
                host.Terminal.Hint("See 'handoff seed --help'.");
                return Task.FromResult(ExitCodes.Usage);
            }

            return host.RunAsync(
                parse,
                requireMigrated: false,
                (context, token) => RunAsync(context, parse.GetValue(leads), parse.GetValue(seed), token),
                ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, int leadCount, int seed, CancellationToken ct)
    {
        var output = context.Terminal.Out;
        var db = context.Db;
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
        await Workspace.PrepareAsync(db, context.Clock, context.Options.BootstrapApiKey, ct);
        if (pending > 0)
        {
            output.MarkupLineInterpolated($"Migrated the {context.DatabaseName} ({pending} migration(s)).");
        }

        var seeded = await output.Status().StartAsync(
            $"Seeding {leadCount:N0} demo leads...",
            _ => DemoWorkspace.SeedAsync(db, context.Clock, leadCount, seed, ct));

        if (!seeded)
        {
            var existing = await db.Leads.CountAsync(ct);
            context.Terminal.Warning($"The {context.DatabaseName} already has {existing:N0} lead(s); nothing was seeded or changed.");
            return ExitCodes.Success;
        }

        var (leads, accounts, users, activities) = (
            await db.Leads.CountAsync(ct), await db.Accounts.CountAsync(ct), await db.Users.CountAsync(ct), await db.Activities.CountAsync(ct));
        output.MarkupLineInterpolated($"[green]Seeded the demo workspace[/] into the {context.DatabaseName} (seed {seed}).");
        output.MarkupLineInterpolated($"{leads:N0} leads, {accounts:N0} accounts, {users:N0} users, {activities:N0} activities.");
        context.Terminal.Hint("Next: 'handoff apikey create --name me --scope admin' for a key, 'handoff leads list' to look around.");
        return ExitCodes.Success;
    }
}
