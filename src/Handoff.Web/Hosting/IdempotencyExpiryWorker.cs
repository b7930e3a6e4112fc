using Handoff.Capture;
using Microsoft.Extensions.Options;

namespace Handoff.Web.Hosting;

/// <summary>Deletes the records of expired <c>Idempotency-Key</c>s every <see cref="IdempotencyOptions.SweepInterval"/>.</summary>
internal sealed class IdempotencyExpiryWorker(IServiceScopeFactory scopes, IOptions<IdempotencyOptions> options, ILogger<IdempotencyExpiryWorker> log) : PollingWorker(log)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    /// <summary>Runs one pass now (tests call this instead of waiting).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IdempotencyExpiry>().RunOnceAsync(ct);
    }

    protected override async Task<bool> PassAsync(CancellationToken ct)
    {
        var deleted = await RunOnceAsync(ct);
        if (deleted > 0)
        {
            log.LogInformation("Deleted {Count} expired idempotency records", deleted);
        }

        return false;
    }
}
