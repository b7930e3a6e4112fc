using System.Net;
using System.Net.Http.Json;
using Handoff.Data;
using Handoff.Qualification;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Qualification;

/// <summary>Leads judged under an active, signed definition: MQL check, evaluation, SQL gate, decisions, recycling, stuck leads.</summary>
public abstract class QualificationFlowTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task DoneWhen_LeadIsAcceptedQualifiedWithBantEvidenceAndConverted_HistoryShowsVersionAndEvidence()
    {
        var client = App.Admin();
        var version = await client.EnsureActiveAsync();
        var lead = await client.CreateProspectAsync();
        var id = lead.Id();
        Assert.Equal("New", lead.Stage()); // a form fill is content, not a sales touch

        var touch = await client.RecordActivityAsync(id, "SalesTouch");
        Assert.Equal("MQL", (await client.LeadAsync(id)).Stage());

        var accepted = await client.PostAsJsonAsync($"/api/leads/{id}/accept", new { note = "Picked up by Diego" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("SAL", (await accepted.ReadObjectAsync()).Stage());

        var early = await client.PostAsJsonAsync($"/api/leads/{id}/qualify", new { });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("qualification-failed", await early.CodeAsync());

        var call = await client.RecordActivityAsync(id, "Call", new() { ["timeline"] = App.Clock.GetUtcNow().AddDays(60).ToString("yyyy-MM-dd") });
        var answered = await client.PostAsJsonAsync($"/api/leads/{id}/answers", new
        {
            answers = new object[]
            {
                new { criterion = "budget", value = true, note = "EUR 40k approved for this fiscal year", evidence = new { activityIds = new[] { call }, conversationLines = new[] { new { activityId = call, line = 12, text = "We have 40k set aside" } } } },
                new { criterion = "need", value = true, note = "Dispatch is done in spreadsheets", evidence = new { fields = new[] { "description" } } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);

        var evaluation = await (await client.GetAsync($"/api/leads/{id}/evaluation")).ReadObjectAsync();
        Assert.Equal(version, evaluation["definitionVersion"]!.GetValue<int>());
        var sql = evaluation["sql"]!;
        Assert.True(sql["passed"]!.GetValue<bool>(), sql.ToJsonString());
        Assert.Equal("BANT", sql["framework"]!.GetValue<string>());
        var criteria = sql["criteria"]!.AsArray().ToDictionary(c => c!["key"]!.GetValue<string>(), c => c!);
        Assert.All(criteria.Values, c => Assert.True(c["passed"]!.GetValue<bool>(), c.ToJsonString()));
        Assert.Equal("prefill", criteria["authority"]["answer"]!["source"]!.GetValue<string>());
        Assert.Equal("VP", criteria["authority"]["answer"]!["value"]!.GetValue<string>());
        Assert.Equal("prefill", criteria["timeline"]["answer"]!["source"]!.GetValue<string>());
        Assert.Equal(call, criteria["timeline"]["answer"]!["evidence"]!["activityIds"]![0]!.GetValue<string>());
        Assert.Equal("answer", criteria["budget"]["answer"]!["source"]!.GetValue<string>());
        Assert.Equal(12, criteria["budget"]["answer"]!["evidence"]!["conversationLines"]![0]!["line"]!.GetValue<int>());

        var qualified = await client.PostAsJsonAsync($"/api/leads/{id}/qualify", new { note = "BANT complete" });
        Assert.Equal(HttpStatusCode.OK, qualified.StatusCode);
        var converted = await client.PostAsJsonAsync($"/api/leads/{id}/convert", new { amount = 40000, currency = "EUR" });
        Assert.Equal(HttpStatusCode.Created, converted.StatusCode);

        var history = await client.HistoryAsync(id);
        var moves = history.Where(h => h!["kind"]!.GetValue<string>() == "stage-changed").Select(h => h!.AsObject()).ToList();
        Assert.Equal(["MQL", "SAL", "SQL", "Opportunity"], moves.Select(m => m["to"]!.GetValue<string>()));
        Assert.All(moves, m => Assert.Equal(version, m["definitionVersion"]!.GetValue<int>()));
        var mql = moves[0];
        Assert.Equal("System", mql["actor"]!["kind"]!.GetValue<string>());
        Assert.Equal("mql-check", mql["actor"]!["id"]!.GetValue<string>());
        Assert.Contains(touch, mql["evidence"]!["activityIds"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(4, mql["evidence"]!["checks"]!.AsArray().Count);

        // The score as it stood, rule by rule, under the scoring model of the moment: "why an MQL" outlives a model change.
        Assert.True(mql["evidence"]!["scoringModelVersion"]!.GetValue<int>() > 0);
        var fired = mql["evidence"]!["breakdown"]!.AsArray();
        Assert.NotEmpty(fired);
        Assert.Equal(mql["evidence"]!["scores"]!["fit"]!.GetValue<int>(), (int)fired.Where(r => r!["kind"]!.GetValue<string>() is "Fit" or "Negative").Sum(r => r!["points"]!.GetValue<double>()));
        var toSql = moves[2]["evidence"]!;
        Assert.Equal("BANT", toSql["framework"]!.GetValue<string>());
        Assert.True(toSql["passed"]!.GetValue<bool>());
        Assert.Equal("EUR 40k approved for this fiscal year", toSql["criteria"]!.AsArray().Single(c => c!["key"]!.GetValue<string>() == "budget")!["answer"]!["note"]!.GetValue<string>());
    }

    [Fact]
    public async Task ContentOnly_DoesNotMakeAnMql_AndEvaluationSaysWhy()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var id = (await client.CreateProspectAsync()).Id();
        await client.RecordActivityAsync(id, "ContentDownload");
        var small = (await client.CreateProspectAsync(employees: 20)).Id();
        await client.RecordActivityAsync(small, "Meeting");

        Assert.Equal("New", (await client.LeadAsync(id)).Stage());
        Assert.Equal("New", (await client.LeadAsync(small)).Stage());
        var mql = (await (await client.GetAsync($"/api/leads/{id}/evaluation")).ReadObjectAsync())["mql"]!;
        Assert.False(mql["passed"]!.GetValue<bool>());
        var failed = mql["checks"]!.AsArray().Where(c => !c!["passed"]!.GetValue<bool>()).ToList();
        Assert.Single(failed);
        Assert.StartsWith("at least 1 of SalesTouch/Call/Meeting/EmailReply", failed[0]!["rule"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("0 found", failed[0]!["reason"]!.GetValue<string>());
        var smallChecks = (await (await client.GetAsync($"/api/leads/{small}/evaluation")).ReadObjectAsync())["mql"]!["checks"]!.AsArray();
        var employees = smallChecks.Single(c => c!["rule"]!.GetValue<string>().StartsWith("employeeCount", StringComparison.Ordinal))!;
        Assert.False(employees["passed"]!.GetValue<bool>());
        Assert.Equal("employeeCount is 20", employees["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task UndoingTheSystemsMql_IsNotOverruled_UntilTheNextTouch()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var id = await MqlLeadAsync(client);

        var undo = await client.PostAsJsonAsync($"/api/leads/{id}/transitions/undo", new { note = "Wrong person, checking first" });

        Assert.Equal(HttpStatusCode.OK, undo.StatusCode);
        Assert.Equal("New", (await client.LeadAsync(id)).Stage());
        await client.RecordActivityAsync(id, "Call");
        Assert.Equal("MQL", (await client.LeadAsync(id)).Stage());
    }

    [Fact]
    public async Task Override_MovesToSql_AndIsListedAsException_AlsoThroughGenericTransitions()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var id = await SalLeadAsync(client);
        var other = await SalLeadAsync(client);
        var fresh = (await client.CreateProspectAsync()).Id();

        var shortJustification = await client.PostAsJsonAsync($"/api/leads/{id}/qualify", new { justification = "trust me" });
        var generic = await client.MoveAsync(other, new { to = "SQL" });
        var skipping = await client.MoveAsync(fresh, new { to = "SQL", justification = "The CEO called us directly about a rollout" });
        var overridden = await client.PostAsJsonAsync($"/api/leads/{id}/qualify", new { justification = "Budget confirmed verbally by the CFO, paperwork follows next week" });
        var genericOverride = await client.MoveAsync(other, new { to = "SQL", justification = "Existing customer's sister company, same contract terms" });

        Assert.Equal(HttpStatusCode.BadRequest, shortJustification.StatusCode);
        Assert.Contains("justification", await shortJustification.ErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.Conflict, generic.StatusCode);
        Assert.Equal("qualification-failed", await generic.CodeAsync());
        Assert.Equal("acceptance-required", await skipping.CodeAsync());
        Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        Assert.Equal("SQL", (await overridden.ReadObjectAsync()).Stage());
        Assert.Equal(HttpStatusCode.OK, genericOverride.StatusCode);

        var exceptions = await (await client.GetAsync("/api/qualification/exceptions")).ReadArrayAsync();
        var mine = exceptions.Single(e => e!["leadId"]!.GetValue<string>() == id)!;
        Assert.Equal("Budget confirmed verbally by the CFO, paperwork follows next week", mine["justification"]!.GetValue<string>());
        Assert.Contains(mine["failed"]!.AsArray(), f => f!.GetValue<string>().StartsWith("budget: not answered", StringComparison.Ordinal));
        Assert.Contains(exceptions, e => e!["leadId"]!.GetValue<string>() == other);
        var toSql = (await client.HistoryAsync(id)).Last(h => h!["to"]?.GetValue<string>() == "SQL")!;
        Assert.False(toSql["evidence"]!["passed"]!.GetValue<bool>());
        Assert.Equal("Budget confirmed verbally by the CFO, paperwork follows next week", toSql["evidence"]!["override"]!["justification"]!.GetValue<string>());
    }

    [Fact]
    public async Task Referral_FastTracks_OnItsOwnScorecard()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var id = (await client.CreateProspectAsync(source: "Referral", title: "Operations Analyst")).Id();
        Assert.Equal("MQL", (await client.LeadAsync(id)).Stage()); // the variation's own MQL bar

        var evaluation = await (await client.GetAsync($"/api/leads/{id}/evaluation")).ReadObjectAsync();
        Assert.Equal("Referral fast lane", evaluation["variation"]!.GetValue<string>());
        Assert.True(evaluation["fastTrack"]!.GetValue<bool>());
        Assert.Equal("Referral check", evaluation["sql"]!["framework"]!.GetValue<string>());
        var wrongKey = await client.PostAsJsonAsync($"/api/leads/{id}/answers", new { answers = new[] { new { criterion = "budget", value = true } } });
        Assert.Equal(HttpStatusCode.BadRequest, wrongKey.StatusCode);
        Assert.Contains("answers[0].criterion", await wrongKey.ErrorFieldsAsync());
        await client.PostAsJsonAsync($"/api/leads/{id}/answers", new { answers = new[] { new { criterion = "introduced-by", value = "Kofi Mensah, CFO at a customer", note = "Intro email on file" } } });

        var qualified = await client.PostAsJsonAsync($"/api/leads/{id}/qualify", new { });

        Assert.Equal(HttpStatusCode.OK, qualified.StatusCode);
        Assert.Equal("SQL", (await qualified.ReadObjectAsync()).Stage());
    }

    [Fact]
    public async Task BadAnswers_Are400_NamingTheAnswer()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var id = await SalLeadAsync(client);
        var stranger = (await client.CreateProspectAsync()).Id();
        var foreignTouch = await client.RecordActivityAsync(stranger, "Call");

        var response = await client.PostAsJsonAsync($"/api/leads/{id}/answers", new
        {
            answers = new object[]
            {
                new { criterion = "budget", value = "lots" },
                new { criterion = "timeline", value = "next spring" },
                new { criterion = "need", value = true, evidence = new { activityIds = new[] { foreignTouch }, fields = new[] { "shoeSize" } } },
                new { criterion = "authority", value = "Wizard" },
            },
        });
        var none = await client.PostAsJsonAsync($"/api/leads/{id}/answers", new { answers = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = await response.ErrorFieldsAsync();
        Assert.Contains("answers[0].value", fields);
        Assert.Contains("answers[1].value", fields);
        Assert.Contains("answers[2].evidence", fields);
        Assert.Contains("answers[2].evidence.fields", fields);
        Assert.Contains("answers[3].value", fields);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        var evaluation = await (await client.GetAsync($"/api/leads/{id}/evaluation")).ReadObjectAsync();
        Assert.Equal("not answered", evaluation["sql"]!["criteria"]!.AsArray().Single(c => c!["key"]!.GetValue<string>() == "budget")!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reject_NeedsReasonAndNote_AndOnlyAppliesToMqls()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var id = await MqlLeadAsync(client);
        var fresh = (await client.CreateProspectAsync()).Id();

        var bare = await client.PostAsJsonAsync($"/api/leads/{id}/reject", new { reason = "student" });
        var unknown = await client.PostAsJsonAsync($"/api/leads/{id}/reject", new { reason = "too-tall", note = "n/a" });
        var notMql = await client.PostAsJsonAsync($"/api/leads/{fresh}/reject", new { reason = "poor-fit", note = "too small" });
        var rejected = await client.PostAsJsonAsync($"/api/leads/{id}/reject", new { reason = "student", note = "Thesis research on logistics, not buying" });

        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Contains("note", await bare.ErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("reason", await unknown.ErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.Conflict, notMql.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        var lead = await rejected.ReadObjectAsync();
        Assert.Equal("Disqualified", lead.Stage());
        Assert.Equal("student", lead["stageReason"]!.GetValue<string>());
        var move = (await client.HistoryAsync(id)).Last()!;
        Assert.Equal("Rejected by sales: Thesis research on logistics, not buying", move["note"]!.GetValue<string>());

        var disqualified = await client.PostAsJsonAsync($"/api/leads/{fresh}/disqualify", new { reason = "competitor", note = "Works at a rival carrier" });
        Assert.Equal("Disqualified", (await disqualified.ReadObjectAsync()).Stage());
        var again = await client.PostAsJsonAsync($"/api/leads/{fresh}/disqualify", new { reason = "competitor" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task RecycledLead_WakesOnItsDate_FlaggedRecycled()
    {
        var client = App.Admin();
        var version = await client.EnsureActiveAsync();
        var id = await SalLeadAsync(client);
        var stale = await client.PostAsJsonAsync($"/api/leads/{id}/recycle", new { reason = "wrong-timing" });
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        var lead = await stale.ReadObjectAsync();
        Assert.Equal("Nurture", lead.Stage());
        var wakeAt = lead["wakeAt"]!.GetValue<DateTime>();
        Assert.InRange((wakeAt - App.Clock.GetUtcNow().UtcDateTime).TotalDays, 89.9, 90.1);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"/api/leads/{id}/recycle", new { reason = " " })).StatusCode);

        await WakeAsync();
        Assert.Equal("Nurture", (await client.LeadAsync(id)).Stage());
        App.Clock.Advance(TimeSpan.FromDays(91));
        Assert.True(await WakeAsync() >= 1);

        var awake = await client.LeadAsync(id);
        Assert.Equal("MQL", awake.Stage());
        Assert.Equal(1, awake["recycleCount"]!.GetValue<int>());
        var woke = (await client.HistoryAsync(id)).Last()!;
        Assert.Equal("recycle-wake", woke["actor"]!["id"]!.GetValue<string>());
        Assert.Equal(version, woke["definitionVersion"]!.GetValue<int>());
        Assert.True(woke["evidence"]!["recycled"]!.GetValue<bool>());
        var evaluation = await (await client.GetAsync($"/api/leads/{id}/evaluation")).ReadObjectAsync();
        Assert.Equal(1, evaluation["recycleCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task HighIntentEngagement_WakesNurtureLeadEarly()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var id = await SalLeadAsync(client);
        await client.PostAsJsonAsync($"/api/leads/{id}/recycle", new { reason = "not-ready", wakeAt = App.Clock.GetUtcNow().UtcDateTime.AddDays(200) });
        await client.RecordActivityAsync(id, "PageView");
        Assert.Equal("Nurture", (await client.LeadAsync(id)).Stage());

        var demo = await client.RecordActivityAsync(id, "DemoRequest");

        Assert.Equal("MQL", (await client.LeadAsync(id)).Stage());
        var woke = (await client.HistoryAsync(id)).Last()!;
        Assert.Equal("Nurture", woke["from"]!.GetValue<string>());
        Assert.True(woke["evidence"]!["recycled"]!.GetValue<bool>());
        Assert.Contains(demo, woke["evidence"]!["activityIds"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task StuckLeads_ListsInactiveOwnersAndOverdueStages_ByOwner()
    {
        var client = App.Admin();
        await client.EnsureActiveAsync();
        var gone = await client.CreateUserAsync("Sdr", "Rafael Duarte");
        var orphan = (await client.CreateProspectAsync()).Id();
        var assigned = await client.PutAsJsonAsync($"/api/leads/{orphan}/owner", new { kind = "User", id = gone });
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        await using (var scope = App.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var userId = Guid.Parse(gone);
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsActive, false));
        }

        var slow = await SalLeadAsync(client);
        App.Clock.Advance(TimeSpan.FromDays(15));

        var report = await (await client.GetAsync("/api/reports/stuck-leads")).ReadObjectAsync();
        var owners = report["owners"]!.AsArray();
        var goneOwner = owners.Single(o => o!["owner"]!["id"]!.GetValue<string>() == gone)!;
        Assert.False(goneOwner["ownerActive"]!.GetValue<bool>());
        var orphanEntry = goneOwner["leads"]!.AsArray().Single(l => l!["id"]!.GetValue<string>() == orphan)!;
        Assert.Contains("its owner is inactive or no longer exists", orphanEntry["problems"]!.AsArray().Select(p => p!.GetValue<string>()));
        var slowEntry = owners.SelectMany(o => o!["leads"]!.AsArray()).Single(l => l!["id"]!.GetValue<string>() == slow)!;
        Assert.Contains("in SAL for more than 14 days", slowEntry["problems"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.True(report["total"]!.GetValue<int>() >= 2);
    }

    /// <summary>One pass of the wake worker, now, instead of waiting for its interval.</summary>
    private async Task<int> WakeAsync()
    {
        await using var scope = App.Scope();
        return await scope.ServiceProvider.GetRequiredService<WakeSleepingLeads>().RunOnceAsync(10_000, CancellationToken.None);
    }

    private static async Task<string> MqlLeadAsync(HttpClient client)
    {
        var id = (await client.CreateProspectAsync()).Id();
        await client.RecordActivityAsync(id, "EmailReply");
        Assert.Equal("MQL", (await client.LeadAsync(id)).Stage());
        return id;
    }

    private static async Task<string> SalLeadAsync(HttpClient client)
    {
        var id = await MqlLeadAsync(client);
        var accepted = await client.PostAsJsonAsync($"/api/leads/{id}/accept", new { });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        return id;
    }
}

public sealed class QualificationFlowTests_Sqlite(ClockedSqliteApp app) : QualificationFlowTests<ClockedSqliteApp>(app);

public sealed class QualificationFlowTests_Postgres(ClockedPostgresApp app) : QualificationFlowTests<ClockedPostgresApp>(app);
