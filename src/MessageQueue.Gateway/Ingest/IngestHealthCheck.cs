using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// Degraded, not down, while a <c>sub</c> source reaches none of its publishers: ZeroMQ reconnects by itself, and the
/// gateway's own doors work meanwhile. A <c>pull</c> source without peers is normal (PUSH services come and go).
/// </summary>
internal sealed class IngestHealthCheck(IngestService ingest) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var sources = ingest.Statuses();
        var disconnected = sources.Where(s => s.Disconnected).Select(s => $"{s.Name} ({s.Endpoints})").ToList();
        return Task.FromResult(
            sources.Count == 0 ? HealthCheckResult.Healthy("No ingest sources configured.")
            : disconnected.Count > 0 ? HealthCheckResult.Degraded($"Ingest sources reaching none of their publishers (ZeroMQ keeps reconnecting): {string.Join(", ", disconnected)}.")
            : HealthCheckResult.Healthy($"Ingest sources: {string.Join(", ", sources.Select(s => $"{s.Name} {s.State}, {s.Peers} peers"))}."));
    }
}
