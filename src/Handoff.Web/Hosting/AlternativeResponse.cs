using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Handoff.Web.Hosting;

/// <summary>
/// Endpoint metadata: besides its declared answer, the endpoint may answer <paramref name="Type"/> with the same
/// statuses (<c>POST /api/leads</c>: a capture-only key gets a <c>CaptureReceipt</c>, not the whole lead). ASP.NET
/// describes one type per status; <see cref="DescribeAsync"/> makes the document say "one of the two".
/// </summary>
/// <param name="Type">The other answer's type.</param>
/// <param name="When">When the endpoint answers with it, for the schema's description.</param>
/// <param name="StatusCodes">The statuses it comes with.</param>
internal sealed record AlternativeResponse(Type Type, string When, params int[] StatusCodes)
{
    /// <summary>An OpenAPI operation transformer: each declared answer of such an endpoint becomes <c>oneOf</c> it and the alternative.</summary>
    /// <param name="operation">The operation being described.</param>
    /// <param name="context">Its endpoint and the document.</param>
    /// <param name="ct">Cancellation of the document's generation.</param>
    public static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Document is not { } document || operation.Responses is not { } responses)
        {
            return;
        }

        foreach (var alternative in context.Description.ActionDescriptor.EndpointMetadata.OfType<AlternativeResponse>())
        {
            var id = alternative.Type.Name;
            document.AddComponent(id, await context.GetOrCreateSchemaAsync(alternative.Type, null, ct));
            foreach (var status in alternative.StatusCodes)
            {
                if (responses.TryGetValue(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response)
                    && response.Content?.TryGetValue("application/json", out var media) == true && media.Schema is { } declared)
                {
                    media.Schema = new OpenApiSchema
                    {
                        OneOf = [declared, new OpenApiSchemaReference(id, document)],
                        Description = alternative.When,
                    };
                }
            }
        }
    }
}
