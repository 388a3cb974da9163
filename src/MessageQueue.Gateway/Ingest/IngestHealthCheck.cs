using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// Degraded, not down, while a <c>sub</c> source this instance reads reaches none of its publishers: ZeroMQ reconnects
/// by itself, and the gateway's own doors work meanwhile. A <c>pull</c> source without peers is normal (PUSH services
/// come and go), and so is a <c>sub</c> source on standby (another instance reads it). Degraded too while this instance
/// cannot reach PostgreSQL for its leases: it reads no <c>sub</c> source then.
/// </summary>
internal sealed class IngestHealthCheck(IngestService ingest) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var sources = ingest.Statuses();
        var disconnected = sources.Where(s => s.Disconnected).Select(s => $"{s.Name} ({s.Endpoints})").ToList();
        return Task.FromResult(
            sources.Count == 0 ? HealthCheckResult.Healthy("No ingest sources configured.")
            : ingest.LeaseProblem is { } problem ? HealthCheckResult.Degraded($"Ingest leases cannot be taken or kept ({problem}): this instance reads no sub source meanwhile.")
            : disconnected.Count > 0 ? HealthCheckResult.Degraded($"Ingest sources reaching none of their publishers (ZeroMQ keeps reconnecting): {string.Join(", ", disconnected)}.")
            : HealthCheckResult.Healthy($"Ingest sources: {string.Join(", ", sources.Select(s => $"{s.Name} {s.State}, {s.Peers} peers"))}."));
    }
}
