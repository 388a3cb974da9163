using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Operations;

/// <summary>Health probes and metrics.</summary>
public sealed class OperationsOptions
{
    public const string SectionName = "Operations";

    /// <summary>How long the readiness probe waits for the SMTP server to connect and answer EHLO and NOOP.</summary>
    [Range(0.1, 60)]
    public double SmtpProbeTimeoutSeconds { get; set; } = 3;

    /// <summary>How long one SMTP probe's outcome is reused, so frequent readiness probes do not hammer the server.</summary>
    [Range(0, 3600)]
    public double SmtpProbeCacheSeconds { get; set; } = 15;

    /// <summary>How long one read of the outbox's counts serves the metrics (one scrape reads several of them).</summary>
    [Range(0, 3600)]
    public double OutboxCountCacheSeconds { get; set; } = 1;
}
