using System.Net;
using System.Net.Http.Json;
using Handoff.Web.Hosting;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Capture;

/// <summary>An <c>Idempotency-Key</c> is kept for the retention (24 h by default), then its record is deleted.</summary>
public abstract class IdempotencyExpiryTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : HandoffApp
{
    private static HttpRequestMessage Post(string key, string email, string source)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = JsonContent.Create(new { email, source }) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task AKeyOlderThanTheRetention_IsDeleted_AndThenANewRequest_WhileAYoungerKeyStillReplays()
    {
        var client = app.Admin();
        var source = $"expiry-{Guid.NewGuid():N}";
        var (old, young) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post(old, $"a.{source}@acme-corp.io", source))).StatusCode);
        app.Clock.Advance(TimeSpan.FromHours(23));
        var first = await client.SendAsync(Post(young, $"b.{source}@acme-corp.io", source));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var worker = app.Services.GetRequiredService<IdempotencyExpiryWorker>();

        // Both within the retention: nothing goes, and the old key with another body is still refused.
        Assert.Equal(0, await worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.SendAsync(Post(old, $"c.{source}@acme-corp.io", source))).StatusCode);

        app.Clock.Advance(TimeSpan.FromHours(2));
        Assert.True(await worker.RunOnceAsync(CancellationToken.None) >= 1);

        var reused = await client.SendAsync(Post(old, $"c.{source}@acme-corp.io", source));
        Assert.Equal(HttpStatusCode.Created, reused.StatusCode);
        Assert.False(reused.Headers.Contains("Idempotent-Replayed"));
        var replay = await client.SendAsync(Post(young, $"b.{source}@acme-corp.io", source));
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        var list = await (await client.GetAsync($"/api/leads?source={source}")).ReadObjectAsync();
        Assert.Equal(3, list["items"]!.AsArray().Count);
    }
}

public sealed class IdempotencyExpiryTests_Sqlite(ClockedSqliteApp app) : IdempotencyExpiryTests<ClockedSqliteApp>(app);

public sealed class IdempotencyExpiryTests_Postgres(ClockedPostgresApp app) : IdempotencyExpiryTests<ClockedPostgresApp>(app);
