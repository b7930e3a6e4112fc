using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Leads;
using Handoff.Teams;
using Spectre.Console;

namespace Handoff.Cli.Commands;

/// <summary><c>handoff leads list</c>: the lead list with the same filters and paging as <c>GET /api/leads</c>.</summary>
internal static class LeadsCommands
{
    /// <summary>The same JSON shape as the HTTP API: camelCase, enums as strings.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Create(CommandHost host) =>
        new("leads", "Work with leads") { ListCommand(host) };

    private static Command ListCommand(CommandHost host)
    {
        var stages = new Option<LeadStage[]>("--stage")
        {
            Description = $"Only leads in these stages: {Values.Names<LeadStage>()}. Repeat the option or separate with commas",
            HelpName = "stage",
            CustomParser = r => Values.ParseMany<LeadStage>(r, "stage"),
        };
        var owner = new Option<Guid?>("--owner")
        {
            Description = "Only leads owned by this user or queue (id)",
            HelpName = "id",
            CustomParser = r => Values.ParseId(r),
        };
        var source = new Option<string?>("--source") { Description = "Only leads from this source, exactly as captured (e.g. \"Webinar\")" };
        var search = new Option<string?>("--search") { Description = "Text to find in name, email or company" };
        var limit = new Option<int>("--limit")
        {
            Description = $"Leads per page (1 to {LeadFilter.MaxLimit})",
            DefaultValueFactory = _ => LeadFilter.DefaultLimit,
        };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after the previous page: the cursor it printed" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per lead (JSON lines) instead of a table" };

        var command = new Command("list", "List leads, newest first, a page at a time. The next page's cursor is printed under the page (on standard error with --json).")
        {
            stages, owner, source, search, limit, cursor, json,
        };
        command.SetAction((parse, ct) => host.RunAsync(
            parse,
            requireMigrated: true,
            (context, token) => ListAsync(
                context,
                new LeadFilter
                {
                    Stages = parse.GetValue(stages) ?? [],
                    OwnerId = parse.GetValue(owner),
                    Source = parse.GetValue(source),
                    Text = parse.GetValue(search),
                    Limit = parse.GetValue(limit),
                    Cursor = parse.GetValue(cursor),
                },
                parse.GetValue(json),
                token),
            ct));
        return command;
    }

    private static async Task<int> ListAsync(CommandContext context, LeadFilter filter, bool json, CancellationToken ct)
    {
        var terminal = context.Terminal;
        var result = await context.Get<ListLeads>().HandleAsync(filter, ct);
        if (result.Error is { } error)
        {
            return terminal.Fail(error, field => field == "q" ? "--search" : "--" + field);
        }

        var page = result.Value!;
        if (json)
        {
            foreach (var lead in page.Items)
            {
                await terminal.OutWriter.WriteLineAsync(JsonSerializer.Serialize(lead, Json));
            }

            await terminal.OutWriter.FlushAsync(ct);
            if (page.NextCursor is { } next)
            {
                terminal.Hint($"Next page: --cursor {next}");
            }

            return ExitCodes.Success;
        }

        if (page.Items.Count == 0)
        {
            terminal.Out.MarkupLine(filter.Cursor is null ? "No leads match." : "No more leads.");
            return ExitCodes.Success;
        }

        var owners = await OwnerNamesAsync(context.Get<People>(), ct);
        var table = new Table().AddColumns("Name", "Email", "Company", "Stage", "Owner", "Created (UTC)");
        foreach (var lead in page.Items)
        {
            table.AddRow(
                new Text(string.Join(' ', new[] { lead.FirstName, lead.LastName }.Where(n => !string.IsNullOrWhiteSpace(n)))),
                new Text(lead.Email ?? ""),
                new Text(lead.Company ?? ""),
                new Text(lead.Stage.ToString()),
                new Text(owners.TryGetValue(lead.Owner.Id, out var name) ? name : lead.Owner.ToString()),
                new Text(Format.Time(lead.CreatedAt)));
        }

        terminal.Out.Write(table);
        terminal.Out.MarkupLineInterpolated($"{page.Items.Count} lead(s).");
        if (page.NextCursor is { } nextCursor)
        {
            terminal.Out.MarkupLineInterpolated($"More: run again with [bold]--cursor {nextCursor}[/]");
        }

        return ExitCodes.Success;
    }

    /// <summary>Display names of every possible owner: users by name, queues marked as such.</summary>
    private static async Task<Dictionary<Guid, string>> OwnerNamesAsync(People people, CancellationToken ct)
    {
        var names = (await people.UsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        foreach (var queue in await people.QueuesAsync(ct))
        {
            names[queue.Id] = $"{queue.Name} (queue)";
        }

        return names;
    }
}
