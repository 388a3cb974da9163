using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MessageQueue.Gateway.Operations;

/// <summary>The store answers a query, and its single writer still works (it refuses every change once it failed).</summary>
internal sealed class StoreHealthCheck(IDbContextFactory<MessageQueueDbContext> contextFactory, StoreWriter writer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (writer.Failed)
            return HealthCheckResult.Unhealthy("The store writer failed; every change is refused until restart.");
        if (writer.LastWriteFailure is { } failure)
            return HealthCheckResult.Unhealthy($"The store refuses writes ({failure}); every change is refused until a write succeeds.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        _ = await db.Subjects.AsNoTracking().Select(s => s.Id).FirstOrDefaultAsync(cancellationToken);
        return HealthCheckResult.Healthy("The store answers.");
    }
}

/// <summary>The legacy door's sockets are bound and its poller runs.</summary>
internal sealed class ZmqHealthCheck(ZmqEndpoints endpoints) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(endpoints.Listening
            ? HealthCheckResult.Healthy("The request and publish sockets are bound.")
            : HealthCheckResult.Unhealthy("The ZeroMQ sockets are not bound (starting or stopping)."));
}

/// <summary>Degraded while a sink is still to take, from the store, updates it failed on after their commit.</summary>
internal sealed class FanoutHealthCheck(LocalChangeFanout fanout) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var recovering = string.Join(", ", fanout.Recovering.Select(r => $"{r.Sink} ({r.Subjects} subjects)"));
        return Task.FromResult(recovering.Length == 0
            ? HealthCheckResult.Healthy("Every sink has taken every committed update.")
            : HealthCheckResult.Degraded($"Recovering from the store updates these sinks failed to hand on: {recovering}."));
    }
}
