using System.Globalization;
using System.Security.Claims;
using Handoff.Access;
using Handoff.Common;
using Handoff.Qualification;
using Handoff.Web.Hosting;

namespace Handoff.Web.Api;

/// <summary>The qualification contract: definitions and sign-off, evaluation and answers, sales decisions, exceptions, stuck leads.</summary>
internal static class QualificationApi
{
    public static void MapQualificationApi(this IEndpointRouteBuilder routes)
    {
        var definitions = routes.MapGroup("/api/qualification/definitions").WithTags("Qualification");
        definitions.MapGet("/", async (Definitions d, CancellationToken ct) => TypedResults.Ok(await d.ListAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Every definition version, newest first, with its state, sign-offs and review status");
        definitions.MapPost("/", async (DraftDefinitionRequest body, Definitions d, ClaimsPrincipal user, CancellationToken ct) =>
                (await d.DraftAsync(body, user.ActorOf(), ct)).ToHttp(v => TypedResults.Created($"/api/qualification/definitions/{v.Version}", v)))
            .RequireAuthorization(nameof(ApiScope.Write))
            .AddEndpointFilter<Idempotency>().WithMetadata(RequestHeader.IdempotencyKey)
            .WithSummary("Draft a new version (MQL and SQL criteria, source variations, SLA and recycle policies)")
            .Produces<DefinitionView>(StatusCodes.Status201Created).ProducesValidationProblem();
        definitions.MapGet("/active", async (Definitions d, CancellationToken ct) => (await d.ActiveAsync(ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The version in force now")
            .Produces<DefinitionView>().ProducesProblem(StatusCodes.Status404NotFound);
        definitions.MapGet("/diff", Diff).RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Every difference between two versions: ?from=1&to=2")
            .Produces<DefinitionDiff>().ProducesValidationProblem();
        definitions.MapGet("/{version:int}", async (int version, Definitions d, CancellationToken ct) => (await d.GetAsync(version, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .Produces<DefinitionView>().ProducesProblem(StatusCodes.Status404NotFound);
        definitions.MapPost("/{version:int}/signoffs", async (int version, SignOffRequest body, Definitions d, CancellationToken ct) =>
                (await d.SignAsync(version, body, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Sign a draft as a marketing (role marketing) or sales (sdr, ae, manager) approver, with a comment")
            .Produces<DefinitionView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        definitions.MapPost("/{version:int}/activate", async (int version, ActivateRequest? body, Definitions d, ClaimsPrincipal user, CancellationToken ct) =>
                (await d.ActivateAsync(version, body ?? new ActivateRequest(), user.ActorOf(), ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Activate a signed draft now or from a later date (activeFrom)")
            .Produces<DefinitionView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        definitions.MapPost("/{version:int}/reviews", async (int version, ReviewRequest body, Definitions d, CancellationToken ct) =>
                (await d.ReviewAsync(version, body, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Record a review of an activated version; the next review falls due a period later")
            .Produces<DefinitionView>().ProducesValidationProblem();

        var qualification = routes.MapGroup("/api/qualification").WithTags("Qualification");
        qualification.MapGet("/frameworks", () => TypedResults.Ok(Frameworks.BuiltIn))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The built-in frameworks (BANT, MEDDIC, CHAMP) with their criteria");
        qualification.MapGet("/exceptions", async (int? limit, QualificationExceptions exceptions, CancellationToken ct) =>
                TypedResults.Ok(await exceptions.ListAsync(limit ?? 200, ct)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("SQL designations made by override, with the justification and what failed, newest first");

        routes.MapGet("/api/reports/stuck-leads", async (StuckLeads report, CancellationToken ct) => TypedResults.Ok(await report.HandleAsync(ct)))
            .WithTags("Reports").RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Every open lead that breaks an invariant or overstays its stage, by owner");

        var leads = routes.MapGroup("/api/leads/{id:guid}").WithTags("Qualification");
        leads.MapGet("/evaluation", async (Guid id, LeadEvaluator evaluator, CancellationToken ct) => (await evaluator.HandleAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The lead under the active definition: pass/fail per MQL rule and SQL criterion, with reasons")
            .Produces<Evaluation>().ProducesProblem(StatusCodes.Status409Conflict);
        leads.MapPost("/answers", async (Guid id, AnswersRequest body, RecordAnswers answers, ClaimsPrincipal user, CancellationToken ct) =>
                (await answers.HandleAsync(id, body, user.ActorOf(), ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Answer framework criteria with evidence (note, activities, conversation lines, fields); answers the new evaluation")
            .Produces<Evaluation>().ProducesValidationProblem();
        leads.MapPost("/accept", (Guid id, AcceptRequest? body, LeadDecisions d, HttpContext http, ClaimsPrincipal user, CancellationToken ct) =>
                Decide(http, version => d.AcceptAsync(id, body ?? new AcceptRequest(), version, user.ActorOf(), ct)))
            .RequireAuthorization(nameof(ApiScope.Write)).WithSummary("Sales accepts an MQL (→ SAL)")
            .WithMetadata(RequestHeader.IfMatch);
        leads.MapPost("/reject", (Guid id, RejectRequest body, LeadDecisions d, HttpContext http, ClaimsPrincipal user, CancellationToken ct) =>
                Decide(http, version => d.RejectAsync(id, body, version, user.ActorOf(), ct)))
            .RequireAuthorization(nameof(ApiScope.Write)).WithSummary("Sales rejects an MQL with a reason code and a note (→ Disqualified)")
            .WithMetadata(RequestHeader.IfMatch);
        leads.MapPost("/disqualify", (Guid id, RejectRequest body, LeadDecisions d, HttpContext http, ClaimsPrincipal user, CancellationToken ct) =>
                Decide(http, version => d.DisqualifyAsync(id, body, version, user.ActorOf(), ct)))
            .RequireAuthorization(nameof(ApiScope.Write)).WithSummary("Disqualify an open lead (wrong fit) with a reason code")
            .WithMetadata(RequestHeader.IfMatch);
        leads.MapPost("/recycle", (Guid id, RecycleRequest body, LeadDecisions d, HttpContext http, ClaimsPrincipal user, CancellationToken ct) =>
                Decide(http, version => d.RecycleAsync(id, body, version, user.ActorOf(), ct)))
            .RequireAuthorization(nameof(ApiScope.Write)).WithSummary("Recycle to Nurture (right fit, wrong time) with a reason and a wake date (default from the recycle policy)")
            .WithMetadata(RequestHeader.IfMatch);
        leads.MapPost("/qualify", (Guid id, QualifyRequest? body, LeadDecisions d, HttpContext http, ClaimsPrincipal user, CancellationToken ct) =>
                Decide(http, version => d.QualifyAsync(id, body ?? new QualifyRequest(), version, user.ActorOf(), ct)))
            .RequireAuthorization(nameof(ApiScope.Write))
            .WithSummary("Designate SQL: needs a pass under the active definition, or a written justification (listed as an exception)")
            .WithMetadata(RequestHeader.IfMatch);
    }

    private static async Task<IResult> Decide(HttpContext http, Func<int?, Task<Result<Leads.LeadView>>> decide)
    {
        if (!ApiResults.TryReadIfMatch(http.Request.Headers.IfMatch, out var version, out var problem))
        {
            return problem!;
        }

        return (await decide(version)).ToHttp(lead =>
        {
            http.Response.Headers.ETag = ApiResults.ETag(lead.Version);
            return TypedResults.Ok(lead);
        });
    }

    private static async Task<IResult> Diff(string? from, string? to, Definitions definitions, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var a = 0;
        var b = 0;
        if (!int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out a) || a < 1)
        {
            errors.Add("from", "must be a definition version, e.g. ?from=1&to=2");
        }

        if (!int.TryParse(to, NumberStyles.None, CultureInfo.InvariantCulture, out b) || b < 1)
        {
            errors.Add("to", "must be a definition version, e.g. ?from=1&to=2");
        }

        if (errors.Any)
        {
            return ApiResults.Problem(errors.ToError());
        }

        return (await definitions.DiffAsync(a, b, ct)).ToHttp(TypedResults.Ok);
    }
}
