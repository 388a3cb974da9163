using System.Net;
using MessageQueue.Gateway.Operations;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Connections;

/// <summary>
/// Kestrel's side of the budget: every HTTP endpoint first passes a connection middleware that holds the HTTP gate,
/// so a connection over a cap is closed before Kestrel reads a byte of it. It counts WebSockets too (each is a
/// descriptor), which Kestrel's own MaxConcurrentConnections does not, and it refuses with a metric and a
/// rate-limited log line instead of a warning per connection.
/// </summary>
internal sealed partial class HttpConnectionLimits(
    ConnectionBudget budget,
    GatewayMetrics metrics,
    IOptions<HttpConnectionOptions> options,
    ILogger<HttpConnectionLimits> logger) : IConfigureOptions<KestrelServerOptions>
{
    private readonly LogThrottle _refusals = new();

    public void Configure(KestrelServerOptions kestrel)
    {
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.Value.RequestHeadersTimeoutSeconds);
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(options.Value.KeepAliveTimeoutSeconds);
        // MinRequestBodyDataRate stays Kestrel's: a body slower than 240 bytes/s after a 5 s grace is cut.
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection => AdmitAsync(next, connection)));
    }

    private async Task AdmitAsync(ConnectionDelegate next, ConnectionContext connection)
    {
        var gate = budget.Http;
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (!gate.TryEnter(address, out var refusal))
        {
            metrics.ConnectionRefused(ConnectionDoor.Http, refusal);
            if (_refusals.ShouldLog(out var suppressed))
                Log.Refused(logger, address, refusal, gate.Max, gate.MaxPerAddress, suppressed);
            connection.Abort(); // not a word read or written: the connection is closed when this returns
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            gate.Exit(address);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(8010, LogLevel.Warning, "Refused an HTTP connection from {Address}: {Reason} (caps {Max} in all, {MaxPerAddress} per address); {Suppressed} more refused since the last line")]
        public static partial void Refused(ILogger logger, IPAddress? address, ConnectionRefusal reason, int max, int maxPerAddress, long suppressed);
    }
}
