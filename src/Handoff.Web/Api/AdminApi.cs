using Handoff.Access;
using Handoff.Leads;
using Handoff.Teams;

namespace Handoff.Web.Api;

/// <summary>Workspace administration: API keys, the reason catalogue, users and queues.</summary>
internal static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder routes)
    {
        var keys = routes.MapGroup("/api/apikeys").WithTags("API keys").RequireAuthorization(nameof(ApiScope.Admin));
        keys.MapGet("/", async (ApiKeys apiKeys, CancellationToken ct) => TypedResults.Ok(await apiKeys.ListAsync(ct)))
            .WithSummary("List API keys (never their secrets)");
        keys.MapPost("/", async (CreateApiKeyRequest body, ApiKeys apiKeys, CancellationToken ct) =>
                (await apiKeys.CreateAsync(body, ct)).ToHttp(k => TypedResults.Created($"/api/apikeys/{k.Key.Id}", k)))
            .WithSummary("Create an API key; the secret is shown in this answer only")
            .Produces<CreatedApiKey>(StatusCodes.Status201Created).ProducesValidationProblem();
        keys.MapDelete("/{id:guid}", async (Guid id, ApiKeys apiKeys, CancellationToken ct) =>
                (await apiKeys.RevokeAsync(id, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("Revoke an API key");

        var reasons = routes.MapGroup("/api/reason-codes").WithTags("Reason codes");
        reasons.MapGet("/", async (ReasonCatalogue catalogue, CancellationToken ct) => TypedResults.Ok(await catalogue.ListAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The reason catalogue, by stage");
        reasons.MapPut("/", async (ReasonCodeRequest body, ReasonCatalogue catalogue, CancellationToken ct) =>
                (await catalogue.SaveAsync(body, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Add, relabel or retire a reason code")
            .Produces<ReasonCodeView>()
            .ProducesValidationProblem();

        var people = routes.MapGroup("/api").WithTags("People and queues");
        people.MapGet("/users", async (People p, CancellationToken ct) => TypedResults.Ok(await p.UsersAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read));
        people.MapPost("/users", async (CreateUserRequest body, People p, CancellationToken ct) =>
                (await p.CreateUserAsync(body, ct)).ToHttp(u => TypedResults.Created($"/api/users/{u.Id}", u)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .Produces<UserView>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        people.MapGet("/teams", async (People p, CancellationToken ct) => TypedResults.Ok(await p.TeamsAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read));
        people.MapGet("/queues", async (People p, CancellationToken ct) => TypedResults.Ok(await p.QueuesAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read));
    }
}
