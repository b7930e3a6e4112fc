using System.CommandLine;
using Handoff.Access;
using Spectre.Console;

namespace Handoff.Cli.Commands;

/// <summary><c>handoff apikey create|list|revoke</c>: the keys machines and scripts use against the HTTP API.</summary>
internal static class ApiKeyCommands
{
    public static Command Create(CommandHost host) =>
        new("apikey", "Create, list and revoke API keys (used as 'Authorization: Bearer <key>' against the HTTP API)")
        {
            CreateCommand(host),
            ListCommand(host),
            RevokeCommand(host),
        };

    private static Command CreateCommand(CommandHost host)
    {
        var name = new Option<string>("--name")
        {
            Description = "A name that says who or what uses the key (at most 200 characters)",
            Required = true,
        };
        var scopes = new Option<ApiScope[]>("--scope")
        {
            Description = $"What the key may do: {Values.Names<ApiScope>().ToLowerInvariant()}. Repeat the option or separate with commas",
            HelpName = "scope",
            Required = true,
            CustomParser = r => Values.ParseMany<ApiScope>(r, "scope"),
        };

        var command = new Command("create", "Create an API key and print it. The key is shown this once only; Handoff keeps just its hash.")
        {
            name,
            scopes,
        };
        command.SetAction((parse, ct) => host.RunAsync(
            parse,
            requireMigrated: true,
            (context, token) => CreateAsync(context, parse.GetValue(name)!, parse.GetValue(scopes)!, token),
            ct));
        return command;
    }

    private static async Task<int> CreateAsync(CommandContext context, string name, ApiScope[] scopes, CancellationToken ct)
    {
        var result = await context.Get<ApiKeys>().CreateAsync(new CreateApiKeyRequest(name, scopes), ct);
        if (result.Error is { } error)
        {
            return context.Terminal.Fail(error, field => field == "scopes" ? "--scope" : "--" + field);
        }

        var created = result.Value!;
        var terminal = context.Terminal;
        terminal.Err.MarkupLineInterpolated(
            $"[green]Created API key[/] '{created.Key.Name}' (id {created.Key.Id}, scopes {ScopeList(created.Key.Scopes)}):");

        // The key alone on standard output, so that KEY=$(handoff apikey create ...) captures just the key.
        await terminal.OutWriter.WriteLineAsync(created.PlainText);
        await terminal.OutWriter.FlushAsync(ct);
        terminal.Warning("Copy it now: it will not be shown again. Use it as 'Authorization: Bearer <key>'.");
        return ExitCodes.Success;
    }

    private static Command ListCommand(CommandHost host)
    {
        var command = new Command("list", "List API keys: id, name, prefix (the key's first characters), scopes, when created and revoked");
        command.SetAction((parse, ct) => host.RunAsync(parse, requireMigrated: true, ListAsync, ct));
        return command;
    }

    private static async Task<int> ListAsync(CommandContext context, CancellationToken ct)
    {
        var keys = await context.Get<ApiKeys>().ListAsync(ct);
        if (keys.Count == 0)
        {
            context.Terminal.Out.MarkupLine("No API keys yet. Create one with 'handoff apikey create --name NAME --scope admin'.");
            return ExitCodes.Success;
        }

        var table = new Table().AddColumn(new TableColumn("Id").NoWrap()).AddColumns("Name", "Prefix", "Scopes", "Created (UTC)", "Revoked (UTC)");
        foreach (var key in keys)
        {
            table.AddRow(
                new Text(key.Id.ToString()),
                new Text(key.Name),
                new Text(key.Prefix),
                new Text(ScopeList(key.Scopes)),
                new Text(Format.Time(key.CreatedAt)),
                key.RevokedAt is { } revoked ? new Text(Format.Time(revoked), new Style(Color.Red)) : new Text("-"));
        }

        context.Terminal.Out.Write(table);
        return ExitCodes.Success;
    }

    private static Command RevokeCommand(CommandHost host)
    {
        var id = new Argument<Guid>("id")
        {
            Description = "The key's id, as 'handoff apikey list' shows it",
            CustomParser = Values.ParseId,
        };
        var command = new Command("revoke", "Revoke an API key: requests with it are refused from now on. Revoking twice changes nothing.") { id };
        command.SetAction((parse, ct) => host.RunAsync(
            parse,
            requireMigrated: true,
            (context, token) => RevokeAsync(context, parse.GetValue(id), token),
            ct));
        return command;
    }

    private static async Task<int> RevokeAsync(CommandContext context, Guid id, CancellationToken ct)
    {
        var result = await context.Get<ApiKeys>().RevokeAsync(id, ct);
        if (result.Error is { } error)
        {
            return context.Terminal.Fail(error);
        }

        var key = result.Value!;
        context.Terminal.Out.MarkupLineInterpolated(
            $"Revoked API key '{key.Name}' ({key.Prefix}...) at {Format.Time(key.RevokedAt!.Value)} UTC.");
        return ExitCodes.Success;
    }

    private static string ScopeList(IEnumerable<ApiScope> scopes) => string.Join(", ", scopes).ToLowerInvariant();
}
