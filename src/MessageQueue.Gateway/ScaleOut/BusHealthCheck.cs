using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>Degraded, not down, while Redis is configured and unreachable: other instances' changes still arrive from the store, late.</summary>
internal sealed class BusHealthCheck(RedisChangeBus bus) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult((bus.Configured, bus.Redis) switch
        {
            (false, _) => HealthCheckResult.Healthy("Bus:Redis is not set: no changes are relayed to other instances."),
            (true, { IsConnected: true }) => HealthCheckResult.Healthy("Changes are relayed through Redis."),
            _ => HealthCheckResult.Degraded("Redis is unreachable: other instances' changes arrive from the store, late."),
        });
}
