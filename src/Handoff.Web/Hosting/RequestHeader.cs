using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Handoff.Web.Hosting;

/// <summary>
/// Endpoint metadata: a request header the endpoint reads, which the OpenAPI document then declares (a handler that
/// reads a header from <see cref="HttpContext"/> is invisible to the document otherwise, and clients generated from it
/// could not send it).
/// </summary>
/// <param name="Name">The header's name.</param>
/// <param name="Description">What it does, for the document.</param>
internal sealed record RequestHeader(string Name, string Description)
{
    public static readonly RequestHeader IfMatch = new(
        "If-Match", "The ETag you read (e.g. \"3\"): the change applies only if nobody changed it since; otherwise 409 or 412 and nothing is written.");

    public static readonly RequestHeader IdempotencyKey = new(
        Idempotency.Header, "1-200 visible ASCII characters: a retry with the same key (for 24 hours) gets the first answer again, with Idempotent-Replayed: true, and writes nothing twice; the same key with another body is a 422.");

    /// <summary>An OpenAPI operation transformer: declares the endpoint's headers, and the 401 and 403 of an endpoint that needs an API key.</summary>
    /// <param name="operation">The operation being described.</param>
    /// <param name="context">Its endpoint.</param>
    /// <param name="ct">Cancellation of the document's generation.</param>
    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        foreach (var header in metadata.OfType<RequestHeader>().Distinct())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Required = false,
                Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key, or one that is unknown or revoked" });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The API key lacks the scope this endpoint needs" });
        }

        return Task.CompletedTask;
    }
}
