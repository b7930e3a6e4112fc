using System.Globalization;
using System.Security.Claims;
using Handoff.Access;
using Handoff.Common;
using Handoff.Sla;
using Handoff.Web.Hosting;

namespace Handoff.Web.Api;

/// <summary>Service levels: calendars, versioned policies, a lead's clocks, speed-to-lead, and a sweep on demand.</summary>
internal static class SlaApi
{
    public static void MapSlaApi(this IEndpointRouteBuilder routes)
    {
        var sla = routes.MapGroup("/api/sla").WithTags("Service levels");

        sla.MapGet("/calendars", async (SlaCalendars calendars, CancellationToken ct) => TypedResults.Ok(await calendars.ListAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Business calendars: time zone, working hours per weekday, holidays");
        sla.MapGet("/calendars/{id:guid}", async (Guid id, SlaCalendars calendars, CancellationToken ct) => (await calendars.GetAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("One business calendar").Produces<CalendarView>().ProducesProblem(StatusCodes.Status404NotFound);
        sla.MapPost("/calendars", async (CalendarRequest body, SlaCalendars calendars, CancellationToken ct) =>
                (await calendars.CreateAsync(body, ct)).ToHttp(c => TypedResults.Created($"/api/sla/calendars/{c.Id}", c)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Create a business calendar").Produces<CalendarView>(StatusCodes.Status201Created).ProducesValidationProblem();
        sla.MapPut("/calendars/{id:guid}", async (Guid id, CalendarRequest body, SlaCalendars calendars, CancellationToken ct) =>
                (await calendars.ReplaceAsync(id, body, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Replace a business calendar (applies to clocks started from now on)").Produces<CalendarView>().ProducesValidationProblem();
        sla.MapGet("/calendars/{id:guid}/deadline", Deadline)
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("When N business minutes after a start end on this calendar (?start=2026-12-04T16:30:00Z&minutes=60)");

        sla.MapGet("/policies", async (SlaPolicies policies, CancellationToken ct) => TypedResults.Ok(await policies.ListAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The current version of every service-level policy");
        sla.MapGet("/policies/{key}", async (string key, SlaPolicies policies, CancellationToken ct) => (await policies.GetAsync(key, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("The current version of one policy").Produces<SlaPolicyView>().ProducesProblem(StatusCodes.Status404NotFound);
        sla.MapGet("/policies/{key}/versions", async (string key, SlaPolicies policies, CancellationToken ct) => (await policies.VersionsAsync(key, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read))
            .WithSummary("Every version of one policy, newest first").Produces<IReadOnlyList<SlaPolicyView>>();
        sla.MapPost("/policies", async (SlaPolicyRequest body, SlaPolicies policies, ClaimsPrincipal user, CancellationToken ct) =>
                (await policies.CreateAsync(body, user.ActorOf(), ct)).ToHttp(p => TypedResults.Created($"/api/sla/policies/{p.Key}", p)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Create a policy (version 1)").Produces<SlaPolicyView>(StatusCodes.Status201Created)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        sla.MapPut("/policies/{key}", async (string key, SlaPolicyRequest body, SlaPolicies policies, ClaimsPrincipal user, CancellationToken ct) =>
                (await policies.ReviseAsync(key, body, user.ActorOf(), ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Write the next version of a policy (running clocks keep theirs); \"active\":false retires it")
            .Produces<SlaPolicyView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        sla.MapPost("/sweep", async (SlaSweepWorker worker, CancellationToken ct) => TypedResults.Ok(await worker.SweepOnceAsync(ct)))
            .RequireAuthorization(nameof(ApiScope.Admin))
            .WithSummary("Sweep due clocks now (the worker does it every second anyway)").Produces<SweepResult>();

        routes.MapGet("/api/leads/{id:guid}/sla", async (Guid id, LeadServiceLevels levels, CancellationToken ct) => (await levels.ClocksAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read)).WithTags("Service levels")
            .WithSummary("The lead's service-level clocks: on track, at risk, breached, met or cancelled")
            .Produces<IReadOnlyList<SlaClockView>>().ProducesProblem(StatusCodes.Status404NotFound);
        routes.MapGet("/api/leads/{id:guid}/speed-to-lead", async (Guid id, LeadServiceLevels levels, CancellationToken ct) => (await levels.SpeedAsync(id, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization(nameof(ApiScope.Read)).WithTags("Service levels")
            .WithSummary("Capture → assignment, assignment → first touch, capture → first touch, in seconds")
            .Produces<SpeedToLeadView>().ProducesProblem(StatusCodes.Status404NotFound);
        routes.MapGet("/api/reports/speed-to-lead", Report)
            .RequireAuthorization(nameof(ApiScope.Read)).WithTags("Service levels")
            .WithSummary("Speed-to-lead of the leads captured in [from, to) (default: the last 30 days): count, median, p90, overall and per rep")
            .Produces<SpeedToLeadReport>().ProducesValidationProblem();
    }

    private static async Task<IResult> Deadline(Guid id, string? start, string? minutes, SlaCalendars calendars, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(start))
        {
            errors.Add("start", "is required: an ISO 8601 time with offset, e.g. 2026-12-04T16:30:00Z");
        }

        var startAt = ApiResults.QueryTime(start, "start", errors);
        var count = 0;
        if (string.IsNullOrWhiteSpace(minutes))
        {
            errors.Add("minutes", "is required: whole minutes of business time");
        }
        else if (!int.TryParse(minutes, NumberStyles.None, CultureInfo.InvariantCulture, out count))
        {
            errors.Add("minutes", $"'{minutes}' is not whole minutes of business time (0 to 527040)");
        }

        if (errors.Any)
        {
            return ApiResults.Problem(errors.ToError());
        }

        return (await calendars.AddAsync(id, startAt!.Value, count, ct)).ToHttp(due => TypedResults.Ok(new { start = startAt, minutes = count, due }));
    }

    private static async Task<IResult> Report(string? from, string? to, LeadServiceLevels levels, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var fromAt = ApiResults.QueryTime(from, "from", errors);
        var toAt = ApiResults.QueryTime(to, "to", errors);
        if (errors.Any)
        {
            return ApiResults.Problem(errors.ToError());
        }

        return (await levels.ReportAsync(fromAt, toAt, ct)).ToHttp(TypedResults.Ok);
    }
}
