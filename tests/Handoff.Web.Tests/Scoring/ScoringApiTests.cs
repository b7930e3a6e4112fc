using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.Data;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Scoring;

/// <summary>Scoring over HTTP on a clock the tests move: models, incremental scores, decay, windows, caps, rescoring.</summary>
public abstract class ScoringApiTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Model_IsCreatedAsDraft_Activated_AndEditingTheActiveOneMakesANewDraft()
    {
        var client = App.Admin();
        var list = await (await client.GetAsync("/api/scoring/models")).ReadArrayAsync();
        Assert.Contains(list, m => m!["status"]!.GetValue<string>() == "Active");

        var created = await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Inbound FY27")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var draft = await created.ReadObjectAsync();
        Assert.Equal("Draft", draft["status"]!.GetValue<string>());
        Assert.Equal("pricing", draft["document"]!["engagementRules"]![0]!["id"]!.GetValue<string>());

        var activated = await client.PostAsync($"/api/scoring/models/{draft.Id()}/activate", null);
        Assert.Equal(HttpStatusCode.Accepted, activated.StatusCode);
        var activation = await activated.ReadObjectAsync();
        Assert.Equal(activation["rescoreUrl"]!.GetValue<string>(), activated.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(activation["rescoreUrl"]!.GetValue<string>())).StatusCode);

        var models = await (await client.GetAsync("/api/scoring/models")).ReadArrayAsync();
        Assert.Single(models, m => m!["status"]!.GetValue<string>() == "Active");
        Assert.Equal("Active", models.Single(m => m!["id"]!.GetValue<string>() == draft.Id())!["status"]!.GetValue<string>());

        var again = await client.PostAsync($"/api/scoring/models/{draft.Id()}/activate", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var edited = await client.PutAsync($"/api/scoring/models/{draft.Id()}", Json.Raw(ScoringModels.Test("Inbound FY27 v2")));
        Assert.Equal(HttpStatusCode.Created, edited.StatusCode);
        var newDraft = await edited.ReadObjectAsync();
        Assert.NotEqual(draft.Id(), newDraft.Id());
        Assert.Equal("Draft", newDraft["status"]!.GetValue<string>());
        Assert.Equal(draft["version"]!.GetValue<int>(), newDraft["basedOnVersion"]!.GetValue<int>());
        var stillActive = await (await client.GetAsync($"/api/scoring/models/{draft.Id()}")).ReadObjectAsync();
        Assert.Equal("Inbound FY27", stillActive["name"]!.GetValue<string>());

        var draftEdit = await client.PutAsync($"/api/scoring/models/{newDraft.Id()}", Json.Raw(ScoringModels.Test("Inbound FY27 v3")));
        Assert.Equal(HttpStatusCode.OK, draftEdit.StatusCode);
        Assert.Equal(newDraft["version"]!.GetValue<int>(), (await draftEdit.ReadObjectAsync())["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task ADraft_CanBeDeleted_AnActiveVersionCannot()
    {
        var client = App.Admin();
        var draft = await (await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Scratch draft")))).ReadObjectAsync();

        var deleted = await client.DeleteAsync($"/api/scoring/models/{draft.Id()}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/scoring/models/{draft.Id()}")).StatusCode);

        var active = (await (await client.GetAsync("/api/scoring/models")).ReadArrayAsync()).Single(m => m!["status"]!.GetValue<string>() == "Active")!;
        var refused = await client.DeleteAsync($"/api/scoring/models/{active["id"]!.GetValue<string>()}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("not-a-draft", Json.Problem(await refused.Content.ReadAsStringAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Model_WithMistakes_IsRefused_WithEveryFieldNamed()
    {
        var client = App.Admin();
        var bad = """
            {
              "name": "Broken",
              "fitRules": [{ "id": "size", "when": [{ "field": "headcount", "op": "gte", "value": 5 }], "points": 10 }],
              "negativeRules": [{ "id": "student", "when": [{ "field": "title", "op": "contains", "value": "student" }], "points": 30 }],
              "engagementRules": [
                { "id": "pricing", "activityTypes": ["Fax"], "urlPattern": "(pricing", "points": 5, "cap": -1 },
                { "id": "pricing", "activityTypes": ["PageView"], "points": 5, "count": 3 }
              ],
              "grades": { "a": 10, "b": 20, "c": 5 },
              "halfLifeDays": -3
            }
            """;
        var response = await client.PostAsync("/api/scoring/models", Json.Raw(bad));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.Contains("is not a lead field", errors["fitRules[0].when[0].field"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("below 0", errors["negativeRules[0].points"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("'Fax' is not an activity type", errors["engagementRules[0].activityTypes"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("regular expression", errors["engagementRules[0].urlPattern"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("engagementRules[0].cap"));
        Assert.Contains("used by another rule", errors["engagementRules[1].id"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("engagementRules[1].windowDays"));
        Assert.True(errors.ContainsKey("grades"));
        Assert.True(errors.ContainsKey("halfLifeDays"));

        var unknownMember = await client.PostAsync("/api/scoring/models", Json.Raw("""{ "name": "Typo", "fitRulez": [] }"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknownMember.StatusCode);
        var missing = await client.GetAsync($"/api/scoring/models/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var activateMissing = await client.PostAsync($"/api/scoring/models/{Guid.NewGuid()}/activate", null);
        Assert.Equal(HttpStatusCode.NotFound, activateMissing.StatusCode);
        var badAt = await client.GetAsync($"/api/leads/{(await client.CreateLeadAsync()).Id()}/score?at=yesterday-ish");
        Assert.Equal(HttpStatusCode.BadRequest, badAt.StatusCode);
        Assert.True((await badAt.ReadObjectAsync())["errors"]!.AsObject().ContainsKey("at"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/leads/{Guid.NewGuid()}/score")).StatusCode);

        var readOnly = await ReadOnlyClientAsync(client);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Sneaky")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await readOnly.GetAsync("/api/scoring/models")).StatusCode);
    }

    [Fact]
    public async Task Model_WithRulesThatCouldNeverFire_OrOnTheLeadsStageOrScores_IsRefused_NamingEachPath()
    {
        var client = App.Admin();
        var bad = """
            {
              "name": "Never fires",
              "grades": { "a": 500, "b": 20, "c": 10 },
              "fitRules": [
                { "id": "emperor", "when": [{ "field": "seniority", "op": "in", "value": ["Emperor", "VP"] }], "points": 10 },
                { "id": "c-level", "when": [{ "field": "seniority", "op": "eq", "value": "C-Level" }], "points": 10 },
                { "id": "empty-range", "when": [{ "field": "employeeCount", "op": "gte", "value": 200 }, { "field": "employeeCount", "op": "lte", "value": 10 }], "points": 10 },
                { "id": "no-points", "when": [{ "field": "country", "op": "eq", "value": "DE" }] },
                { "id": "free-mail", "when": [{ "field": "isFreeMail", "op": "eq", "value": "no" }], "points": 5 },
                { "id": "stage-leak", "when": [{ "field": "stage", "op": "eq", "value": "SQL" }], "points": 50 },
                { "id": "score-leak", "when": [{ "field": "engagementScore", "op": "gte", "value": 40 }], "points": 20 },
                { "id": "grade-q", "when": [{ "field": "fitGrade", "op": "eq", "value": "Q" }], "points": 5 },
                { "id": "scored", "when": [{ "field": "scoredAt", "op": "exists" }], "points": 5 },
                { "id": "size-text", "when": [{ "field": "employeeCount", "op": "eq", "value": "500" }], "points": 5 }
              ],
              "engagementRules": [
                { "id": "pricing", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 8, "cap": 5 },
                { "id": "blog", "activityTypes": ["PageView"], "urlPattern": "/blog/", "points": 1, "cap": 10 }
              ],
              "mql": { "fit": 900, "engagement": 20, "total": -5 }
            }
            """;
        var response = await client.PostAsync("/api/scoring/models", Json.Raw(bad));

        var errors = await response.ValidationErrorsAsync();

        Assert.Contains("'Emperor' is not a value of 'seniority'", errors.Error("fitRules[0].when[0].value"), StringComparison.Ordinal);
        Assert.Contains("CLevel", errors.Error("fitRules[0].when[0].value"), StringComparison.Ordinal);
        Assert.Contains("'C-Level'", errors.Error("fitRules[1].when[0].value"), StringComparison.Ordinal);
        Assert.Contains("at least 200 and at most 10", errors.Error("fitRules[2].when"), StringComparison.Ordinal);
        Assert.Contains("is required", errors.Error("fitRules[3].points"), StringComparison.Ordinal);
        Assert.Contains("give true or false", errors.Error("fitRules[4].when[0].value"), StringComparison.Ordinal);
        foreach (var (rule, field) in new[] { (5, "stage"), (6, "engagementScore"), (7, "fitGrade"), (8, "scoredAt") })
        {
            var message = errors.Error($"fitRules[{rule}].when[0].field");
            Assert.StartsWith("a score cannot depend on the lead's stage or scores", message, StringComparison.Ordinal);
            Assert.Contains($"'{field}'", message, StringComparison.Ordinal);
        }

        Assert.Contains("is a number", errors.Error("fitRules[9].when[0].value"), StringComparison.Ordinal);
        Assert.Contains("below the rule's 8 points", errors.Error("engagementRules[0].cap"), StringComparison.Ordinal);
        Assert.Contains("A=500", errors.Error("grades"), StringComparison.Ordinal);
        Assert.Contains("could never be met", errors.Error("mql.fit"), StringComparison.Ordinal);
        Assert.Contains("between 0 and 15", errors.Error("mql.engagement"), StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("mql.total"));
        Assert.Equal(15, errors.Count);

        // Values that differ from the field's only in case are the same value.
        var fine = ScoringModels.Test("Case does not matter").Replace(
            """{ "field": "employeeCount", "op": "gte", "value": 500 }""",
            """{ "field": "seniority", "op": "in", "value": ["clevel", "VP"] }, { "field": "isFreeMail", "op": "eq", "value": false }""",
            StringComparison.Ordinal);
        var accepted = await client.PostAsync("/api/scoring/models", Json.Raw(fine));
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("\"points\": 30", "\"points\": \"30\"", "fitRules[0].points", "a whole number")]
    [InlineData("\"halfLifeDays\": 10", "\"halfLifeDays\": \"10\"", "halfLifeDays", "a number")]
    [InlineData("\"op\": \"gte\"", "\"op\": \"between\"", "fitRules[0].when[0].op", "eq, neq, in, notIn")]
    [InlineData("\"points\": 4 }", "\"points\": 4, \"properties\": { \"topic\": 5 } }", "engagementRules[2].properties.topic", "a string")]
    public async Task Model_WithAValueOfTheWrongType_IsRefused_SayingWhatTheFieldTakes(string part, string replacement, string path, string expected)
    {
        var client = App.Admin();
        var text = ScoringModels.Test("Wrong type").Replace(part, replacement, StringComparison.Ordinal);
        Assert.NotEqual(ScoringModels.Test("Wrong type"), text);

        var response = await client.PostAsync("/api/scoring/models", Json.Raw(text));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadObjectAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(path), errors.ToJsonString());
        Assert.Contains(expected, errors[path]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fitRules", "-2147483648")]
    [InlineData("negativeRules", "-2147483648")]
    [InlineData("engagementRules", "-2147483648")]
    [InlineData("fitRules", "2147483647")]
    public async Task Model_WithPointsAtTheEdgesOfAWholeNumber_IsRefused_NamingThePoints(string rules, string points)
    {
        var client = App.Admin();
        var rule = rules == "engagementRules"
            ? $$"""{ "id": "huge", "activityTypes": ["PageView"], "points": {{points}}, "cap": 10 }"""
            : $$"""{ "id": "huge", "when": [{ "field": "title", "op": "contains", "value": "founder" }], "points": {{points}} }""";
        var others = rules == "fitRules"
            ? $$""", { "id": "huge-too", "when": [{ "field": "title", "op": "contains", "value": "owner" }], "points": {{points}} }"""
            : "";
        var text = $$"""{ "name": "Edges", "{{rules}}": [{{rule}}{{others}}] }""";

        var response = await client.PostAsync("/api/scoring/models", Json.Raw(text));

        var errors = await response.ValidationErrorsAsync();
        Assert.Contains("between -1000 and 1000", errors.Error($"{rules}[0].points"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_OverOneMebibyte_IsRefused_With413_SayingTheLimit()
    {
        var client = App.Admin();
        var text = ScoringModels.Test("Oversize").Replace("\"name\": \"Oversize\"", $"\"name\": \"Oversize\", \"description\": \"{new string('x', 1_100_000)}\"", StringComparison.Ordinal);

        // Expect: 100-continue: the client waits for the server's verdict before it sends the body, so the 413 cannot
        // race a client still writing into a connection the server has closed (a broken pipe, now and then).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/scoring/models") { Content = Json.Raw(text) };
        request.Headers.ExpectContinue = true;
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.ReadObjectAsync();
        Assert.Equal("The request body is too large.", problem["title"]!.GetValue<string>());
        Assert.Contains("1048576 bytes", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_GrowsWithActivities_WithBreakdownAndEvidence_AndHalvesEveryHalfLife()
    {
        var client = App.Admin();
        await ActivateTestModelAsync(client);
        var lead = await client.CreateLeadAsync(new { firstName = "Marta", lastName = "Kowalski", email = $"marta.{Guid.NewGuid():N}@baltic-freight.eu", company = "Baltic Freight", employeeCount = 800 });

        var pricing = await TouchAsync(client, lead.Id(), "https://handoff.io/pricing");
        var score = await ScoreAsync(client, lead.Id());
        Assert.Equal(30, score["fit"]!.GetValue<int>());
        Assert.Equal("A", score["fitGrade"]!.GetValue<string>());
        Assert.Equal(10, score["engagement"]!.GetValue<double>(), 2);
        Assert.Equal(10, score["intent"]!.GetValue<double>(), 2);
        Assert.Equal(40, score["total"]!.GetValue<double>(), 2);
        var rule = Rule(score, "pricing");
        Assert.Equal("Intent", rule["kind"]!.GetValue<string>());
        Assert.Equal([pricing], rule["evidence"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("Fit", Rule(score, "big-company")["kind"]!.GetValue<string>());

        var blog = await TouchAsync(client, lead.Id(), "https://handoff.io/blog/why-speed-to-lead-matters");
        score = await ScoreAsync(client, lead.Id());
        Assert.Equal(14, score["engagement"]!.GetValue<double>(), 2);
        Assert.Equal(10, score["intent"]!.GetValue<double>(), 2);
        Assert.Equal("Engagement", Rule(score, "blog")["kind"]!.GetValue<string>());
        Assert.Equal([blog], Rule(score, "blog")["evidence"]!.AsArray().Select(e => e!.GetValue<string>()));
        var stored = await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync();
        Assert.Equal(14, stored["engagementScore"]!.GetValue<int>());
        Assert.Equal(10, stored["intentScore"]!.GetValue<int>());
        Assert.Equal("A", stored["fitGrade"]!.GetValue<string>());

        App.Clock.Advance(TimeSpan.FromDays(10));
        score = await ScoreAsync(client, lead.Id());
        Assert.Equal(7, score["engagement"]!.GetValue<double>(), 2);
        Assert.Equal(5, score["intent"]!.GetValue<double>(), 2);
        App.Clock.Advance(TimeSpan.FromDays(10));
        Assert.Equal(3.5, (await ScoreAsync(client, lead.Id()))["engagement"]!.GetValue<double>(), 2);

        // A moment before the latest activity is answered exactly too, by replaying the activities up to it.
        var later = await TouchAsync(client, lead.Id(), "https://handoff.io/blog/lead-scoring-that-sales-trusts");
        var tenDaysBefore = (await ActivityTimeAsync(later)).AddDays(-10);
        var past = await (await client.GetAsync($"/api/leads/{lead.Id()}/score?at={tenDaysBefore:O}")).ReadObjectAsync();
        Assert.Equal(7, past["engagement"]!.GetValue<double>(), 2);
        Assert.Equal(7.5, (await ScoreAsync(client, lead.Id()))["engagement"]!.GetValue<double>(), 2);
    }

    [Fact]
    public async Task WindowRule_FiresOnTheThirdPricingView_CapHolds_AndStopsFiringAfterTheWindow()
    {
        var client = App.Admin();
        await ActivateTestModelAsync(client);
        var lead = await client.CreateLeadAsync(new { firstName = "Jonas", lastName = "Berg", email = $"jonas.{Guid.NewGuid():N}@nordic-kitchens.se", company = "Nordic Kitchens" });

        var first = await TouchAsync(client, lead.Id(), "https://handoff.io/pricing");
        var second = await TouchAsync(client, lead.Id(), "https://handoff.io/pricing?plan=team");
        var score = await ScoreAsync(client, lead.Id());
        Assert.DoesNotContain(score["breakdown"]!.AsArray(), r => r!["rule"]!.GetValue<string>() == "pricing-3-in-30");
        Assert.Equal(20, score["engagement"]!.GetValue<double>(), 2);

        App.Clock.Advance(TimeSpan.FromDays(20));
        var third = await TouchAsync(client, lead.Id(), "https://handoff.io/pricing");
        score = await ScoreAsync(client, lead.Id());
        var window = Rule(score, "pricing-3-in-30");
        Assert.Equal(20, window["points"]!.GetValue<double>(), 2);
        Assert.Equal([first, second, third], window["evidence"]!.AsArray().Select(e => e!.GetValue<string>()));

        // The per-view rule is capped at 25: 20 decayed over 20 days (half-life 10) is 5, plus 10 is 15; two more views reach the cap.
        Assert.Equal(15, Rule(score, "pricing")["points"]!.GetValue<double>(), 2);
        await TouchAsync(client, lead.Id(), "https://handoff.io/pricing");
        await TouchAsync(client, lead.Id(), "https://handoff.io/pricing");
        score = await ScoreAsync(client, lead.Id());
        Assert.Equal(25, Rule(score, "pricing")["points"]!.GetValue<double>(), 2);
        Assert.Equal(45, score["engagement"]!.GetValue<double>(), 2);

        // 30 days after the oldest of the latest three views, the window no longer holds three.
        App.Clock.Advance(TimeSpan.FromDays(30));
        score = await ScoreAsync(client, lead.Id());
        Assert.DoesNotContain(score["breakdown"]!.AsArray(), r => r!["rule"]!.GetValue<string>() == "pricing-3-in-30");
        Assert.Equal(25 / 8.0, score["engagement"]!.GetValue<double>(), 0.006);
    }

    [Fact]
    public async Task NegativeRule_TakesPointsAway_AndFieldChangeRecomputesFit()
    {
        var client = App.Admin();
        await ActivateTestModelAsync(client);
        var lead = await client.CreateLeadAsync(new { firstName = "Oskar", lastName = "Lind", email = $"oskar.{Guid.NewGuid():N}@rival-crm.io", company = "Rival CRM", employeeCount = 900 });

        var score = await ScoreAsync(client, lead.Id());
        Assert.Equal(-20, score["fit"]!.GetValue<int>());
        Assert.Equal("D", score["fitGrade"]!.GetValue<string>());
        Assert.Equal("Negative", Rule(score, "competitor")["kind"]!.GetValue<string>());
        Assert.Equal(-50, Rule(score, "competitor")["points"]!.GetValue<double>());

        var patched = await client.PatchAsync($"/api/leads/{lead.Id()}", JsonContent.Create(new { employeeCount = 40 }));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var view = await patched.ReadObjectAsync();
        Assert.Equal(-50, view["fitScore"]!.GetValue<int>());
        Assert.Equal("D", view["fitGrade"]!.GetValue<string>());
    }

    [Fact]
    public async Task Activation_RescoresEveryLead_InTheBackground_AndSweepsLeadsNeverScored()
    {
        var client = App.Admin();
        await ActivateTestModelAsync(client);
        var lead = await client.CreateLeadAsync(new { firstName = "Ines", lastName = "Moreau", email = $"ines.{Guid.NewGuid():N}@lyon-optics.fr", company = "Lyon Optics" });
        await TouchAsync(client, lead.Id(), "https://handoff.io/blog/routing-rules");
        Assert.Equal(4, (await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync())["engagementScore"]!.GetValue<int>());

        var louder = ScoringModels.Test("Blog counts more").Replace("\"points\": 4", "\"points\": 9", StringComparison.Ordinal);
        var model = await (await client.PostAsync("/api/scoring/models", Json.Raw(louder))).ReadObjectAsync();
        var activated = await (await client.PostAsync($"/api/scoring/models/{model.Id()}/activate", null)).ReadObjectAsync();
        await App.Services.GetRequiredService<RescoreWorker>().RunOnceAsync(CancellationToken.None);

        // The worker may have taken the job itself (the activation wakes it); either way it ends.
        var job = await (await client.GetAsync(activated["rescoreUrl"]!.GetValue<string>())).ReadObjectAsync();
        for (var i = 0; i < 100 && job["status"]!.GetValue<string>() is "Pending" or "Running"; i++)
        {
            await Task.Delay(100);
            job = await (await client.GetAsync(activated["rescoreUrl"]!.GetValue<string>())).ReadObjectAsync();
        }

        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        Assert.Equal(1.0, job["progress"]!.GetValue<double>());
        Assert.True(job["total"]!.GetValue<int>() >= 1);
        var rescored = await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync();
        Assert.Equal(9, rescored["engagementScore"]!.GetValue<int>());
        Assert.Equal(model["version"]!.GetValue<int>(), rescored["scoreModelVersion"]!.GetValue<int>());

        // A lead that skipped scoring (as imports do) is picked up by the sweep.
        await using (var scope = App.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            var id = Guid.Parse(lead.Id());
            await LeadScoreRows.ForgetAsync(db, [id], ", engagement_score = 0");
        }

        // The sweep waits while a job (perhaps a superseded one of an earlier test) is open, so it may take a round or two.
        var swept = await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync();
        for (var i = 0; i < 50 && swept["scoreModelVersion"] is null; i++)
        {
            await App.Services.GetRequiredService<RescoreWorker>().RunOnceAsync(CancellationToken.None);
            swept = await (await client.GetAsync($"/api/leads/{lead.Id()}")).ReadObjectAsync();
            await Task.Delay(200);
        }

        Assert.Equal(9, swept["engagementScore"]!.GetValue<int>());
        Assert.Equal(9, (await ScoreAsync(client, lead.Id()))["engagement"]!.GetValue<double>(), 2);
    }

    private async Task<DateTime> ActivityTimeAsync(string activityId)
    {
        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var id = Guid.Parse(activityId);
        return await db.Activities.Where(a => a.Id == id).Select(a => a.OccurredAt).SingleAsync();
    }

    private async Task<HttpClient> ReadOnlyClientAsync(HttpClient admin)
    {
        var created = await (await admin.PostAsJsonAsync("/api/apikeys", new { name = "scoring reader", scopes = new[] { "Read" } })).ReadObjectAsync();
        return App.WithKey(created["plainText"]!.GetValue<string>());
    }

    internal static async Task ActivateTestModelAsync(HttpClient client)
    {
        var created = await client.PostAsync("/api/scoring/models", Json.Raw(ScoringModels.Test("Test model")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var activated = await client.PostAsync($"/api/scoring/models/{(await created.ReadObjectAsync()).Id()}/activate", null);
        Assert.Equal(HttpStatusCode.Accepted, activated.StatusCode);
    }

    internal static async Task<string> TouchAsync(HttpClient client, string leadId, string url)
    {
        var response = await client.PostAsJsonAsync("/api/activities", new { type = "PageView", leadId, url });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["items"]![0]!["id"]!.GetValue<string>();
    }

    internal static async Task<JsonObject> ScoreAsync(HttpClient client, string leadId)
    {
        var response = await client.GetAsync($"/api/leads/{leadId}/score");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadObjectAsync();
    }

    private static JsonObject Rule(JsonObject score, string id) =>
        score["breakdown"]!.AsArray().Single(r => r!["rule"]!.GetValue<string>() == id)!.AsObject();
}

/// <summary>Model documents the scoring tests share.</summary>
internal static class ScoringModels
{
    /// <summary>Fit: 30 for 500+ employees, -50 for the competitor's domain; pricing 10 per view (cap 25), 20 for 3 in 30 days; blog 4; half-life 10 days.</summary>
    public static string Test(string name) => $$"""
        {
          "name": "{{name}}",
          "halfLifeDays": 10,
          "grades": { "a": 30, "b": 20, "c": 10 },
          "fitRules": [{ "id": "big-company", "label": "500+ employees", "when": [{ "field": "employeeCount", "op": "gte", "value": 500 }], "points": 30 }],
          "negativeRules": [{ "id": "competitor", "when": [{ "field": "companyDomain", "op": "eq", "value": "rival-crm.io" }], "points": -50 }],
          "engagementRules": [
            { "id": "pricing", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 10, "cap": 25, "intent": true },
            { "id": "pricing-3-in-30", "activityTypes": ["PageView"], "urlPattern": "/pricing", "points": 20, "count": 3, "windowDays": 30, "intent": true },
            { "id": "blog", "activityTypes": ["PageView"], "urlPattern": "/blog/", "points": 4 }
          ],
          "mql": { "fit": 20, "engagement": 20 }
        }
        """;
}

public sealed class ScoringApiTests_Sqlite(ClockedSqliteApp app) : ScoringApiTests<ClockedSqliteApp>(app);

public sealed class ScoringApiTests_Postgres(ClockedPostgresApp app) : ScoringApiTests<ClockedPostgresApp>(app);
