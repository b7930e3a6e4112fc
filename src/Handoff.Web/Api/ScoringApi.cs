using System.Security.Claims;
using Handoff.Access;
using Handoff.Common;
using Handoff.Scoring;
using Handoff.Web.Hosting;

namespace Handoff.Web.Api;

/// <summary>A rescore job as the API shows it; <c>progress</c> runs from 0 to 1.</summary>
internal sealed record RescoreView(
    Guid Id, int ModelVersion, RescoreStatus Status, int Total, int Done, double Progress,
    DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, string? Error)
{
    public static RescoreView From(RescoreJob j) => new(
        j.Id, j.ModelVersion, j.Status, j.Total, j.Done,
        j.Status == RescoreStatus.Completed ? 1 : j.Total == 0 ? 0 : Math.Round((double)j.Done / j.Total, 4),
        j.CreatedAt, j.StartedAt, j.FinishedAt, j.Error);
}

/// <summary>Scoring models (versions, activation, backtests), rescore jobs, and a lead's score with its breakdown.</summary>
internal static class ScoringApi
{
    public static void MapScoringApi(this IEndpointRouteBuilder routes)
    {
        var models = routes.MapGroup("/api/scoring/models").WithTags("Scoring");
        models.MapGet("/", async (ScoringModels m, CancellationToken ct) => TypedResults.Ok(await m.ListAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Every scoring model version, newest first (without documents)");
        models.MapPost("/", async (ScoringDocument body, ScoringModels m, CancellationToken ct) =>
                (await m.CreateAsync(body, ct)).ToHttp(v => TypedResults.Created($"/api/scoring/models/{v.Id}", v)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .AddEndpointFilter<Idempotency>().WithMetadata(RequestHeader.IdempotencyKey)
            .WithSummary("Create a draft scoring model")
            .Produces<ScoringModelView>(StatusCodes.Status201Created).ProducesValidationProblem();
        models.MapGet("/{id:guid}", async (Guid id, ScoringModels m, HttpContext http, CancellationToken ct) =>
                (await m.GetAsync(id, ct)).ToHttp(v => WithETag(http, TypedResults.Ok(v), v)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("A scoring model version with its document; the ETag header is its revision")
            .Produces<ScoringModelView>().ProducesProblem(StatusCodes.Status404NotFound);
        models.MapPut("/{id:guid}", async (Guid id, ScoringDocument body, ScoringModels m, HttpContext http, CancellationToken ct) =>
                (await m.EditAsync(id, body, IfMatch(http), ct)).ToHttp(e => WithETag(http, e.NewVersion
                    ? TypedResults.Created($"/api/scoring/models/{e.Model.Id}", e.Model)
                    : TypedResults.Ok(e.Model), e.Model)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Edit a draft (200); editing an active or retired version makes a new draft version (201). If-Match: the ETag you read (412 when it changed since)")
            .Produces<ScoringModelView>().Produces<ScoringModelView>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithMetadata(RequestHeader.IfMatch);
        models.MapDelete("/{id:guid}", async (Guid id, ScoringModels m, HttpContext http, CancellationToken ct) =>
                (await m.DeleteDraftAsync(id, IfMatch(http), ct)).ToHttp(_ => TypedResults.NoContent()))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Delete a draft version (204); active and retired versions stay (409 not-a-draft). If-Match: the ETag you read")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithMetadata(RequestHeader.IfMatch);
        models.MapPost("/{id:guid}/activate", async (Guid id, ScoringModels m, RescoreWorker worker, HttpContext http, ClaimsPrincipal user, CancellationToken ct) =>
                (await m.ActivateAsync(id, user.ActorOf(), IfMatch(http), ct)).ToHttp(a =>
                {
                    worker.Wake();
                    return TypedResults.Accepted(a.RescoreUrl, a);
                }))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Make this version the active model (the previous one retires) and rescore every lead in the background. If-Match: the ETag you read (412 when it changed since)")
            .Produces<Activation>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithMetadata(RequestHeader.IfMatch);
        models.MapPost("/{id:guid}/backtest", async (Guid id, BacktestRequest body, BacktestModel backtest, CancellationToken ct) =>
                (await backtest.HandleAsync(id, body, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Replay stored history with this model beside the active one: MQLs, outcomes, precision and recall; nothing changes")
            .Produces<BacktestReport>().ProducesValidationProblem();

        routes.MapGet("/api/scoring/rescores/{id:guid}", async (Guid id, ScoringModels m, CancellationToken ct) =>
                (await m.RescoreAsync(id, ct)).ToHttp(j => TypedResults.Ok(RescoreView.From(j))))
            .RequireAuthorization(nameof(ApiScope.Read)).WithTags("Scoring")
            .WithSummary("Progress of a rescore job")
            .Produces<RescoreView>();

        routes.MapGet("/api/leads/{id:guid}/score", Score)
            .RequireAuthorization(nameof(ApiScope.Read)).WithTags("Scoring")
            .WithSummary("The lead's score at a moment (default now): fit, grade, engagement, intent, total and every rule that fired with its evidence")
            .Produces<LeadScore>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The revision in <c>If-Match</c> (quotes and a weak prefix dropped); null when absent or <c>*</c>.</summary>
    private static string? IfMatch(HttpContext http)
    {
        var header = http.Request.Headers.IfMatch.ToString().Trim();
        if (header.StartsWith("W/", StringComparison.Ordinal))
        {
            header = header[2..];
        }

        header = header.Trim('"');
        return header is "" or "*" ? null : header;
    }

    private static IResult WithETag(HttpContext http, IResult result, ScoringModelView model)
    {
        http.Response.Headers.ETag = $"\"{model.Revision}\"";
        return result;
    }

    private static async Task<IResult> Score(Guid id, string? at, GetLeadScore score, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var moment = ApiResults.QueryTime(at, "at", errors);
        if (errors.Any)
        {
            return ApiResults.Problem(errors.ToError());
        }

        return (await score.HandleAsync(id, moment, ct)).ToHttp(TypedResults.Ok);
    }
}
