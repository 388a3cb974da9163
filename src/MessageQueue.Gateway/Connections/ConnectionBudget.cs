using MessageQueue.Gateway.Legacy;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Connections;

/// <summary>
/// The connection caps of every door, sized from the open-files limit so that connections can never use up the
/// descriptors: a legacy connection costs three (the guard's socket, its loopback leg to NetMQ, NetMQ's end), an
/// HTTP connection one. A reserve is kept for everything else (loaded assemblies, the store, logs, SMTP, NetMQ's
/// own sockets); the rest is shared half and half between the two doors.
/// </summary>
public sealed partial class ConnectionBudget
{
    public const int LegacyCost = 3;
    public const int HttpCost = 1;

    /// <summary>What an idle gateway holds open (about 350, most of it loaded assemblies) with room to grow.</summary>
    private const int BaseReserve = 512;

    /// <summary>Where the limit cannot be read (not Linux), the caps are sized as for this one.</summary>
    private const int AssumedLimit = 65_536;

    public ConnectionBudget(IOptions<ZmqOptions> zmq, IOptions<HttpConnectionOptions> http, ILogger<ConnectionBudget> logger)
    {
        var raised = Connections.OpenFilesLimit.Raise();
        OpenFilesLimit = raised?.Limit ?? AssumedLimit;
        Reserve = (int)Math.Min(OpenFilesLimit, BaseReserve + OpenFilesLimit / 8);
        var share = (OpenFilesLimit - Reserve) / 2;

        var zmqMax = Cap($"{ZmqOptions.SectionName}:{nameof(ZmqOptions.MaxConnections)}", zmq.Value.MaxConnections, (int)Math.Max(1, share / LegacyCost), logger);
        var httpMax = Cap($"{HttpConnectionOptions.SectionName}:{nameof(HttpConnectionOptions.MaxConnections)}", http.Value.MaxConnections, (int)Math.Max(1, share / HttpCost), logger);
        Zmq = new ConnectionGate(ConnectionDoor.Zmq, zmqMax, PerAddress(zmq.Value.MaxConnectionsPerAddress, zmqMax));
        Http = new ConnectionGate(ConnectionDoor.Http, httpMax, PerAddress(http.Value.MaxConnectionsPerAddress, httpMax));

        if (raised is { } found)
            Log.Budget(logger, OpenFilesLimit, found.Before, Zmq.Max, Zmq.MaxPerAddress, Http.Max, Http.MaxPerAddress, Reserve);
        else
            Log.BudgetAssumed(logger, OpenFilesLimit, Zmq.Max, Zmq.MaxPerAddress, Http.Max, Http.MaxPerAddress);
    }

    /// <summary>The open-files limit in force (after raising it), or the one assumed where there is none to read.</summary>
    public long OpenFilesLimit { get; }

    /// <summary>Descriptors kept out of the doors' reach.</summary>
    public int Reserve { get; }

    public ConnectionGate Zmq { get; }

    public ConnectionGate Http { get; }

    public ConnectionGate For(ConnectionDoor door) => door == ConnectionDoor.Zmq ? Zmq : Http;

    /// <summary>A configured cap (0: automatic) within what the budget allows; a larger one is lowered, with a warning.</summary>
    private int Cap(string setting, int configured, int allowed, ILogger logger)
    {
        if (configured == 0)
            return allowed;
        if (configured <= allowed)
            return configured;
        Log.CapLowered(logger, setting, configured, OpenFilesLimit, allowed);
        return allowed;
    }

    // A quarter: one address cannot fill a door, and one busy client (a NAT, a test harness) has room for bursts.
    private static int PerAddress(int configured, int max) => configured == 0 ? Math.Max(1, max / 4) : Math.Min(configured, max);

    private static partial class Log
    {
        [LoggerMessage(8000, LogLevel.Information, "Open-files limit {Limit} (soft limit before raising it: {Before}); connection caps: ZeroMQ {ZmqMax} ({ZmqPerAddress} per address, 3 descriptors each), HTTP {HttpMax} ({HttpPerAddress} per address); {Reserve} descriptors kept for the rest")]
        public static partial void Budget(ILogger logger, long limit, long before, int zmqMax, int zmqPerAddress, int httpMax, int httpPerAddress, int reserve);

        [LoggerMessage(8001, LogLevel.Information, "No open-files limit to read here; connection caps sized as for {Limit}: ZeroMQ {ZmqMax} ({ZmqPerAddress} per address), HTTP {HttpMax} ({HttpPerAddress} per address)")]
        public static partial void BudgetAssumed(ILogger logger, long limit, int zmqMax, int zmqPerAddress, int httpMax, int httpPerAddress);

        [LoggerMessage(8002, LogLevel.Warning, "{Setting} is {Configured}, more than the open-files limit {Limit} leaves room for; using {Allowed} (raise the limit, e.g. ulimit -n or LimitNOFILE, to allow more)")]
        public static partial void CapLowered(ILogger logger, string setting, int configured, long limit, int allowed);
    }
}
