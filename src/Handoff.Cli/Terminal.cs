using Handoff.Common;
using Spectre.Console;

namespace Handoff.Cli;

/// <summary>
/// Where a command writes: results on standard output (tables, JSON lines, a new key), everything meant for the
/// person at the keyboard (errors in red, warnings, hints) on standard error, so that output pipes cleanly.
/// </summary>
internal sealed class Terminal
{
    /// <summary>Lines are not wrapped to a made-up width when nobody reads them on a terminal.</summary>
    private const int UnboundedWidth = 500;

    public Terminal(TextWriter? output, TextWriter? error)
    {
        OutWriter = output ?? Console.Out;
        ErrorWriter = error ?? Console.Error;
        Out = Create(OutWriter, captured: output is not null, redirected: Console.IsOutputRedirected);
        Err = Create(ErrorWriter, captured: error is not null, redirected: Console.IsErrorRedirected);
    }

    /// <summary>Standard output through Spectre.Console: tables, status lines.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Standard error through Spectre.Console.</summary>
    public IAnsiConsole Err { get; }

    /// <summary>Standard output as plain text, for lines that must pass unchanged (JSON, a key).</summary>
    public TextWriter OutWriter { get; }

    public TextWriter ErrorWriter { get; }

    public void Error(string message) => Err.MarkupLineInterpolated($"[red]Error: {message}[/]");

    public void Warning(string message) => Err.MarkupLineInterpolated($"[yellow]{message}[/]");

    public void Hint(string message) => Err.MarkupLineInterpolated($"[grey]{message}[/]");

    /// <summary>Prints the error and returns the failure exit code.</summary>
    public int Fail(string message)
    {
        Error(message);
        return ExitCodes.Failure;
    }

    /// <summary>Prints a use case's error; <paramref name="optionOf"/> turns a field name into the option that set it.</summary>
    public int Fail(Error error, Func<string, string>? optionOf = null)
    {
        if (error is not ValidationError validation)
        {
            return Fail(error.Message);
        }

        foreach (var (field, messages) in validation.Fields)
        {
            foreach (var message in messages)
            {
                Error($"{optionOf?.Invoke(field) ?? field} {message}");
            }
        }

        return ExitCodes.Failure;
    }

    private static IAnsiConsole Create(TextWriter writer, bool captured, bool redirected)
    {
        if (!captured)
        {
            var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
            if (redirected)
            {
                terminal.Profile.Width = UnboundedWidth;
            }

            return terminal;
        }

        // A captured writer (tests) gets plain text, no animation, and no wrapping.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = UnboundedWidth;
        return console;
    }
}
