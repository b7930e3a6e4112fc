using System.Security.Claims;
using Handoff.Access;
using Handoff.Predictive;
using Handoff.Web.Hosting;

namespace Handoff.Web.Api;

/// <summary>The predictive score: train model versions (a background job), read their evaluation, activate one, read a lead's prediction.</summary>
internal static class PredictiveApi
{
    public static void MapPredictiveApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/predictive/models").WithTags("Predictive");
        group.MapPost("/", Train)
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Train a new model version on the stored outcomes (body optional: {\"target\":\"SQL\"|\"Won\",\"activate\":true}); 202 with the version, which is the job")
            .Produces<PredictiveModelView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/", async (int? limit, PredictiveModels models, CancellationToken ct) => (await models.ListAsync(limit ?? 50, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Model versions, newest first, with status and evaluation (limit 1-200, default 50)")
            .Produces<IReadOnlyList<PredictiveModelView>>()
            .ProducesValidationProblem();
        group.MapGet("/{id:guid}", async (Guid id, PredictiveModels models, CancellationToken ct) => (await models.GetAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("One model version: status, evaluation (AUC, log loss, training time, rows) and its input fields")
            .Produces<PredictiveModelView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/activate", Activate)
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Make a trained version the one that scores leads")
            .Produces<PredictiveModelView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        routes.MapGet("/api/leads/{id:guid}/prediction", async (Guid id, LeadPredictions predictions, CancellationToken ct) => (await predictions.GetAsync(id, ct)).ToHttp(TypedResults.Ok))
            .WithTags("Predictive")
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The lead's probability of reaching the active model's target, with its top factors")
            .Produces<LeadPredictionView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> Train(TrainRequest? body, PredictiveModels models, PredictiveWorker worker, ClaimsPrincipal user, CancellationToken ct)
    {
        var queued = await models.RequestAsync(body ?? new TrainRequest(), user.ActorOf(), "manual", ct);
        if (queued.Error is NotEnoughOutcomesError refusal)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Not enough outcomes to train.",
                detail: refusal.Message,
                extensions: new Dictionary<string, object?>
                {
                    ["code"] = "not-enough-outcomes",
                    ["positives"] = refusal.Positives,
                    ["negatives"] = refusal.Negatives,
                    ["minimum"] = refusal.Minimum,
                });
        }

        return queued.ToHttp(model =>
        {
            worker.Wake();
            return TypedResults.Accepted($"/api/predictive/models/{model.Id}", model);
        });
    }

    private static async Task<IResult> Activate(Guid id, PredictiveModels models, CancellationToken ct)
    {
        var result = await models.ActivateAsync(id, ct);
        return result.ToHttp(TypedResults.Ok);
    }
}
