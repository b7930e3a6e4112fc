using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Handoff.Access;
using Handoff.Activities;
using Handoff.Capture;
using Handoff.Common;
using Handoff.Leads;
using Handoff.Web.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Api;

/// <summary>Query string of <c>GET /api/leads</c>; parsed by hand so that each bad value is named.</summary>
internal sealed record LeadQuery(
    [property: FromQuery(Name = "stage")] string[]? Stage,
    [property: FromQuery(Name = "ownerId")] string? OwnerId,
    [property: FromQuery(Name = "source")] string? Source,
    [property: FromQuery(Name = "reason")] string[]? Reason,
    [property: FromQuery(Name = "createdFrom")] string? CreatedFrom,
    [property: FromQuery(Name = "createdTo")] string? CreatedTo,
    [property: FromQuery(Name = "fitGrade")] string[]? FitGrade,
    [property: FromQuery(Name = "minFitScore")] string? MinFitScore,
    [property: FromQuery(Name = "minEngagementScore")] string? MinEngagementScore,
    [property: FromQuery(Name = "minIntentScore")] string? MinIntentScore,
    [property: FromQuery(Name = "sort")] string? Sort,
    [property: FromQuery(Name = "q")] string? Q,
    [property: FromQuery(Name = "cursor")] string? Cursor,
    [property: FromQuery(Name = "limit")] string? Limit);

/// <summary>
/// The answer to a capture for a key that may capture but not read (an integration that only pushes): what the issue
/// of capture promises (the lead's id, stage, owner or queue, scores, and <c>duplicateOf</c> / <c>junkReason</c>), not
/// the lead's fields. The whole lead would tell such a key everything the CRM holds on anyone whose email it knows.
/// </summary>
internal sealed record CaptureReceipt(CaptureReceipt.LeadSummary Lead, bool Created, Guid? DuplicateOf, string? JunkReason, Guid ActivityId)
{
    public static CaptureReceipt Of(CaptureAnswer a) => new(
        new LeadSummary(a.Lead.Id, a.Lead.Stage, a.Lead.Owner, a.Lead.FitScore, a.Lead.EngagementScore, a.Lead.IntentScore, a.Lead.FitGrade),
        a.Created, a.DuplicateOf, a.JunkReason, a.ActivityId);

    internal sealed record LeadSummary(Guid Id, LeadStage Stage, Owner Owner, int FitScore, int EngagementScore, int IntentScore, string? FitGrade);
}

/// <summary>Undo body: an optional note.</summary>
internal sealed record UndoRequest(string? Note = null);

/// <summary>The lead endpoints: capture, read, list, edit, move, undo, reassign, history.</summary>
internal static class LeadsApi
{
    public static RouteGroupBuilder MapLeadsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/leads").WithTags("Leads");

        group.MapPost("/", Create).RequireAuthorization(nameof(ApiScope.Capture))
            .AddEndpointFilter<Idempotency>().WithMetadata(RequestHeader.IdempotencyKey).WithMetadata(Idempotency.Captures)
            .Accepts<CaptureLeadRequest>("application/json")
            .WithSummary("Capture a lead: creates it (201), or updates the open lead with the same email (200, duplicateOf)")
            .Produces<CaptureAnswer>(StatusCodes.Status201Created).Produces<CaptureAnswer>().ProducesValidationProblem()
            .WithMetadata(new AlternativeResponse(
                typeof(CaptureReceipt),
                "CaptureAnswer (the whole lead) for a key with the Read scope; CaptureReceipt (id, stage, owner, scores) for a capture-only key.",
                StatusCodes.Status201Created,
                StatusCodes.Status200OK))
            .WithDescription("A key with the Read scope gets the whole lead (CaptureAnswer); a capture-only key gets its id, stage, owner and scores (CaptureReceipt).");
        group.MapGet("/", List).RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("List leads, newest first, with filters and cursor pagination")
            .Produces<Page<LeadView>>().ProducesValidationProblem();
        group.MapGet("/{id:guid}", Get).RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Read a lead (ETag carries its version)")
            .Produces<LeadView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPatch("/{id:guid}", Patch).RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Edit fields (JSON merge patch); stage, owner, scores and ids are refused")
            .Accepts<LeadDetails>("application/merge-patch+json", "application/json")
            .Produces<LeadView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(RequestHeader.IfMatch);
        group.MapPost("/{id:guid}/transitions", Transition).RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Move the lead to another stage")
            .Produces<LeadView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(RequestHeader.IfMatch);
        group.MapPost("/{id:guid}/transitions/undo", Undo).RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Undo the latest move with a compensating change")
            .Produces<LeadView>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(RequestHeader.IfMatch);
        group.MapPut("/{id:guid}/owner", Assign).RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Reassign the lead to a user or a queue")
            .Produces<LeadView>().ProducesValidationProblem()
            .WithMetadata(RequestHeader.IfMatch);
        group.MapGet("/{id:guid}/history", History).RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The lead's append-only history: every change with actor, reason and time")
            .Produces<IReadOnlyList<HistoryEntry>>();
        group.MapGet("/{id:guid}/duplicates", async (Guid id, MergeLeads merge, CancellationToken ct) => (await merge.SuggestAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Leads that are probably the same person, with a confidence and the reasons")
            .Produces<IReadOnlyList<DuplicateSuggestion>>();
        group.MapPost("/{id:guid}/merge", async (Guid id, MergeRequest body, MergeLeads merge, ClaimsPrincipal user, CancellationToken ct) =>
                (await merge.MergeAsync(id, body, user.ActorOf(), ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Merge another lead into this one: fields by survivorship rule, activities and both histories kept")
            .Produces<LeadView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id:guid}/activities", Activities).RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The lead's touches, newest first (limit 1-1000, default 200)")
            .Produces<IReadOnlyList<ActivityView>>();
        return group;
    }

    private static async Task<IResult> Activities(Guid id, int? limit, LeadActivities activities, CancellationToken ct) =>
        (await activities.HandleAsync(id, limit ?? 200, ct)).ToHttp(TypedResults.Ok);

    private static async Task<IResult> Create(CaptureLead capture, ClaimsPrincipal user, HttpContext http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<CaptureLeadRequest>(http.Request, json.Value.SerializerOptions, ct);
        if (errors is not null)
        {
            return ApiResults.Problem(WithTheValuesOf(body, errors));
        }

        var context = ContextOf(body!);
        var reads = user.HasClaim(ApiKeyAuthentication.ScopeClaim, nameof(ApiScope.Read));
        return (await capture.HandleAsync(body!, context, user.ActorOf(), Idempotency.ClaimFor(http, Created), ct)).ToHttp(Created);

        IResult Created(CaptureAnswer answer)
        {
            object value = reads ? answer : CaptureReceipt.Of(answer);
            return answer.Created ? TypedResults.Created($"/api/leads/{answer.Lead.Id}", value) : TypedResults.Ok(value);
        }
    }

    private static CaptureContext ContextOf(CaptureLeadRequest body) => new()
    {
        Channel = "api",
        VisitorId = body.VisitorId,
        PageUrl = body.PageUrl,
        ActivityType = body.ActivityType ?? ActivityType.FormSubmit,
    };

    /// <summary>
    /// The fields that could not be read (a wrong type, an unknown name), and the values of those that could, checked
    /// as a capture checks them: a client hears of every bad field at once, not one per attempt.
    /// </summary>
    private static ValidationError WithTheValuesOf(CaptureLeadRequest? readable, FieldErrors unreadable)
    {
        var named = unreadable.ToError();
        if (readable is null)
        {
            return named;
        }

        var values = new FieldErrors();
        CaptureLead.Validate(readable.Normalize(), ContextOf(readable), values);
        var all = new Dictionary<string, string[]>(named.Fields, StringComparer.Ordinal);
        foreach (var (field, messages) in values.ToError().Fields)
        {
            all.TryAdd(field, messages); // a field that could not be read has said enough
        }

        return new ValidationError(all);
    }

    private static async Task<IResult> Get(Guid id, GetLead get, HttpContext http, CancellationToken ct) =>
        (await get.HandleAsync(id, ct)).ToHttp(lead => WithETag(http, lead));

    private static async Task<IResult> List([AsParameters] LeadQuery query, ListLeads list, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var stages = new List<LeadStage>();
        foreach (var value in (query.Stage ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (Enum.TryParse<LeadStage>(value, ignoreCase: true, out var stage) && Enum.IsDefined(stage))
            {
                stages.Add(stage);
            }
            else
            {
                errors.Add("stage", $"'{value}' is not a stage; use one of {string.Join(", ", Enum.GetNames<LeadStage>())}");
            }
        }

        Guid? ownerId = null;
        if (query.OwnerId is not null)
        {
            if (Guid.TryParse(query.OwnerId, out var parsed))
            {
                ownerId = parsed;
            }
            else
            {
                errors.Add("ownerId", "must be the id of a user or a queue");
            }
        }

        var grades = new List<string>();
        foreach (var value in (query.FitGrade ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (value.ToUpperInvariant() is "A" or "B" or "C" or "D")
            {
                grades.Add(value.ToUpperInvariant());
            }
            else
            {
                errors.Add("fitGrade", $"'{value}' is not a fit grade; use A, B, C or D");
            }
        }

        var reasons = new List<string>();
        foreach (var value in (query.Reason ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (value.Length is > 0 and <= 50)
            {
                reasons.Add(value.ToLowerInvariant());
            }
            else
            {
                errors.Add("reason", "each reason code is at most 50 characters");
            }
        }

        var minFit = Score(query.MinFitScore, "minFitScore");
        var minEngagement = Score(query.MinEngagementScore, "minEngagementScore");
        var minIntent = Score(query.MinIntentScore, "minIntentScore");
        var sort = LeadSort.Newest;
        if (query.Sort is not null && !(Enum.TryParse(query.Sort, ignoreCase: true, out sort) && Enum.IsDefined(sort)))
        {
            errors.Add("sort", $"'{query.Sort}' is not an order; use one of {string.Join(", ", Enum.GetNames<LeadSort>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}");
        }

        var createdFrom = ApiResults.QueryTime(query.CreatedFrom, "createdFrom", errors);
        var createdTo = ApiResults.QueryTime(query.CreatedTo, "createdTo", errors);
        var limit = LeadFilter.DefaultLimit;
        if (query.Limit is not null && !int.TryParse(query.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
        {
            errors.Add("limit", "must be a whole number");
        }

        if (errors.Any)
        {
            return ApiResults.Problem(errors.ToError());
        }

        var filter = new LeadFilter
        {
            Stages = stages,
            OwnerId = ownerId,
            Source = string.IsNullOrWhiteSpace(query.Source) ? null : query.Source.Trim(),
            Reasons = reasons,
            CreatedFrom = createdFrom,
            CreatedTo = createdTo,
            Sort = sort,
            FitGrades = grades,
            MinFitScore = minFit,
            MinEngagementScore = minEngagement,
            MinIntentScore = minIntent,
            Text = query.Q,
            Cursor = string.IsNullOrEmpty(query.Cursor) ? null : query.Cursor,
            Limit = limit,
        };
        return (await list.HandleAsync(filter, ct)).ToHttp(TypedResults.Ok);

        int? Score(string? value, string name)
        {
            if (value is null)
            {
                return null;
            }

            if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var score))
            {
                return score;
            }

            errors.Add(name, "must be a whole number");
            return null;
        }
    }

    private static async Task<IResult> Patch(Guid id, JsonObject body, UpdateLead update, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!ApiResults.TryReadIfMatch(http.Request.Headers.IfMatch, out var version, out var problem))
        {
            return problem!;
        }

        return (await update.HandleAsync(id, body, version, user.ActorOf(), ct)).ToHttp(lead => WithETag(http, lead));
    }

    private static async Task<IResult> Transition(Guid id, TransitionRequest body, TransitionLead transition, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!ApiResults.TryReadIfMatch(http.Request.Headers.IfMatch, out var version, out var problem))
        {
            return problem!;
        }

        return (await transition.HandleAsync(id, body, version, user.ActorOf(), ct)).ToHttp(lead => WithETag(http, lead));
    }

    private static async Task<IResult> Undo(Guid id, UndoRequest? body, TransitionLead transition, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!ApiResults.TryReadIfMatch(http.Request.Headers.IfMatch, out var version, out var problem))
        {
            return problem!;
        }

        return (await transition.UndoAsync(id, body?.Note, version, user.ActorOf(), ct)).ToHttp(lead => WithETag(http, lead));
    }

    private static async Task<IResult> Assign(Guid id, AssignRequest body, AssignLead assign, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!ApiResults.TryReadIfMatch(http.Request.Headers.IfMatch, out var version, out var problem))
        {
            return problem!;
        }

        return (await assign.HandleAsync(id, body, version, user.ActorOf(), ct)).ToHttp(lead => WithETag(http, lead));
    }

    private static async Task<IResult> History(Guid id, LeadHistory history, CancellationToken ct) =>
        (await history.HandleAsync(id, ct)).ToHttp(TypedResults.Ok);

    private static Ok<LeadView> WithETag(HttpContext http, LeadView lead)
    {
        http.Response.Headers.ETag = ApiResults.ETag(lead.Version);
        return TypedResults.Ok(lead);
    }
}
