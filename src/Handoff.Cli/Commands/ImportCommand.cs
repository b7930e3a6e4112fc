using System.CommandLine;
using System.Diagnostics;
using Handoff.Common;
using Handoff.Import;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Handoff.Cli.Commands;

/// <summary><c>handoff import FILE</c>: the same import as <c>POST /api/imports</c>, run in this process with a progress bar.</summary>
internal static class ImportCommand
{
    public static Command Create(CommandHost host)
    {
        var file = new Argument<FileInfo>("file")
        {
            Description = "The CSV file: UTF-8 with a header row. Salesforce and HubSpot export headers and Handoff's field names are recognized",
        };
        var mapping = new Option<FileInfo?>("--mapping")
        {
            Description = "A JSON file mapping CSV columns to lead fields, e.g. {\"E-mail\": \"email\", \"Notes\": \"custom:notes\", \"Row Id\": \"ignore\"}",
            HelpName = "mapping.json",
        };
        var unmapped = new Option<string>("--unmapped")
        {
            Description = "Columns that map to no field: keep them as custom fields, or ignore them",
            DefaultValueFactory = _ => "keep",
        };
        unmapped.AcceptOnlyFromAmong("keep", "ignore");
        var automation = new Option<bool>("--automation")
        {
            Description = "Run the lead automations on the imported leads as a capture does: score, MQL check, routing by the active rules, SLA clocks (true, the default), or only insert them (false)",
            DefaultValueFactory = _ => true,
        };

        var command = new Command(
            "import",
            "Import leads from a CSV file: validated, deduplicated against the file and the open leads, in batches. " +
            "Importing the same file again changes nothing; an interrupted import resumes where it stopped when run again.")
        {
            file,
            mapping,
            unmapped,
            automation,
        };
        command.SetAction((parse, ct) => host.RunAsync(
            parse,
            requireMigrated: true,
            (context, token) => RunAsync(context, parse.GetValue(file)!, parse.GetValue(mapping), parse.GetValue(unmapped) == "keep", parse.GetValue(automation), token),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, FileInfo file, FileInfo? mappingFile, bool keepUnmapped, bool automation, CancellationToken ct)
    {
        var terminal = context.Terminal;
        if (!file.Exists)
        {
            return terminal.Fail($"There is no file {file.FullName}.");
        }

        string? mapping = null;
        if (mappingFile is not null)
        {
            if (!mappingFile.Exists)
            {
                return terminal.Fail($"There is no mapping file {mappingFile.FullName}.");
            }

            mapping = await File.ReadAllTextAsync(mappingFile.FullName, ct);
        }

        var jobs = context.Get<ImportJobs>();
        var runnerId = $"cli/{Environment.MachineName}/{Environment.ProcessId}";
        var clock = Stopwatch.StartNew();
        Result<ReceivedFile> received;
        await using (var input = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 128 * 1024, FileOptions.SequentialScan | FileOptions.Asynchronous))
        {
            received = await jobs.ReceiveAsync(input, file.Name, ct);
        }

        if (received.Error is { } fileError)
        {
            return terminal.Fail(fileError, field => field == "file" ? file.Name + ":" : OptionOf(field));
        }

        var actor = new Actor(ActorKind.Integration, "cli:" + Environment.UserName, "handoff import");
        ImportJobView? job = null;
        try
        {
            var started = await jobs.StartAsync(received.Value!, new ImportRequest(mapping, keepUnmapped, automation), actor, runnerId, ct);
            if (started.Error is { } startError)
            {
                return terminal.Fail(startError, OptionOf);
            }

            job = started.Value!.Job;
            if (job.Status == ImportStatus.Completed)
            {
                terminal.Warning($"This file was imported already (import {job.Id}, finished {Format.Time(job.FinishedAt ?? job.CreatedAt)} UTC); nothing new was imported.");
                return await ReportAsync(context, job, null);
            }

            var resuming = job.LastCommittedRow > 0 ? $", resuming after row {job.LastCommittedRow:N0}" : "";
            terminal.Err.MarkupLineInterpolated($"Importing [bold]{file.Name}[/] ({file.Length / 1024.0 / 1024.0:N1} MiB) into the {context.DatabaseName} as import {job.Id}{resuming}.");

            var jobId = job.Id;
            var result = await terminal.Err.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var bar = progress.AddTask("Importing", maxValue: 1.0);
                    var view = await context.Get<RunImport>().RunAsync(
                        jobId,
                        runnerId,
                        new Reporter(p =>
                        {
                            bar.Value = p.Fraction;
                            bar.Description = $"{p.RowsProcessed:N0} rows";
                        }),
                        ct);
                    bar.Value = 1.0;
                    return view;
                });
            if (result is null)
            {
                return await HeldElsewhereAsync(context, jobId);
            }

            return await ReportAsync(context, result, clock.Elapsed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // RunImport puts its job back to Pending when it is cancelled; a job that was claimed for this process but
            // not running yet (Ctrl+C right after the file was read) is let go here. Either way the next run of the
            // same command resumes it at once, instead of waiting for the lease to run out.
            await jobs.ReleaseAsync(runnerId);
            var stopped = job is null ? null : (await jobs.GetAsync(job.Id, CancellationToken.None)).Value;
            var kept = stopped is { LastCommittedRow: > 1 } ? $"rows up to row {stopped.LastCommittedRow:N0} are imported ({stopped.TotalRows:N0} rows)" : "no rows were imported yet";
            terminal.Warning(stopped is null ? "The import stopped before it began." : $"The import stopped: {kept}; import {stopped.Id} is {stopped.Status}.");
            terminal.Hint("Run the same command again to resume it after the last imported row.");
            throw;
        }
    }

    private static async Task<int> ReportAsync(CommandContext context, ImportJobView job, TimeSpan? elapsed)
    {
        var terminal = context.Terminal;
        var table = new Table().AddColumns("Rows", "Imported (new leads)", "Merged into existing leads", "Duplicates in the file", "Rejected", "Junk");
        table.AddRow($"{job.TotalRows:N0}", $"{job.Imported:N0}", $"{job.Merged:N0}", $"{job.Duplicates:N0}", $"{job.Rejected:N0}", $"{job.Junk:N0}");
        terminal.Out.Write(table);
        if (elapsed is { } time && job.TotalRows > 0)
        {
            terminal.Out.MarkupLineInterpolated($"Import {job.Id}: {job.Status} in {time.TotalSeconds:N1} s ({job.TotalRows / Math.Max(time.TotalSeconds, 0.001):N0} rows/s).");
        }
        else
        {
            terminal.Out.MarkupLineInterpolated($"Import {job.Id}: {job.Status}.");
        }

        if (job.Rejected > 0)
        {
            var path = Path.Combine(ImportFile.Directory(context.Options.DataDirectory), $"{job.Id}.errors.csv");
            await using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true))
            {
                await context.Get<ImportJobs>().WriteErrorsAsync(job.Id, output, CancellationToken.None);
            }

            terminal.Out.MarkupLineInterpolated($"Row errors ({job.Rejected:N0} rows not imported): {path}");
        }

        if (job.Status == ImportStatus.Failed)
        {
            terminal.Error($"The import stopped: {job.Error}");
            terminal.Hint("The rows before the error are imported. Fix the cause and run the same command again to resume.");
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Another runner holds the job: a web node or another <c>handoff import</c> importing it, or a process that was
    /// killed without letting it go, whose lease then has to run out first.
    /// </summary>
    private static async Task<int> HeldElsewhereAsync(CommandContext context, Guid jobId)
    {
        var terminal = context.Terminal;
        var job = await context.Db.ImportJobs.AsNoTracking().FirstAsync(j => j.Id == jobId);
        if (job.Status == ImportStatus.Running && job.LeaseUntil is { } until)
        {
            var wait = Math.Max(1, (int)Math.Ceiling((until - context.Clock.GetUtcNow().UtcDateTime).TotalSeconds));
            terminal.Warning($"Import {job.Id} is held by {job.RunnerId} until {until:HH:mm:ss} UTC: it is importing this file now, or it stopped without letting the job go (a killed process).");
            terminal.Hint($"Follow it with 'GET /api/imports/{job.Id}'; if that process is gone, run the same command again in {wait} s to resume after the last committed row.");
            return ExitCodes.Success;
        }

        terminal.Warning($"Import {job.Id} is {job.Status} now; run the same command again to see it.");
        return ExitCodes.Success;
    }

    private static string OptionOf(string field) =>
        field.StartsWith("mapping", StringComparison.Ordinal) ? ("--mapping " + field["mapping".Length..].TrimStart('.')).TrimEnd() : field;

    /// <summary>Reports on the caller's thread, so the bar moves with each batch written.</summary>
    private sealed class Reporter(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
