using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Connections;

/// <summary>Connections to the HTTP door (REST, event streams, the hub, the dashboard) and how long an idle one may stay.</summary>
public sealed class HttpConnectionOptions
{
    public const string SectionName = "Http";

    /// <summary>Open HTTP connections at most, WebSockets included; 0 sizes it from the open-files limit (and a larger value is lowered to that).</summary>
    [Range(0, 10_000_000)]
    public int MaxConnections { get; set; }

    /// <summary>Open HTTP connections from one client address (an IPv6 /64) at most; 0 is a quarter of <see cref="MaxConnections"/> (behind a proxy every client has its address: set it to <see cref="MaxConnections"/>).</summary>
    [Range(0, 10_000_000)]
    public int MaxConnectionsPerAddress { get; set; }

    /// <summary>Time to send a request's headers once it has begun (Kestrel's default is 30 s): cuts slow-header clients.</summary>
    [Range(1, 600)]
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How long a connection may wait for its next request, its first one included (Kestrel's default is 130 s). Longer
    /// than the 60 s idle timeout of common proxies, so that a proxy in front closes an idle connection first.
    /// </summary>
    [Range(1, 3600)]
    public int KeepAliveTimeoutSeconds { get; set; } = 65;
}
