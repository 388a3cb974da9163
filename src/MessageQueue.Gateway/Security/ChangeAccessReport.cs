using MessageQueue.Gateway.Legacy;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

/// <summary>
/// Says once, at start-up, which doors accept changes without a key and how to close them: the legacy ZeroMQ protocol
/// cannot carry a key, and an operator should not have to read the source to learn that.
/// </summary>
internal sealed partial class ChangeAccessReport(ApiKeys keys, IOptions<ZmqOptions> zmq, ILogger<ChangeAccessReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var door = zmq.Value;
        var endpoint = door.ReplyEndpoint;
        if (!door.AllowChanges)
            Log.ZmqReadOnly(logger, endpoint);
        else if (door.Curve.Enabled)
            Log.ZmqCurve(logger, endpoint);
        else if (Exposure.IsLoopbackZmqEndpoint(endpoint))
            Log.ZmqOpenOnLoopback(logger, endpoint);
        else
            Log.ZmqOpenOnNetwork(logger, endpoint);

        if (keys.Configured)
            Log.HttpKeyed(logger);
        else
            Log.HttpOpen(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        private const string ZmqChanges = "\"3\" posts updates and \"4\" removes email addresses";
        private const string HowToClose = "To close it: set Zmq:AllowChanges=false (read-only: \"3\" and \"4\" refused), configure CurveZMQ "
            + "(Zmq:Curve:ServerSecretKey; only clients given the server's public key get in), or bind Zmq:ReplyEndpoint to tcp://127.0.0.1.";

        [LoggerMessage(6000, LogLevel.Information, "The legacy ZeroMQ door ({Endpoint}) is read-only (Zmq:AllowChanges=false): \"3\" and \"4\" are refused; \"1\" and \"2\" are served")]
        public static partial void ZmqReadOnly(ILogger logger, string endpoint);

        [LoggerMessage(6001, LogLevel.Information, "The legacy ZeroMQ door ({Endpoint}) accepts changes without a key from every client that holds the server's CurveZMQ public key: " + ZmqChanges + ". Zmq:AllowChanges=false makes it read-only")]
        public static partial void ZmqCurve(ILogger logger, string endpoint);

        [LoggerMessage(6002, LogLevel.Information, "The legacy ZeroMQ door ({Endpoint}) accepts changes without a key from any process on this machine: " + ZmqChanges + " (the protocol cannot carry a key). " + HowToClose)]
        public static partial void ZmqOpenOnLoopback(ILogger logger, string endpoint);

        [LoggerMessage(6003, LogLevel.Warning, "The legacy ZeroMQ door ({Endpoint}) accepts changes without a key from other machines (Auth:AllowAnonymous): " + ZmqChanges + " (the protocol cannot carry a key). " + HowToClose)]
        public static partial void ZmqOpenOnNetwork(ILogger logger, string endpoint);

        [LoggerMessage(6004, LogLevel.Information, "The REST API and the hub need a key for changes: publisher or admin to post and to remove an address (or the unsubscribe link's token), admin to create and delete subjects. Registering an address needs none")]
        public static partial void HttpKeyed(ILogger logger);

        [LoggerMessage(6005, LogLevel.Information, "The REST API and the hub accept every change without a key: no Auth:ApiKeys are configured (protected mode keeps them on loopback unless Auth:AllowAnonymous). To close them, configure Auth:ApiKeys")]
        public static partial void HttpOpen(ILogger logger);
    }
}
