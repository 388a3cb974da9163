using MessageQueue.Gateway.Legacy.Guard;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Zmq;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// A sub source's way out: its SUB socket connects to one outgoing guard per publisher (a loopback port), which relays
/// the connection and cuts it when the publisher's bytes break ZMTP, so that a hostile or broken publisher cannot reach
/// NetMQ's parser. With <see cref="IngestSourceOptions.CurveServerKey"/> the socket is a CurveZMQ client of the publisher.
/// </summary>
internal sealed partial class IngestSource
{
    private readonly List<OutgoingGuard> _guards = [];
    private readonly LogThrottle[] _connectionLines = Enum.GetValues<OutgoingOutcome>().Select(_ => new LogThrottle()).ToArray();

    /// <summary>
    /// Where a sub source's SUB socket connects, one per configured endpoint in order: the loopback endpoint of that
    /// publisher's outgoing guard, or the endpoint itself where no guard stands (not tcp). Connecting and disconnecting
    /// the socket goes by these (on the poller thread). Empty for a pull source.
    /// </summary>
    public IReadOnlyList<string> ConnectEndpoints { get; private set; } = [];

    /// <summary>Connections up to publishers through the guards: connected, and past the publisher's greeting and first command.</summary>
    private int UpstreamPeers
    {
        get
        {
            var up = 0;
            foreach (var guard in _guards)
                up += guard.Upstream;
            return up;
        }
    }

    private void OpenSub(ZmqSocketHost host, OutgoingLimits limits, int hardMaxFrameBytes)
    {
        var sub = new SubscriberSocket();
        Configure(sub, hardMaxFrameBytes);
        ConfigureCurve(sub);
        var connectTo = new List<string>();
        foreach (var endpoint in _options.AllEndpoints)
        {
            var publisher = endpoint;
            var guard = host.GuardOutgoing(endpoint, limits, (outcome, detail) => ConnectionEnded(publisher, outcome, detail));
            if (guard is not null)
                _guards.Add(guard);
            connectTo.Add(guard?.Endpoint ?? endpoint);
        }
        ConnectEndpoints = connectTo;
        // Behind a guard, NetMQ's connection is to the loopback port, up even while the publisher is down: the guard counts
        // those peers. The socket's own events count only the endpoints it reaches directly.
        if (_guards.Count < connectTo.Count)
            host.Monitor(sub, SocketEvents.Connected | SocketEvents.Disconnected, CountDirectPeers);
        if (_options.Topics.Count == 0)
            sub.SubscribeToAnyTopic();
        foreach (var topic in _options.Topics)
            sub.Subscribe(topic);
        host.Connect(sub, _leased ? [] : ConnectEndpoints);
        _connected = !_leased;
        Endpoints = string.Join(", ", _options.AllEndpoints);
        _socket = sub;
    }

    /// <summary>The publisher's public key, and a client key pair: the configured one, or a new one at each start.</summary>
    private void ConfigureCurve(NetMQSocket sub)
    {
        if (string.IsNullOrEmpty(_options.CurveServerKey))
            return;
        sub.Options.CurveServerCertificate = NetMQCertificate.FromPublicKey(_options.CurveServerKey);
        sub.Options.CurveCertificate = string.IsNullOrEmpty(_options.CurveSecretKey)
            ? new NetMQCertificate()
            : NetMQCertificate.CreateFromSecretKey(_options.CurveSecretKey);
    }

    private void CountDirectPeers(SocketEvents e, string address)
    {
        if (!_guards.Exists(g => string.Equals(g.Endpoint, address, StringComparison.OrdinalIgnoreCase)))
            CountPeers(e);
    }

    /// <summary>Counted, and logged at a bounded rate per outcome (on a thread-pool thread).</summary>
    private void ConnectionEnded(string publisher, OutgoingOutcome outcome, string? detail)
    {
        _metrics.IngestConnectionEnded(_sourceTag, outcome);
        if (!_connectionLines[(int)outcome].ShouldLog(out var suppressed))
            return;
        switch (outcome)
        {
            case OutgoingOutcome.Violation:
                Log.PublisherCut(_logger, Name, publisher, detail ?? "", suppressed);
                break;
            case OutgoingOutcome.Unreachable:
                Log.PublisherUnreachable(_logger, Name, publisher, detail ?? "connection refused or timed out", suppressed);
                break;
            case OutgoingOutcome.HandshakeFailed:
                Log.PublisherHandshakeFailed(_logger, Name, publisher, detail ?? "closed", CurveHint, suppressed);
                break;
            default:
                Log.PublisherClosed(_logger, Name, publisher, suppressed);
                break;
        }
    }

    private string CurveHint => string.IsNullOrEmpty(_options.CurveServerKey)
        ? "is it a ZeroMQ PUB without CurveZMQ?"
        : "is CurveServerKey the publisher's public key?";
}
