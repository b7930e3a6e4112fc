using Microsoft.AspNetCore.Mvc;

namespace Handoff.Web.Api;

/// <summary>All HTTP endpoints of Handoff.</summary>
internal static class HandoffApi
{
    /// <summary>JSON bodies above this size are refused with 413 before they are read.</summary>
    public const long MaxJsonBody = 1024 * 1024;

    public static void MapHandoffApi(this WebApplication app)
    {
        var api = app.MapGroup("").WithMetadata(new RequestSizeLimitAttribute(MaxJsonBody));
        api.MapLeadsApi();
        api.MapAdminApi();
        api.MapRoutingApi();
        app.MapActivitiesApi();
        app.MapFormsApi();
        app.MapImportsApi();
        api.MapScoringApi();
        api.MapQualificationApi();
        api.MapPipelineApi();
        api.MapSlaApi();
        api.MapNotificationsApi();
        api.MapPredictiveApi();
        app.MapGet("/", () => TypedResults.Redirect("/reference")).ExcludeFromDescription();
    }
}
