using Handoff.Access;
using Handoff.Notifications;
using Handoff.Web.Hosting;

namespace Handoff.Web.Api;

/// <summary>In-app notifications and webhook subscriptions.</summary>
internal static class NotificationsApi
{
    public static void MapNotificationsApi(this IEndpointRouteBuilder routes)
    {
        var notifications = routes.MapGroup("/api/notifications").WithTags("Notifications");
        notifications.MapGet("/", List).RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("A user's notifications, newest first (?userId=…&unread=true&limit=50)")
            .Produces<IReadOnlyList<NotificationView>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        notifications.MapPost("/{id:guid}/read", async (Guid id, Inbox inbox, CancellationToken ct) => (await inbox.MarkReadAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Mark a notification read").Produces<NotificationView>().ProducesProblem(StatusCodes.Status404NotFound);

        var webhooks = routes.MapGroup("/api/webhooks").WithTags("Notifications").RequireAuthorization(nameof(ApiScope.Admin));
        webhooks.MapGet("/", async (WebhookSubscriptions subscriptions, CancellationToken ct) => TypedResults.Ok(await subscriptions.ListAsync(ct)))
            .WithSummary("Active webhook subscriptions");
        webhooks.MapPost("/", async (WebhookRequest body, WebhookSubscriptions subscriptions, CancellationToken ct) =>
                (await subscriptions.CreateAsync(body, ct)).ToHttp(s => TypedResults.Created($"/api/webhooks/{s.Id}", s)))
            .WithSummary("Subscribe a URL to events; every delivery is signed: X-Handoff-Signature: sha256=HMAC(secret, timestamp + \".\" + body)")
            .Produces<WebhookView>(StatusCodes.Status201Created).ProducesValidationProblem();
        webhooks.MapDelete("/{id:guid}", async (Guid id, WebhookSubscriptions subscriptions, CancellationToken ct) =>
                (await subscriptions.DeleteAsync(id, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Stop a subscription").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        webhooks.MapGet("/{id:guid}/deliveries", async (Guid id, WebhookSubscriptions subscriptions, CancellationToken ct) =>
                (await subscriptions.DeliveriesAsync(id, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("The latest deliveries of a subscription: delivered, pending (with the next attempt) or dead")
            .Produces<IReadOnlyList<WebhookDeliveryView>>();
        webhooks.MapPost("/deliver", async (DeliveryWorker worker, CancellationToken ct) => TypedResults.Ok(new { done = await worker.DeliverOnceAsync(ct) }))
            .WithSummary("Run one delivery round now (the worker does it every second anyway)");
    }

    private static async Task<IResult> List(string? userId, bool? unread, int? limit, Inbox inbox, CancellationToken ct)
    {
        if (!Guid.TryParse(userId, out var id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["is required: the id of a user"] });
        }

        return (await inbox.ListAsync(id, unread ?? false, limit ?? 50, ct)).ToHttp(TypedResults.Ok);
    }
}
