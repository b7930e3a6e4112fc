using System.Net;
using System.Text.Json;
using Handoff.Access;
using Handoff.Capture;
using Handoff.Common;
using Handoff.Web.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Caching.Memory;

namespace Handoff.Web.Api;

/// <summary>HubSpot's form submission shape: <c>{"fields":[{"name":…,"value":…}],"context":{…}}</c>.</summary>
/// <remarks>
/// The rest of HubSpot's shape is accepted and not used: <c>submittedAt</c>, <c>skipValidation</c>,
/// <c>legalConsentOptions</c>, each field's <c>objectTypeId</c>, and the context's campaign and webinar keys.
/// </remarks>
internal sealed record HubSpotSubmission(List<HubSpotField>? Fields, HubSpotContext? Context, JsonElement SubmittedAt, JsonElement SkipValidation, JsonElement LegalConsentOptions);

internal sealed record HubSpotField(string? Name, JsonElement Value, string? ObjectTypeId);

internal sealed record HubSpotContext(string? PageUri, string? PageName, string? IpAddress, string? Hutk, string? SfdcCampaignId, string? GoToWebinarWebinarKey);

/// <summary>Hosted forms: the public post endpoint for websites, and their administration.</summary>
internal static class FormsApi
{
    public const string RateLimitPolicy = "forms";

    public static void MapFormsApi(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/forms").WithTags("Forms").RequireAuthorization(nameof(ApiScope.Admin));
        admin.MapPost("/", async (WebFormRequest body, WebForms forms, CancellationToken ct) =>
                (await forms.CreateAsync(body, ct)).ToHttp(f => TypedResults.Created($"/api/forms/{f.Id}", f)))
            .WithSummary("Create a hosted form").Produces<WebFormView>(StatusCodes.Status201Created).ProducesValidationProblem();
        admin.MapGet("/", async (WebForms forms, CancellationToken ct) => TypedResults.Ok(await forms.ListAsync(ct)));
        admin.MapGet("/{id:guid}", async (Guid id, WebForms forms, CancellationToken ct) => (await forms.GetAsync(id, ct)).ToHttp(TypedResults.Ok));
        admin.MapGet("/{id:guid}/embed", async (Guid id, WebForms forms, HttpRequest request, CancellationToken ct) =>
                (await forms.GetAsync(id, ct)).ToHttp(f => TypedResults.Text(WebForms.EmbedSnippet(f, $"{request.Scheme}://{request.Host}"), "text/html")))
            .WithSummary("The HTML snippet to paste into a web page");

        var post = routes.MapPost("/f/{formKey}", Submit)
            .WithTags("Forms")
            .AllowAnonymous()
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimitPolicy)
            .AddEndpointFilter<Idempotency>().WithMetadata(RequestHeader.IdempotencyKey).WithMetadata(Idempotency.Captures)
            .WithMetadata(new RequestSizeLimitAttribute(256 * 1024))
            .WithSummary("Public form post: urlencoded or multipart (Salesforce Web-to-Lead names) or HubSpot-style JSON");
        routes.MapMethods("/f/{formKey}", [HttpMethods.Options], Preflight).AllowAnonymous().ExcludeFromDescription();
        _ = post;
    }

    private static async Task<IResult> Submit(string formKey, HttpContext http, WebForms forms, CaptureLead capture, CancellationToken ct)
    {
        var form = await forms.FindActiveAsync(formKey, ct);
        if (form is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "No such form.", detail: $"There is no active form with key '{formKey}'.");
        }

        var origin = http.Request.Headers.Origin.ToString();
        if (!form.AllowsOrigin(origin.Length == 0 ? null : origin))
        {
            return TypedResults.Problem(statusCode: 403, title: "Origin not allowed.", detail: origin == "null"
                ? "A page without an origin of its own (Origin: null: a sandboxed frame, a file, a data: URL) may not post to this form."
                : $"Pages on {origin} may not post to this form.");
        }

        if (origin.Length > 0 && origin != "null")
        {
            http.Response.Headers.AccessControlAllowOrigin = origin;
            http.Response.Headers.Vary = "Origin";
        }

        var json = http.Request.HasJsonContentType();
        List<KeyValuePair<string, string?>> posted;
        if (json)
        {
            HubSpotSubmission? body;
            try
            {
                body = await http.Request.ReadFromJsonAsync<HubSpotSubmission>(ct);
            }
            catch (JsonException e)
            {
                var (field, message) = JsonErrors.Explain(e, typeof(HubSpotSubmission));
                return ApiResults.Problem(ValidationError.For(field, message));
            }

            if (body?.Fields is null)
            {
                return ApiResults.Problem(ValidationError.For("fields", "send the form fields as \"fields\": [{\"name\": …, \"value\": …}]"));
            }

            posted = [.. body.Fields.Where(f => f?.Name is not null)
                .Select(f => new KeyValuePair<string, string?>(f.Name!, f.Value.ValueKind == JsonValueKind.String ? f.Value.GetString() : f.Value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : f.Value.GetRawText()))
                .Concat(Context(body.Context))];
        }
        else if (http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            var (fields, problem) = await UrlEncodedForm.ReadAsync(http.Request, ct);
            if (fields is null)
            {
                return ErrorPage(ValidationError.For("body", $"the form could not be read: {problem}"));
            }

            posted = [.. fields];
        }
        else if (http.Request.HasFormContentType)
        {
            IFormCollection multipart;
            try
            {
                multipart = await http.Request.ReadFormAsync(ct);
            }
            catch (Exception e) when (ApiResults.IsBadMultipart(e) || e is InvalidOperationException)
            {
                // Also a multipart content type without its boundary (InvalidOperationException).
                return ErrorPage(ValidationError.For("body", $"the form could not be read: {e.Message}"));
            }

            posted = [.. multipart.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value.ToString()))];
        }
        else
        {
            return TypedResults.Problem(statusCode: 415, title: "Send the form as application/x-www-form-urlencoded, multipart/form-data or application/json.");
        }

        var mapped = FormSubmission.Map(form, posted);
        var context = new CaptureContext
        {
            Channel = "form",
            ActivityType = form.ActivityType,
            FormKey = form.Key,
            VisitorId = mapped.VisitorId ?? http.Request.Cookies["handoff_vid"],
            PageUrl = mapped.PageUrl ?? Referer(http),
            HoneypotFilled = mapped.HoneypotFilled,
            RequiresPerson = form.RequiresPerson,
            Properties = mapped.Properties,
        };

        // Public answer: nothing about the lead, so a form cannot be used to probe who is in the CRM.
        IResult received = json ? TypedResults.Ok(new { status = "received" })
            : form.SafeReturnUrl(mapped.ReturnUrl) is { } back ? TypedResults.Redirect(WebForm.Location(back), permanent: false, preserveMethod: false)
            : TypedResults.Content(Page("Thank you", "<p>Thanks, we received your details and will be in touch.</p>"), "text/html");
        var actor = new Actor(ActorKind.Integration, "form:" + form.Key, "Form " + form.Name);
        // Without an Idempotency-Key (a plain HTML form cannot send one), the submission itself is the key: a double
        // click, a resubmitted page or a bot's repeat posts the same fields again and gets the first answer back.
        var keyed = Idempotency.ClaimFor(http, _ => received);
        Result<CaptureAnswer> result;
        try
        {
            result = await capture.HandleAsync(mapped.Details, context, actor, keyed ?? Idempotency.ClaimForSubmission(http, posted, context, received), ct);
        }
        catch (IdempotencyKeyUsedException repeated) when (keyed is null)
        {
            return Idempotency.Replay(http, repeated.Record); // with a key of the client's, the Idempotency filter answers
        }

        return result.Error is not { } failed ? received
            : mapped.InPostedNames(failed) is var error && json ? ApiResults.Problem(error) : ErrorPage(error);
    }

    private static async Task<IResult> Preflight(string formKey, HttpContext http, WebForms forms, CancellationToken ct)
    {
        var form = await forms.FindActiveAsync(formKey, ct);
        var origin = http.Request.Headers.Origin.ToString();
        if (form is null || origin.Length == 0 || !form.AllowsOrigin(origin))
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

        http.Response.Headers.AccessControlAllowOrigin = origin;
        http.Response.Headers.AccessControlAllowMethods = "POST";
        http.Response.Headers.AccessControlAllowHeaders = "Content-Type, Idempotency-Key";
        http.Response.Headers.AccessControlMaxAge = "600";
        http.Response.Headers.Vary = "Origin";
        return TypedResults.NoContent();
    }

    /// <summary>
    /// For a post the rate limiter refuses: the CORS headers, when the form allows the page's origin, so that the
    /// page's script reads the 429 ("too many requests") instead of an opaque CORS failure. The form is cached for a
    /// minute: a flood of refused posts asks the database once a minute per form, not once a post.
    /// </summary>
    /// <param name="http">The refused request.</param>
    /// <param name="ct">The request's cancellation.</param>
    public static async Task AllowTheOriginOfARefusedPostAsync(HttpContext http, CancellationToken ct)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null" || http.GetRouteValue("formKey") is not string formKey)
        {
            return;
        }

        var form = await http.RequestServices.GetRequiredService<IMemoryCache>().GetOrCreateAsync(
            "refused-form:" + formKey,
            entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1);
                return http.RequestServices.GetRequiredService<WebForms>().FindActiveAsync(formKey, ct);
            });
        if (form is not null && form.AllowsOrigin(origin))
        {
            http.Response.Headers.AccessControlAllowOrigin = origin;
            http.Response.Headers.Vary = "Origin";
        }
    }

    private static IEnumerable<KeyValuePair<string, string?>> Context(HubSpotContext? context)
    {
        if (context is null)
        {
            yield break;
        }

        yield return new("pageUri", context.PageUri);
        yield return new("pageName", context.PageName);
        yield return new("hutk", context.Hutk);
    }

    private static string? Referer(HttpContext http) =>
        http.Request.Headers.Referer.ToString() is { Length: > 0 and <= 2000 } referer ? referer : null;

    private static ContentHttpResult ErrorPage(Error error)
    {
        var items = error is ValidationError v
            ? string.Concat(v.Fields.SelectMany(f => f.Value.Select(m => $"<li><b>{WebUtility.HtmlEncode(f.Key)}</b>: {WebUtility.HtmlEncode(m)}</li>")))
            : $"<li>{WebUtility.HtmlEncode(error.Message)}</li>";
        return TypedResults.Content(
            Page("Please check the form", $"<p>Some fields need another look:</p><ul>{items}</ul><p><a href=\"javascript:history.back()\">Back to the form</a></p>"),
            "text/html",
            statusCode: StatusCodes.Status400BadRequest);
    }

    private static string Page(string title, string body) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>" +
        $"<body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem\"><h1>{title}</h1>{body}</body></html>";
}
