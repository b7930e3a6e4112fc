using Handoff.Data;

namespace Handoff.Core.Tests.Data;

public sealed class SqliteWriteGateTests
{
    [Fact]
    public async Task HasWaiters_WhileSomeoneWaitsForTheTurn_AndNotOnceTheyHaveIt()
    {
        using var gate = new SqliteWriteGate();
        var first = await gate.EnterAsync(CancellationToken.None);
        Assert.False(gate.HasWaiters);

        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        Assert.True(gate.HasWaiters); // an import passes the turn on after its batch

        first.Dispose();
        using var turn = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(gate.HasWaiters);
    }

    [Fact]
    public async Task AWaiterThatGivesUp_IsNoLongerCounted()
    {
        using var gate = new SqliteWriteGate();
        using var first = await gate.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var second = gate.EnterAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.False(gate.HasWaiters);
    }

    [Fact]
    public void BulkWriting_WhileAnImportRuns()
    {
        using var gate = new SqliteWriteGate();
        var run = gate.BulkWriter();
        Assert.True(gate.BulkWriting);

        run.Dispose();
        run.Dispose(); // once only

        Assert.False(gate.BulkWriting);
    }
}
