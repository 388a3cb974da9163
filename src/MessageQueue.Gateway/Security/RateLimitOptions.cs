using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Security;

/// <summary>
/// Requests per client over HTTP and the hub, as a token bucket: a client may send <see cref="BurstRequests"/> at once,
/// then <see cref="RequestsPerSecond"/>. A client is its API key, or its address when it sends none.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Bucket size: generous for pages and services, yet a thousand requests in one second trip it.</summary>
    [Range(1, 1_000_000)]
    public int BurstRequests { get; set; } = 300;

    /// <summary>How fast the bucket refills.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 100;
}
