using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Handoff.Common;
using Handoff.Data;
using Handoff.Scoring;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Scoring;

/// <summary>
/// An edit of a draft and its activation at the same moment, made deterministic: one side reads the draft in a
/// context of its own and writes only after the other side has committed, as the loser of a real race does.
/// </summary>
public abstract class ScoringModelEditTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    protected TApp App { get; } = app;

    [Fact]
    public async Task Edit_ThatLosesARaceWithTheActivation_BecomesANewDraft_AndTheActiveDocumentNeverChanges()
    {
        var client = App.Admin();
        var draft = await CreateAsync(client, "Race: edit loses");
        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var models = scope.ServiceProvider.GetRequiredService<Handoff.Scoring.ScoringModels>();

        // The edit has read the draft (still a draft to it) when the activation commits.
        var seen = await db.ScoringModels.SingleAsync(m => m.Id == draft);
        Assert.Equal(ScoringModelStatus.Draft, seen.Status);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/scoring/models/{draft}/activate", null)).StatusCode);

        var edited = await models.EditAsync(draft, Document("Race: edit loses", points: 77), expectedRevision: null, CancellationToken.None);

        Assert.Null(edited.Error);
        Assert.True(edited.Value!.NewVersion);
        Assert.NotEqual(draft, edited.Value.Model.Id);
        Assert.Equal(77, edited.Value.Model.Document!.FitRules![0].Points);
        var active = await (await client.GetAsync($"/api/scoring/models/{draft}")).ReadObjectAsync();
        Assert.Equal("Active", active["status"]!.GetValue<string>());
        Assert.Equal(30, active["document"]!["fitRules"]![0]!["points"]!.GetValue<int>());
    }

    [Fact]
    public async Task Activation_ThatLosesARaceWithAnEdit_IsRefused_AndLeavesTheEditedDraftAndTheActiveModelAlone()
    {
        var client = App.Admin();
        var activeBefore = await ActiveIdAsync(client);
        var draft = await CreateAsync(client, "Race: activation loses");
        await using var scope = App.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        var models = scope.ServiceProvider.GetRequiredService<Handoff.Scoring.ScoringModels>();

        // The activation has read the draft when the edit commits.
        await db.ScoringModels.SingleAsync(m => m.Id == draft);
        var edit = await client.PutAsync($"/api/scoring/models/{draft}", Json.Raw(Text("Race: activation loses", points: 77)));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);

        var activation = await models.ActivateAsync(draft, Actor.System("test"), expectedRevision: null, CancellationToken.None);

        var conflict = Assert.IsType<ConflictError>(activation.Error);
        Assert.Equal("concurrent-change", conflict.Code);
        var stored = await (await client.GetAsync($"/api/scoring/models/{draft}")).ReadObjectAsync();
        Assert.Equal("Draft", stored["status"]!.GetValue<string>());
        Assert.Equal(77, stored["document"]!["fitRules"]![0]!["points"]!.GetValue<int>());
        Assert.Equal(activeBefore, await ActiveIdAsync(client));
        var version = stored["version"]!.GetValue<int>();
        Assert.False(await db.RescoreJobs.AsNoTracking().AnyAsync(j => j.ModelVersion == version));
    }

    [Fact]
    public async Task Edit_WithAStaleIfMatch_IsRefusedWith412_AndTheCurrentETagWins()
    {
        var client = App.Admin();
        var draft = await CreateAsync(client, "Two admins");
        var read = await client.GetAsync($"/api/scoring/models/{draft}");
        var etag = read.Headers.ETag!;

        // Admin one saves first, with the ETag both read.
        var first = await PutAsync(client, draft, Text("Two admins", points: 40), etag);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var newer = first.Headers.ETag!;
        Assert.NotEqual(etag.Tag, newer.Tag);

        // Admin two saves with the ETag read before: refused, nothing written.
        var second = await PutAsync(client, draft, Text("Two admins", points: 50), etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, second.StatusCode);
        Assert.Equal("stale-version", (await second.ReadObjectAsync())["code"]!.GetValue<string>());
        var stored = await client.GetAsync($"/api/scoring/models/{draft}");
        Assert.Equal(40, (await stored.ReadObjectAsync())["document"]!["fitRules"]![0]!["points"]!.GetValue<int>());
        Assert.Equal(newer.Tag, stored.Headers.ETag!.Tag);

        // An activation with the stale ETag is refused too; with the current one it goes through, and changes the ETag.
        var staleActivation = new HttpRequestMessage(HttpMethod.Post, $"/api/scoring/models/{draft}/activate");
        staleActivation.Headers.IfMatch.Add(etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(staleActivation)).StatusCode);
        var activation = new HttpRequestMessage(HttpMethod.Post, $"/api/scoring/models/{draft}/activate");
        activation.Headers.IfMatch.Add(newer);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(activation)).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await PutAsync(client, draft, Text("Two admins", points: 60), newer)).StatusCode);
        Assert.Equal(40, (await (await client.GetAsync($"/api/scoring/models/{draft}")).ReadObjectAsync())["document"]!["fitRules"]![0]!["points"]!.GetValue<int>());
    }

    private static async Task<Guid> CreateAsync(HttpClient client, string name)
    {
        var created = await client.PostAsync("/api/scoring/models", Json.Raw(Text(name, points: 30)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return Guid.Parse((await created.ReadObjectAsync()).Id());
    }

    private static async Task<string> ActiveIdAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/scoring/models")).ReadArrayAsync()).Single(m => m!["status"]!.GetValue<string>() == "Active")!["id"]!.GetValue<string>();

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, Guid id, string body, EntityTagHeaderValue ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/scoring/models/{id}") { Content = Json.Raw(body) };
        request.Headers.IfMatch.Add(ifMatch);
        return client.SendAsync(request);
    }

    /// <summary>The shared test model with the big-company fit rule worth <paramref name="points"/>.</summary>
    private static string Text(string name, int points) =>
        ScoringModels.Test(name).Replace("\"points\": 30", $"\"points\": {points}", StringComparison.Ordinal);

    private static ScoringDocument Document(string name, int points) =>
        JsonSerializer.Deserialize<ScoringDocument>(Text(name, points), ScoringModel.Json)!;
}

public sealed class ScoringModelEditTests_Sqlite(ClockedSqliteApp app) : ScoringModelEditTests<ClockedSqliteApp>(app);

public sealed class ScoringModelEditTests_Postgres(ClockedPostgresApp app) : ScoringModelEditTests<ClockedPostgresApp>(app);
