using System.Security.Claims;
using Handoff.Access;
using Handoff.Routing;
using Handoff.Teams;
using Handoff.Web.Hosting;

namespace Handoff.Web.Api;

/// <summary>Routing: the versioned rules and their test, teams and members, queues, users' routing profiles, and routing one lead.</summary>
internal static class RoutingApi
{
    public static void MapRoutingApi(this IEndpointRouteBuilder routes)
    {
        var rules = routes.MapGroup("/api/routing").WithTags("Routing");
        rules.MapGet("/rules", async (RoutingPurpose? purpose, RoutingRules r, CancellationToken ct) =>
                (await r.ActiveAsync(purpose ?? RoutingPurpose.Lead, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The active routing rules (purpose Lead by default, or AccountExecutive)")
            .Produces<RuleSetView>().ProducesProblem(StatusCodes.Status404NotFound);
        rules.MapPut("/rules", async (RoutingPurpose? purpose, SaveRuleSetRequest body, RoutingRules r, ClaimsPrincipal user, CancellationToken ct) =>
                (await r.SaveAsync(purpose ?? RoutingPurpose.Lead, body, user.ActorOf(), ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Save the rules as a new version, which becomes the active one")
            .Produces<RuleSetView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        rules.MapGet("/rules/versions", async (RoutingPurpose? purpose, RoutingRules r, CancellationToken ct) =>
                TypedResults.Ok(await r.VersionsAsync(purpose ?? RoutingPurpose.Lead, ct)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Every saved version, newest first");
        rules.MapGet("/rules/versions/{version:int}", async (int version, RoutingPurpose? purpose, RoutingRules r, CancellationToken ct) =>
                (await r.VersionAsync(purpose ?? RoutingPurpose.Lead, version, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("One saved version")
            .Produces<RuleSetView>().ProducesProblem(StatusCodes.Status404NotFound);
        rules.MapPost("/test", async (RouteTestRequest body, RoutingRules r, CancellationToken ct) =>
                (await r.TestAsync(body, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Where a lead (an existing one by id, or one described by its fields) would go now, and why; changes nothing")
            .Produces<RoutingDecision>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        var leads = routes.MapGroup("/api/leads").WithTags("Routing");
        leads.MapPost("/{id:guid}/route", Route).RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Re-run the routing rules on the lead now and assign it")
            .Produces<RouteAnswer>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(RequestHeader.IfMatch);
        leads.MapGet("/{id:guid}/assignments", async (Guid id, RouteLead route, CancellationToken ct) => (await route.ListAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Every assignment of the lead, oldest first, with the rule, strategy and reasons")
            .Produces<IReadOnlyList<AssignmentView>>().ProducesProblem(StatusCodes.Status404NotFound);

        var people = routes.MapGroup("/api").WithTags("People and queues");
        people.MapPost("/teams", async (CreateTeamRequest body, TeamRoster roster, CancellationToken ct) =>
                (await roster.CreateTeamAsync(body, ct)).ToHttp(t => TypedResults.Created($"/api/teams/{t.Id}", t)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .Produces<TeamView>(StatusCodes.Status201Created).ProducesValidationProblem();
        people.MapGet("/teams/{id:guid}", async (Guid id, TeamRoster roster, CancellationToken ct) => (await roster.TeamAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("A team with its members")
            .Produces<TeamDetailView>().ProducesProblem(StatusCodes.Status404NotFound);
        people.MapPut("/teams/{id:guid}/members/{userId:guid}", async (Guid id, Guid userId, TeamMemberRequest? body, TeamRoster roster, CancellationToken ct) =>
                (await roster.PutMemberAsync(id, userId, body ?? new TeamMemberRequest(), ct)).ToHttp(r => r.Joined
                    ? (IResult)TypedResults.Created($"/api/teams/{id}", r.Team)
                    : TypedResults.Ok(r.Team)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Add a member (201) or change their weight, capacity, territories and segments (200)")
            .Produces<TeamDetailView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        people.MapDelete("/teams/{id:guid}/members/{userId:guid}", async (Guid id, Guid userId, TeamRoster roster, CancellationToken ct) =>
                (await roster.RemoveMemberAsync(id, userId, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Remove a member; the others' turns are unchanged")
            .Produces<TeamDetailView>().ProducesProblem(StatusCodes.Status404NotFound);
        people.MapPost("/queues", async (CreateQueueRequest body, TeamRoster roster, CancellationToken ct) =>
                (await roster.CreateQueueAsync(body, ct)).ToHttp(q => TypedResults.Created($"/api/queues/{q.Id}", q)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .Produces<QueueView>(StatusCodes.Status201Created).ProducesValidationProblem();
        people.MapGet("/users/{id:guid}/routing", async (Guid id, TeamRoster roster, CancellationToken ct) => (await roster.ProfileAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The user's working hours, time zone, out-of-office ranges and capacity")
            .Produces<RoutingProfileView>().ProducesProblem(StatusCodes.Status404NotFound);
        people.MapPut("/users/{id:guid}/routing", async (Guid id, RoutingProfileRequest body, TeamRoster roster, CancellationToken ct) =>
                (await roster.SetProfileAsync(id, body, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Set the user's working hours (IANA time zone), out-of-office ranges and capacity")
            .Produces<RoutingProfileView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> Route(Guid id, RouteLead route, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!ApiResults.TryReadIfMatch(http.Request.Headers.IfMatch, out var version, out var problem))
        {
            return problem!;
        }

        return (await route.HandleAsync(id, version, user.ActorOf(), ct)).ToHttp(answer =>
        {
            http.Response.Headers.ETag = ApiResults.ETag(answer.Lead.Version);
            return TypedResults.Ok(answer);
        });
    }
}
