using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Handoff.Cli.Commands;

namespace Handoff.Cli;

/// <summary>Exit codes of <c>handoff</c>.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and failed: unreachable database, unmigrated database, not found, invalid input.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: unknown command, missing or bad option value.</summary>
    public const int Usage = 2;

    public const int Cancelled = 130;
}

/// <summary>The <c>handoff</c> command line: commands over the same use cases as the web host.</summary>
public static class HandoffCli
{
    /// <summary>
    /// Parses and runs one command line. Output and error default to the process's standard streams; tests pass
    /// their own writers to read what a command printed.
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, CancellationToken ct = default)
    {
        var terminal = new Terminal(output, error);
        var global = new GlobalOptions();
        var host = new CommandHost(terminal, global);
        var root = new RootCommand("Handoff: lead qualification from the command line. Database settings come from appsettings.json beside the binary, environment variables (Handoff__Database__Provider, ConnectionStrings__Handoff, Handoff__DataDirectory) and the options below, in rising order of precedence.")
        {
            global.Provider,
            global.Connection,
            global.DataDirectory,
            MigrateCommand.Create(host),
            SeedCommand.Create(host),
            ApiKeyCommands.Create(host),
            LeadsCommands.Create(host),
            ImportCommand.Create(host),
            ImportSampleCommand.Create(host),
        };

        var parse = root.Parse(args.Count == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                terminal.Error(parseError.Message);
            }

            terminal.Hint($"See '{CommandPath(parse.CommandResult)} --help'.");
            return ExitCodes.Usage;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        // System.CommandLine's own handling would end the process 2 s after Ctrl+C whatever the command was doing, and
        // a command's clean-up takes longer than that: an import must roll back its batch and put its job back to
        // Pending (else the job stays Running for its 30 s lease). The first Ctrl+C (or SIGTERM) cancels the command
        // and lets it finish; a second one ends the process at once.
        return await parse.InvokeAsync(
            new InvocationConfiguration { Output = terminal.OutWriter, Error = terminal.ErrorWriter, ProcessTerminationTimeout = null },
            stop.Token);

        void Stop(PosixSignalContext signal)
        {
            if (stop.IsCancellationRequested)
            {
                return; // the second signal: the default handling ends the process
            }

            signal.Cancel = true;
            terminal.Warning("Stopping… (press Ctrl+C again to quit at once)");
            stop.Cancel();
        }
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult c; result = c.Parent)
        {
            names.Add(c.Command is RootCommand ? "handoff" : c.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
