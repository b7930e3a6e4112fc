using System.Security.Claims;
using System.Text.Json;
using Handoff.Access;
using Handoff.Capture;
using Handoff.Common;
using Handoff.Web.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Api;

/// <summary><c>POST /api/activities</c>: one touchpoint (an object) or a batch (an array of up to 10,000).</summary>
internal static class ActivitiesApi
{
    /// <summary>A 10,000-item batch of typical touches fits comfortably.</summary>
    public const long MaxBatchBody = 16 * 1024 * 1024;

    public static void MapActivitiesApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/activities", Record)
            .WithTags("Activities")
            .RequireAuthorization(nameof(ApiScope.Capture))
            .AddEndpointFilter<Idempotency>().WithMetadata(RequestHeader.IdempotencyKey)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBatchBody))
            .Accepts<ActivityInput>("application/json")
            .WithSummary("Record one touchpoint, or a batch (JSON array) of up to 10,000; all or nothing")
            .Produces<RecordedActivities>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
    }

    private static async Task<IResult> Record(JsonElement body, RecordActivities record, IOptions<JsonOptions> json, ClaimsPrincipal user, CancellationToken ct)
    {
        if (body.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
        {
            return ApiResults.Problem(ValidationError.For("body", $"must be one activity (a JSON object) or an array of them, not {body.ValueKind.ToString().ToLowerInvariant()}"));
        }

        var options = json.Value.SerializerOptions;
        IReadOnlyList<ActivityInput> items;
        try
        {
            items = body.ValueKind == JsonValueKind.Array
                ? body.Deserialize<List<ActivityInput?>>(options)!.Select(a => a ?? new ActivityInput()).ToList()
                : [body.Deserialize<ActivityInput>(options)!];
        }
        catch (JsonException e)
        {
            var (field, message) = JsonErrors.Explain(e, body.ValueKind == JsonValueKind.Array ? typeof(List<ActivityInput>) : typeof(ActivityInput));
            return ApiResults.Problem(ValidationError.For(field, message));
        }

        return (await record.HandleAsync(items, body.ValueKind == JsonValueKind.Array, user.ActorOf(), ct))
            .ToHttp(result => TypedResults.Created((string?)null, result));
    }
}
