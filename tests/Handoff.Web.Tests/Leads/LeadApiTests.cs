using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Data;
using Handoff.Web.Tests.Infrastructure;
using Handoff.Web.Tests.Sla;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Leads;

/// <summary>The lead lifecycle over HTTP; runs once per database provider (see the sealed classes at the end).</summary>
public abstract class LeadApiTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Create_AnswersCreated_InNew_OwnedByTheFallbackQueue()
    {
        var client = App.Admin();

        var response = await client.PostAsJsonAsync("/api/leads", new { firstName = " Grace ", lastName = "Hopper", email = "Grace.Hopper@Navy-Systems.io", company = "US Navy" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.ReadObjectAsync();
        Assert.True(answer["created"]!.GetValue<bool>());
        var lead = answer["lead"]!.AsObject();
        Assert.Equal($"/api/leads/{lead.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal("New", lead.Stage());
        Assert.Equal("Grace", lead["firstName"]!.GetValue<string>());
        Assert.Equal("grace.hopper@navy-systems.io", lead["email"]!.GetValue<string>());
        Assert.Equal("Queue", lead["owner"]!["kind"]!.GetValue<string>());
        var queues = await (await client.GetAsync("/api/queues")).ReadArrayAsync();
        var fallback = queues.Single(q => q!["isFallback"]!.GetValue<bool>())!;
        Assert.Equal(fallback["id"]!.GetValue<string>(), lead["owner"]!["id"]!.GetValue<string>());

        var read = await client.GetAsync($"/api/leads/{lead.Id()}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"1\"", read.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task ScoresOnlySave_AfterAConcurrentFieldEdit_FailsAsAConcurrentChange_AndChangesNothing()
    {
        // The scores are in a table of their own; the lead's version must still be checked when only they change.
        var id = Guid.Parse((await App.Admin().CreateLeadAsync()).Id());
        await using var first = App.Services.CreateAsyncScope();
        await using var second = App.Services.CreateAsyncScope();
        var stale = first.ServiceProvider.GetRequiredService<HandoffDb>();
        var fresh = second.ServiceProvider.GetRequiredService<HandoffDb>();
        var staleLead = await stale.Leads.SingleAsync(l => l.Id == id);
        var freshLead = await fresh.Leads.SingleAsync(l => l.Id == id);

        freshLead.Update(freshLead.MergedWith(new Handoff.Leads.LeadDetails { Title = "VP Sales" }), Handoff.Common.Actor.System("test"), DateTime.UtcNow);
        freshLead.Scored(40, "B", 7, 3, 1, DateTime.UtcNow, null);
        await fresh.SaveChangesAsync();

        staleLead.Scored(5, "D", 0, 0, 1, DateTime.UtcNow, null);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => stale.SaveChangesAsync());

        var stored = await fresh.Leads.AsNoTracking().SingleAsync(l => l.Id == id);
        Assert.Equal((40, "B", "VP Sales"), (stored.FitScore, stored.FitGrade, stored.Title));
    }

    [Fact]
    public async Task Lead_MovesNewMqlSalSql_AndUndo_WithEveryChangeInHistory()
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();

        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(id, new { to = "MQL", note = "hit the bar" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(id, new { to = "SAL", reason = "accepted" })).StatusCode);
        var sql = await client.MoveAsync(id, new { to = "SQL", note = "BANT confirmed" });
        Assert.Equal("SQL", (await sql.ReadObjectAsync()).Stage());

        var undo = await client.PostAsJsonAsync($"/api/leads/{id}/transitions/undo", new { note = "too early" });
        Assert.Equal(HttpStatusCode.OK, undo.StatusCode);
        Assert.Equal("SAL", (await undo.ReadObjectAsync()).Stage());

        var history = await (await client.GetAsync($"/api/leads/{id}/history")).ReadArrayAsync();
        Assert.Equal(["created", "stage-changed", "stage-changed", "stage-changed", "undone"], history.Select(h => h!["kind"]!.GetValue<string>()));
        Assert.Equal([1, 2, 3, 4, 5], history.Select(h => h!["sequence"]!.GetValue<int>()));
        Assert.All(history, h =>
        {
            Assert.Equal("Integration", h!["actor"]!["kind"]!.GetValue<string>());
            Assert.Contains("bootstrap", h["actor"]!["name"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.True(h["at"]!.GetValue<DateTime>() > DateTime.UtcNow.AddMinutes(-5));
        });
        Assert.Equal("accepted", history[2]!["reason"]!.GetValue<string>());
        Assert.Equal("BANT confirmed", history[3]!["note"]!.GetValue<string>());
        Assert.Equal("SQL", history[4]!["from"]!.GetValue<string>());
        Assert.Equal("SAL", history[4]!["to"]!.GetValue<string>());
        Assert.Equal("too early", history[4]!["note"]!.GetValue<string>());

        // Undo walks back one move at a time.
        await client.PostAsync($"/api/leads/{id}/transitions/undo", null);
        await client.PostAsync($"/api/leads/{id}/transitions/undo", null);
        var lead = await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync();
        Assert.Equal("New", lead.Stage());
        var nothing = await client.PostAsync($"/api/leads/{id}/transitions/undo", null);
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
    }

    [Fact]
    public async Task IllegalTransition_Answers409_WithProblemDetails()
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();

        var response = await client.MoveAsync(id, new { to = "SAL" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = Json.Problem(await response.Content.ReadAsStringAsync());
        Assert.Equal("illegal-transition", problem.GetProperty("code").GetString());
        Assert.Contains("New cannot move to SAL", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("New", (await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync()).Stage());
    }

    [Fact]
    public async Task PipelineStages_CannotBeSetByHand()
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();
        await client.MoveAsync(id, new { to = "SQL" });

        var response = await client.MoveAsync(id, new { to = "Opportunity" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("pipeline-controlled", Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Disqualify_NeedsACatalogueReason()
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();

        var missing = await client.MoveAsync(id, new { to = "Disqualified" });
        var unknown = await client.MoveAsync(id, new { to = "Disqualified", reason = "dont-like-them" });
        var ok = await client.MoveAsync(id, new { to = "Disqualified", reason = "poor-fit", note = "10 employees" });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.True(Json.Problem(await missing.Content.ReadAsStringAsync()).GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("poor-fit", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var lead = await ok.ReadObjectAsync();
        Assert.Equal("Disqualified", lead.Stage());
        Assert.Equal("poor-fit", lead["stageReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReasonCatalogue_IsConfigurable()
    {
        var client = App.Admin();
        var code = $"too-small-{Guid.NewGuid():N}"[..30];
        var put = await client.PutAsJsonAsync("/api/reason-codes", new { stage = "Disqualified", code, label = "Below 10 employees" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var id = (await client.CreateLeadAsync()).Id();

        Assert.Equal(HttpStatusCode.OK, (await client.MoveAsync(id, new { to = "Disqualified", reason = code })).StatusCode);

        await client.PutAsJsonAsync("/api/reason-codes", new { stage = "Disqualified", code, label = "Below 10 employees", isActive = false });
        var other = (await client.CreateLeadAsync()).Id();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.MoveAsync(other, new { to = "Disqualified", reason = code })).StatusCode);
    }

    [Fact]
    public async Task Nurture_NeedsAWakeDate_AndKeepsIt()
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();
        await client.MoveAsync(id, new { to = "MQL" });
        var wake = DateTime.UtcNow.AddDays(90);

        var without = await client.MoveAsync(id, new { to = "Nurture", reason = "wrong-timing" });
        var with = await client.MoveAsync(id, new { to = "Nurture", reason = "wrong-timing", wakeAt = wake });

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        var lead = await with.ReadObjectAsync();
        Assert.Equal(wake, lead["wakeAt"]!.GetValue<DateTime>(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task ConcurrentMoves_FromTheSameVersion_OneWins_TheOthersGet409()
    {
        var client = App.Admin();
        for (var round = 0; round < 5; round++)
        {
            var id = (await client.CreateLeadAsync()).Id();
            var moves = await Task.WhenAll(
                MoveFromVersion(client, id, 1, new { to = "MQL" }),
                MoveFromVersion(client, id, 1, new { to = "Disqualified", reason = "poor-fit" }),
                MoveFromVersion(client, id, 1, new { to = "Junk", reason = "spam" }),
                MoveFromVersion(client, id, 1, new { to = "SQL" }));

            Assert.Equal(1, moves.Count(m => m.StatusCode == HttpStatusCode.OK));
            Assert.Equal(3, moves.Count(m => m.StatusCode == HttpStatusCode.Conflict));
            var winner = await moves.Single(m => m.StatusCode == HttpStatusCode.OK).ReadObjectAsync();
            var history = await (await client.GetAsync($"/api/leads/{id}/history")).ReadArrayAsync();
            Assert.Equal(2, history.Count);
            Assert.Equal(winner.Stage(), history[1]!["to"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ConcurrentMoves_WithoutIfMatch_NeverLoseAnUpdate()
    {
        var client = App.Admin();
        for (var round = 0; round < 5; round++)
        {
            var id = (await client.CreateLeadAsync()).Id();
            var moves = await Task.WhenAll(
                client.MoveAsync(id, new { to = "MQL" }),
                client.MoveAsync(id, new { to = "Disqualified", reason = "poor-fit" }),
                client.MoveAsync(id, new { to = "Junk", reason = "spam" }),
                client.MoveAsync(id, new { to = "SQL" }));

            // Each request either lands in history or is refused; the lead ends where its history says.
            Assert.All(moves, m => Assert.True(m.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, m.StatusCode.ToString()));
            var history = await (await client.GetAsync($"/api/leads/{id}/history")).ReadArrayAsync();
            var lead = await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync();
            Assert.Equal(1 + moves.Count(m => m.StatusCode == HttpStatusCode.OK), history.Count);
            Assert.Equal(lead.Stage(), history[^1]!["to"]!.GetValue<string>());
            Assert.Equal(history.Count, lead["version"]!.GetValue<int>());
        }
    }

    private static Task<HttpResponseMessage> MoveFromVersion(HttpClient client, string id, int version, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/leads/{id}/transitions") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        return client.SendAsync(request);
    }

    [Fact]
    public async Task StaleIfMatch_Answers409_AndChangesNothing()
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();
        await client.MoveAsync(id, new { to = "MQL" });

        var response = await MoveFromVersion(client, id, 1, new { to = "SAL" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("stale-version", Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString());
        Assert.Equal("MQL", (await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync()).Stage());

        Assert.Equal(HttpStatusCode.OK, (await MoveFromVersion(client, id, 2, new { to = "SAL" })).StatusCode);
    }

    [Fact]
    public async Task Patch_EditsFields_AndRecordsFromAndTo()
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();

        var response = await client.PatchAsync($"/api/leads/{id}", Json.Raw("""{"title":"CTO","phone":"+1 555 010 0200","customFields":{"budget":"50k"}}""", "application/merge-patch+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lead = await response.ReadObjectAsync();
        Assert.Equal("CTO", lead["title"]!.GetValue<string>());
        Assert.Equal("50k", lead["customFields"]!["budget"]!.GetValue<string>());

        var cleared = await (await client.PatchAsync($"/api/leads/{id}", Json.Raw("""{"title":null,"customFields":{"budget":null}}"""))).ReadObjectAsync();
        Assert.Null(cleared["title"]);
        Assert.Empty(cleared["customFields"]!.AsObject());

        var history = await (await client.GetAsync($"/api/leads/{id}/history")).ReadArrayAsync();
        var edit = history.First(h => h!["kind"]!.GetValue<string>() == "fields-updated")!;
        Assert.Null(edit["changes"]!["title"]!["from"]);
        Assert.Equal("CTO", edit["changes"]!["title"]!["to"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"stage":"SQL"}""", "stage")]
    [InlineData("""{"ownerId":"00000000-0000-0000-0000-000000000001"}""", "ownerId")]
    [InlineData("""{"fitScore":100}""", "fitScore")]
    [InlineData("""{"id":"00000000-0000-0000-0000-000000000001","title":"CEO"}""", "id")]
    [InlineData("""{"favouriteColour":"blue"}""", "favouriteColour")]
    [InlineData("""{"employeeCount":"many"}""", "employeeCount")]
    [InlineData("""{"email":"not an email"}""", "email")]
    public async Task Patch_RefusesMassAssignmentAndBadFields_AndWritesNothing(string body, string field)
    {
        var client = App.Admin();
        var id = (await client.CreateLeadAsync()).Id();

        var response = await client.PatchAsync($"/api/leads/{id}", Json.Raw(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"expected an error for {field}: {errors}");
        var lead = await (await client.GetAsync($"/api/leads/{id}")).ReadObjectAsync();
        Assert.Equal(1, lead["version"]!.GetValue<int>());
        Assert.Equal("New", lead.Stage());
    }

    [Fact]
    public async Task Assign_ToAUserOrQueue_IsRecorded()
    {
        var client = App.Admin();
        var user = await (await client.PostAsJsonAsync("/api/users", new { email = $"sdr.{Guid.NewGuid():N}@acme-corp.io", name = "Sam SDR", role = "Sdr" })).ReadObjectAsync();
        var id = (await client.CreateLeadAsync()).Id();

        var nobody = await client.PutAsJsonAsync($"/api/leads/{id}/owner", new { kind = "User", id = Guid.NewGuid() });
        var assigned = await client.PutAsJsonAsync($"/api/leads/{id}/owner", new { kind = "User", id = user.Id(), note = "territory" });

        Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        Assert.Equal(user.Id(), (await assigned.ReadObjectAsync())["owner"]!["id"]!.GetValue<string>());
        var history = await (await client.GetAsync($"/api/leads/{id}/history")).ReadArrayAsync();
        Assert.Equal("owner-changed", history[^1]!["kind"]!.GetValue<string>());
        Assert.Equal("territory", history[^1]!["note"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_FiltersByStageSourceTextAndCreated_WithCursorPagination()
    {
        var client = App.Admin();
        var source = $"list-{Guid.NewGuid():N}";
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await client.CreateLeadAsync(new { lastName = new[] { "Abara", "Baptiste", "Castillo", "Dimitrov", "Eriksen" }[i], email = $"p{i}.{source}@acme-corp.io", company = i == 3 ? "Needle Industries" : "Hay Co", source })).Id());
        }

        await client.MoveAsync(ids[1], new { to = "MQL" });
        await client.MoveAsync(ids[2], new { to = "MQL" });

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.GetAsync($"/api/leads?source={source}&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}")).ReadObjectAsync();
            seen.AddRange(page["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);

        var mqls = await (await client.GetAsync($"/api/leads?source={source}&stage=MQL")).ReadObjectAsync();
        Assert.Equal(new[] { ids[2], ids[1] }, mqls["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));

        var text = await (await client.GetAsync($"/api/leads?source={source}&q=NEEDLE")).ReadObjectAsync();
        Assert.Equal(ids[3], text["items"]!.AsArray().Single()!["id"]!.GetValue<string>());

        var future = DateTime.UtcNow.AddDays(1).ToString("O");
        var none = await (await client.GetAsync($"/api/leads?source={source}&createdFrom={Uri.EscapeDataString(future)}")).ReadObjectAsync();
        Assert.Empty(none["items"]!.AsArray());
        var before = await (await client.GetAsync($"/api/leads?source={source}&createdTo={Uri.EscapeDataString(future)}&limit=500")).ReadObjectAsync();
        Assert.Equal(5, before["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task List_FiltersByFitGradeAndScores_SoSalesCanWorkTheBestLeadsFirst()
    {
        var client = App.Admin();
        var source = $"grades-{Guid.NewGuid():N}";
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await (await client.PostAsJsonAsync("/api/leads", new { firstName = $"Kim{i}", email = $"kim{i}.{Guid.NewGuid():N}@fjord-shipping.no", source })).ReadObjectAsync())["lead"]!.AsObject().Id());
        }

        await client.PostAsJsonAsync("/api/activities", new { type = "DemoRequest", leadId = ids[1] });
        var stored = await (await client.GetAsync($"/api/leads/{ids[1]}")).ReadObjectAsync();
        var intent = stored["intentScore"]!.GetValue<int>();
        Assert.True(intent > 0, stored.ToJsonString());

        var hot = await (await client.GetAsync($"/api/leads?source={source}&minIntentScore={intent}")).ReadObjectAsync();
        Assert.Equal([ids[1]], hot["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
        var engaged = await (await client.GetAsync($"/api/leads?source={source}&minEngagementScore=1&minFitScore={stored["fitScore"]!.GetValue<int>()}")).ReadObjectAsync();
        Assert.Equal([ids[1]], engaged["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));

        var grade = stored["fitGrade"]!.GetValue<string>();
        var other = grade == "D" ? "A" : "D";
        var byGrade = await (await client.GetAsync($"/api/leads?source={source}&fitGrade={grade.ToLowerInvariant()},{other}")).ReadObjectAsync();
        Assert.All(byGrade["items"]!.AsArray(), l => Assert.Contains(l!["fitGrade"]!.GetValue<string>(), new[] { grade, other }));
        Assert.Contains(ids[1], byGrade["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
        Assert.Empty((await (await client.GetAsync($"/api/leads?source={source}&fitGrade={(grade == "C" ? "B" : "C")}&minFitScore=100000")).ReadObjectAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task List_SortedByAScore_PagesThroughEveryLeadOnce_HighestFirst()
    {
        var client = App.Admin();
        var source = $"sorted-{Guid.NewGuid():N}";
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var id = (await (await client.PostAsJsonAsync("/api/leads", new { firstName = $"Lou{i}", email = $"lou{i}.{Guid.NewGuid():N}@fjord-shipping.no", source })).ReadObjectAsync())["lead"]!.AsObject().Id();
            ids.Add(id);
            for (var p = 0; p < i % 4; p++)
            {
                await client.PostAsJsonAsync("/api/activities", new { type = "PageView", leadId = id, url = "https://handoff.io/pricing" }); // ties on purpose
            }
        }

        var seen = new List<(string Id, int Intent)>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/api/leads?source={source}&sort=intentScore&limit=2{(cursor is null ? "" : $"&cursor={cursor}")}")).ReadObjectAsync();
            seen.AddRange(page["items"]!.AsArray().Select(l => (l!["id"]!.GetValue<string>(), l["intentScore"]!.GetValue<int>())));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(ids.Order(), seen.Select(s => s.Id).Order());
        Assert.Equal(seen.Select(s => s.Intent).OrderDescending(), seen.Select(s => s.Intent));
        Assert.True(seen[0].Intent > seen[^1].Intent);
        var newest = await (await client.GetAsync($"/api/leads?source={source}&limit=2")).ReadObjectAsync();
        var mixed = await client.GetAsync($"/api/leads?source={source}&sort=fitScore&cursor={newest["nextCursor"]!.GetValue<string>()}");
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode); // a cursor of another order
    }

    [Fact]
    public async Task List_NamesEveryBadFilter()
    {
        var response = await App.Admin().GetAsync("/api/leads?stage=Banana&ownerId=x&createdFrom=yesterday&limit=0&cursor=%%%&fitGrade=Z&minFitScore=high&sort=loudest");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Json.Problem(await response.Content.ReadAsStringAsync()).GetProperty("errors");
        foreach (var field in new[] { "stage", "ownerId", "createdFrom", "fitGrade", "minFitScore", "sort" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }

        var limit = await App.Admin().GetAsync("/api/leads?limit=0&cursor=notacursor");
        var limitErrors = Json.Problem(await limit.Content.ReadAsStringAsync()).GetProperty("errors");
        Assert.True(limitErrors.TryGetProperty("limit", out _));
        Assert.True(limitErrors.TryGetProperty("cursor", out _));
    }

    [Fact]
    public async Task StageChanges_WriteOutboxEvents_InTheSameTransaction()
    {
        var client = App.Admin();
        await using var subscription = await client.SubscribeAsync("lead.*");
        var id = (await client.CreateLeadAsync()).Id();
        await client.MoveAsync(id, new { to = "MQL" });
        await client.MoveAsync(id, new { to = "SAL" }); // illegal? no: MQL -> SAL is allowed
        await client.MoveAsync(id, new { to = "New" }); // illegal: writes nothing

        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var leadId = Guid.Parse(id);
        var events = await db.Outbox.Where(m => m.AggregateId == leadId).OrderBy(m => m.OccurredAt).Select(m => new { m.Type, m.Payload }).ToListAsync();

        Assert.Equal(["lead.created", "lead.stage-changed", "lead.stage-changed"], events.Select(e => e.Type));
        Assert.Equal("SAL", JsonDocument.Parse(events[2].Payload).RootElement.GetProperty("to").GetString());
    }

    [Fact]
    public async Task HistoryEvents_SayWhoAndWhy_WithTheChanges()
    {
        var client = App.Admin();
        await using var subscription = await client.SubscribeAsync("lead.owner-changed", "lead.fields-updated");
        var rep = await client.CreateUserAsync();
        var id = (await client.CreateLeadAsync()).Id();
        var reassigned = await client.PutAsJsonAsync($"/api/leads/{id}/owner", new { kind = "User", id = rep, note = "Knows the \"account\"" });
        Assert.True(reassigned.IsSuccessStatusCode, await reassigned.Content.ReadAsStringAsync());
        Assert.True((await client.PatchAsync($"/api/leads/{id}", Json.Raw("""{"title":"CTO"}"""))).IsSuccessStatusCode);

        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var leadId = Guid.Parse(id);
        var events = await db.Outbox.Where(m => m.AggregateId == leadId).OrderBy(m => m.OccurredAt).ThenBy(m => m.Type).Select(m => new { m.Type, m.Payload }).ToListAsync();

        Assert.Equal(["lead.owner-changed", "lead.fields-updated"], events.Select(e => e.Type));
        var moved = JsonDocument.Parse(events[0].Payload).RootElement;
        // The admin client signs in with an API key: an integration, not a person.
        Assert.Equal(($"user:{rep}", "Knows the \"account\"", "Integration"), (
            moved.GetProperty("changes").GetProperty("owner").GetProperty("to").GetString(),
            moved.GetProperty("note").GetString(),
            moved.GetProperty("actor").GetProperty("kind").GetString()));
        var edited = JsonDocument.Parse(events[1].Payload).RootElement;
        Assert.Equal(leadId, edited.GetProperty("leadId").GetGuid());
        Assert.Equal("CTO", edited.GetProperty("changes").GetProperty("title").GetProperty("to").GetString());
        Assert.False(string.IsNullOrEmpty(edited.GetProperty("actor").GetProperty("id").GetString()));
    }

    [Fact]
    public async Task UnknownLead_Is404ProblemDetails()
    {
        var response = await App.Admin().GetAsync($"/api/leads/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class LeadApiTests_Sqlite(SqliteApp app) : LeadApiTests<SqliteApp>(app);

public sealed class LeadApiTests_Postgres(PostgresApp app) : LeadApiTests<PostgresApp>(app);
