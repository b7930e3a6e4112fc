using System.Security.Claims;
using System.Text;
using Handoff.Access;
using Handoff.Common;
using Handoff.Import;
using Handoff.Web.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Handoff.Web.Api;

/// <summary>CSV imports: upload a file (a job runs it in the background), follow its progress, download its row errors.</summary>
internal static class ImportsApi
{
    /// <summary>Uploads are streamed to disk, so the limit is about disk and patience, not memory.</summary>
    public const long MaxUpload = 2L * 1024 * 1024 * 1024;

    private const int MaxTextPart = 64 * 1024;

    public static void MapImportsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/imports").WithTags("Imports");
        group.MapPost("/", Start)
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithMetadata(new RequestSizeLimitAttribute(MaxUpload))
            .WithSummary("Import leads from a CSV file (multipart: 'file', optional 'mapping' JSON, 'unmapped' keep|ignore and 'automation' true|false); 202 with the job, or 200 with the job that already has this file")
            .Produces<ImportJobView>(StatusCodes.Status202Accepted)
            .Produces<ImportJobView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/", async (int? limit, ImportJobs jobs, CancellationToken ct) => (await jobs.ListAsync(limit ?? 50, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The latest imports, newest first (limit 1-200, default 50)")
            .Produces<IReadOnlyList<ImportJobView>>()
            .ProducesValidationProblem();
        group.MapGet("/{id:guid}", async (Guid id, ImportJobs jobs, CancellationToken ct) => (await jobs.GetAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("An import's status, progress and counts")
            .Produces<ImportJobView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}/errors.csv", Errors)
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The rows that were not imported, as CSV: row, column, reason, value (formula cells neutralized)")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> Start(HttpRequest request, ImportJobs jobs, ImportWorker worker, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Send the file as multipart/form-data.",
                detail: "Parts: 'file' (the CSV file), optionally 'mapping' (JSON: CSV column → lead field) 'unmapped' (keep or ignore) and 'automation' (true or false).");
        }

        ReceivedFile? file = null;
        try
        {
            string? mapping = null, unmapped = null, automation = null;
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file")
                {
                    if (file is not null)
                    {
                        return ApiResults.Problem(ValidationError.For("file", "send one file per import"));
                    }

                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var received = await jobs.ReceiveAsync(section.Body, fileName ?? "import.csv", ct);
                    if (received.Error is { } error)
                    {
                        return ApiResults.Problem(error);
                    }

                    file = received.Value;
                }
                else if (name is "mapping" or "unmapped" or "automation")
                {
                    var text = await ReadTextAsync(section.Body, ct);
                    if (text is null)
                    {
                        return ApiResults.Problem(ValidationError.For(name, $"must be at most {MaxTextPart / 1024} KiB"));
                    }

                    switch (name)
                    {
                        case "mapping":
                            mapping = text;
                            break;
                        case "unmapped":
                            unmapped = text;
                            break;
                        default:
                            automation = text;
                            break;
                    }
                }
            }

            if (file is null)
            {
                return ApiResults.Problem(ValidationError.For("file", "send the CSV file as the multipart part named 'file'"));
            }

            if (Choice(unmapped, "keep", "ignore") is not { } keepUnmapped)
            {
                return ApiResults.Problem(ValidationError.For("unmapped", "must be 'keep' (columns that map to no field become custom fields) or 'ignore'"));
            }

            if (Choice(automation, "true", "false") is not { } runAutomation)
            {
                return ApiResults.Problem(ValidationError.For("automation", "must be 'true' (score, MQL-check, route and start SLA clocks as a capture does) or 'false' (insert only)"));
            }

            var started = await jobs.StartAsync(file, new ImportRequest(mapping, keepUnmapped, runAutomation), user.ActorOf(), runnerId: null, ct);
            file = null; // StartAsync owns it now
            return started.ToHttp(start =>
            {
                if (start.Outcome == ImportStartOutcome.Existing)
                {
                    return TypedResults.Ok(start.Job);
                }

                worker.Wake();
                return TypedResults.Accepted($"/api/imports/{start.Job.Id}", start.Job);
            });
        }
        catch (Exception e) when (ApiResults.IsBadMultipart(e))
        {
            return ApiResults.Problem(ValidationError.For("body", $"the multipart body could not be read: {e.Message}"));
        }
        finally
        {
            if (file is not null)
            {
                File.Delete(file.Path);
            }
        }
    }

    private static async Task<IResult> Errors(Guid id, ImportJobs jobs, CancellationToken ct)
    {
        var job = await jobs.GetAsync(id, ct);
        if (job.Error is { } error)
        {
            return ApiResults.Problem(error);
        }

        return TypedResults.Stream(
            async stream => await jobs.WriteErrorsAsync(id, stream, ct),
            "text/csv; charset=utf-8",
            $"import-{id}-errors.csv");
    }

    /// <summary>A two-way form field: empty means the first word; true for the first, false for the second, null for anything else.</summary>
    private static bool? Choice(string? value, string first, string second)
    {
        var word = value?.Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(word) || word == first ? true : word == second ? false : null;
    }

    /// <summary>A small text part, or null when it is longer than <see cref="MaxTextPart"/>.</summary>
    private static async Task<string?> ReadTextAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxTextPart)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
