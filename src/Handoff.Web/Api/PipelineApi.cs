using System.Security.Claims;
using Handoff.Access;
using Handoff.Pipeline;
using Handoff.Web.Hosting;

namespace Handoff.Web.Api;

/// <summary>Conversion of SQL leads to opportunities, and the opportunities' outcome.</summary>
internal static class PipelineApi
{
    public static void MapPipelineApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/leads/{id:guid}/convert", async (Guid id, ConvertRequest? body, ConvertLead convert, ClaimsPrincipal user, CancellationToken ct) =>
                (await convert.HandleAsync(id, body ?? new ConvertRequest(), user.ActorOf(), ct)).ToHttp(answer => answer.Created
                    ? TypedResults.Created($"/api/opportunities/{answer.Opportunity.Id}", answer)
                    : TypedResults.Ok(answer)))
            .WithTags("Pipeline").RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Convert an SQL lead: account by domain, contact, opportunity with its AE, in one transaction; again gives the same opportunity")
            .Produces<ConversionAnswer>(StatusCodes.Status201Created).Produces<ConversionAnswer>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        var opportunities = routes.MapGroup("/api/opportunities").WithTags("Pipeline");
        opportunities.MapGet("/{id:guid}", async (Guid id, CloseOpportunity o, CancellationToken ct) => (await o.GetAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .Produces<OpportunityView>().ProducesProblem(StatusCodes.Status404NotFound);
        opportunities.MapPost("/{id:guid}/close", async (Guid id, CloseRequest body, CloseOpportunity o, ClaimsPrincipal user, CancellationToken ct) =>
                (await o.HandleAsync(id, body, user.ActorOf(), ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Close as Won or Lost (with a reason); the lead follows to Won or Lost")
            .Produces<OpportunityView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
    }
}
