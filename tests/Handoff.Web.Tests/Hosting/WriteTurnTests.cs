using System.Net;
using System.Net.Http.Json;
using System.Text;
using Handoff.Data;
using Handoff.Import;
using Handoff.Web.Tests.Import;
using Handoff.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Web.Tests.Hosting;

/// <summary>
/// SQLite: every write transaction queues for the one write turn (an import passes it on after its batch when someone
/// waits), instead of polling SQLite's lock while an import holds it for seconds.
/// </summary>
public sealed class WriteTurnTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task AnEditWhileAnotherWriterHasTheTurn_QueuesForIt_AndIsDoneAsSoonAsTheTurnIsPassedOn()
    {
        var client = app.Admin();
        var lead = (await (await client.PostAsJsonAsync("/api/leads", new { email = $"turn-{Guid.NewGuid():N}@example.com" })).ReadObjectAsync())["lead"]!.AsObject().Id();
        var gate = app.Services.GetRequiredService<SqliteWriteGate>();

        var held = await gate.EnterAsync(CancellationToken.None); // as an import holds it through a batch
        var edit = client.PatchAsync($"/api/leads/{lead}", Json.Raw("""{"title":"VP Sales"}"""));
        await WaitUntilAsync(() => gate.HasWaiters);
        await Task.Delay(300); // SQLite's lock is free: without the queue the edit takes milliseconds
        Assert.False(edit.IsCompleted);

        held.Dispose();
        var response = await edit.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ATransactionThatEndsWithoutCommitOrRollback_PassesTheTurnOn()
    {
        var gate = app.Services.GetRequiredService<SqliteWriteGate>();
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
            await using (await db.Database.BeginTransactionAsync())
            {
                await db.Database.ExecuteSqlRawAsync("UPDATE leads SET title = title WHERE 0");
            }

            // Disposed, neither committed nor rolled back: the turn must not stay with this context.
            using var next = await gate.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task AContextThatHoldsTheTurn_RunsItsTransactionsInIt()
    {
        var gate = app.Services.GetRequiredService<SqliteWriteGate>();
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
        using (var turn = await gate.EnterAsync(db, CancellationToken.None))
        {
            Assert.NotNull(turn);
            for (var i = 0; i < 2; i++)
            {
                // Would wait for the turn its own caller holds (and go ahead without it only after SqliteWriteGate.MaxWait).
                await using var transaction = await db.Database.BeginTransactionAsync().WaitAsync(TimeSpan.FromSeconds(5));
                await db.Database.ExecuteSqlRawAsync("UPDATE leads SET title = title WHERE 0");
                await transaction.CommitAsync();
            }

            Assert.Null(await gate.EnterAsync(db, CancellationToken.None)); // the turn is not taken twice
        }

        using var next = await gate.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AnImportWaitingForItsReader_PassesTheTurnOnToAWriterThatComes()
    {
        var t = Guid.NewGuid().ToString("N")[..10];
        var rows = Enumerable.Range(0, 30).Select(i => $"w{i}@{t}.io,Wes,{t}");
        var job = await app.StartInProcessAsync(Encoding.UTF8.GetBytes("Email,First Name,Company\n" + string.Join('\n', rows) + "\n"), "slow-reader.csv");
        var gate = app.Services.GetRequiredService<SqliteWriteGate>();
        var secondBatch = new TaskCompletionSource();
        var readerStalled = new TaskCompletionSource();

        await using var scope = app.Services.CreateAsyncScope();
        var run = scope.ServiceProvider.GetRequiredService<RunImport>();
        run.BatchSize = 10;
        run.RowsPerTransaction = 1_000; // one transaction for the whole file, unless someone waits
        run.BeforeBatchRead = async batch =>
        {
            if (batch == 2)
            {
                readerStalled.SetResult();
                await secondBatch.Task; // the reader is slow: the writer has written batch 1 and waits, in its transaction
            }
        };
        var firstWritten = new TaskCompletionSource();
        var running = run.RunAsync(job.Id, "test-runner", new Reports(p => _ = p.RowsProcessed >= 10 && firstWritten.TrySetResult()), CancellationToken.None);
        await Task.WhenAll(readerStalled.Task, firstWritten.Task).WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200); // the writer is past its check after batch 1 and waits for batch 2, its transaction open

        // Gets the turn while the reader is still stalled: the import committed its first batch and passed it on.
        using (await gate.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)))
        {
            Assert.False(running.IsCompleted);
        }

        secondBatch.SetResult();
        var done = await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((ImportStatus.Completed, 30), (done!.Status, done.Imported));
    }

    /// <summary>Progress reports as they happen, on the import's own thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Reports(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var until = DateTime.UtcNow.AddSeconds(10); !condition(); await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < until, "timed out");
        }
    }
}
