using System.Net.Sockets;
using MessageQueue.Gateway.Hosting;
using MessageQueue.Gateway.Legacy.Guard;
using MessageQueue.Gateway.Operations;
using NetMQ;
using NetMQ.Monitoring;

namespace MessageQueue.Gateway.Zmq;

/// <summary>How a <see cref="ZmqSocketHost"/> runs its sockets.</summary>
/// <param name="ThreadName">The poller thread's name (per-thread CPU figures go by it).</param>
/// <param name="Linger">How long closing sockets may spend sending what is still queued.</param>
/// <param name="Curve">The server's key pair: with it, every bound socket is a CURVE server.</param>
/// <param name="Unguarded">Bind straight to the endpoints, without a ZMTP guard in front: for measurement only.</param>
internal sealed record ZmqHostSettings(string ThreadName, TimeSpan Linger, NetMQCertificate? Curve = null, bool Unguarded = false);

/// <summary>
/// One poller thread that owns some NetMQ sockets (they are not thread safe), and the queues through which other
/// threads reach them. A bound socket sits behind a ZMTP guard within its limits, and is a CURVE server when the
/// settings carry a key; a socket that connects out may go through outgoing guards (<see cref="GuardOutgoing"/>), which
/// share one relay thread. Whoever uses the host handles what the sockets read; the host owns their lifetime.
/// </summary>
/// <remarks>
/// Teardown is ordered: <see cref="StopAccepting"/> (no new peers), then <see cref="CloseAsync"/> sends what is
/// still queued, closes the sockets with their linger, and last closes the guards' connections, once NetMQ has
/// closed its side of them.
/// </remarks>
internal sealed class ZmqSocketHost(ZmqHostSettings settings, GatewayMetrics metrics, ILogger logger) : IDisposable
{
    private readonly List<NetMQSocket> _sockets = [];
    private readonly List<ISocketPollable> _polled = [];
    private readonly List<ZmtpGuard> _guards = [];
    private readonly List<OutgoingGuard> _outgoing = [];
    private GuardLoop? _outgoingLoop;
    private readonly List<NetMQMonitor> _monitors = [];
    private readonly List<(NetMQSocket Socket, string Endpoint)> _connects = [];
    private readonly List<Action> _sendQueued = [];
    private readonly List<Action> _closeQueues = [];
    private readonly Lock _closeGate = new();
    private NetMQPoller? _poller;
    private Task? _close;
    private bool _socketsClosed;

    /// <summary>True once <see cref="Start"/> has run the poller thread.</summary>
    public bool Started => _poller is not null;

    /// <summary>
    /// Binds <paramref name="socket"/> behind a guard within <paramref name="limits"/> (before <see cref="Start"/>); the
    /// host owns it from now on. Returns the endpoint peers connect to, a configured port 0 resolved; a port in use
    /// ends start-up with one line naming <paramref name="setting"/>.
    /// </summary>
    public string Bind(NetMQSocket socket, string setting, string endpoint, GuardLimits limits)
    {
        EnsureNotStarted();
        _sockets.Add(socket);
        _polled.Add(socket);
        if (settings.Curve is { } curve)
        {
            socket.Options.CurveServer = true;
            socket.Options.CurveCertificate = curve;
        }
        socket.Options.Linger = settings.Linger;
        socket.Options.Backlog = ZmtpGuard.Backlog; // NetMQ's 100 would leave the guard's legs waiting in SYN-SENT, holding their caps
        try
        {
            if (settings.Unguarded)
            {
                socket.Bind(endpoint);
                return socket.Options.LastEndpoint ?? endpoint;
            }
            var bound = ZmtpGuard.BindBehind(socket, endpoint, limits, metrics, logger, out var guard);
            if (guard is not null)
                _guards.Add(guard);
            return bound;
        }
        catch (Exception e) when (e is SocketException or NetMQException)
        {
            throw StartupFailure.ZmqBindFailure(setting, endpoint, e);
        }
    }

    /// <summary>
    /// Connects <paramref name="socket"/> to <paramref name="endpoints"/> once the host starts (so that its monitor
    /// sees the connection); the host owns it from now on. To have a guard check what the peer sends, connect to the
    /// endpoints <see cref="GuardOutgoing"/> returns.
    /// </summary>
    public void Connect(NetMQSocket socket, IEnumerable<string> endpoints)
    {
        EnsureNotStarted();
        _sockets.Add(socket);
        _polled.Add(socket);
        socket.Options.Linger = settings.Linger;
        foreach (var endpoint in endpoints)
            _connects.Add((socket, endpoint));
    }

    /// <summary>
    /// Puts an outgoing guard in front of the publisher at <paramref name="endpoint"/> (before <see cref="Start"/>): a
    /// socket connects to the guard's loopback <see cref="OutgoingGuard.Endpoint"/> instead, and the guard relays each
    /// connection to the publisher, cutting it when the publisher's bytes break ZMTP or <paramref name="limits"/>;
    /// <paramref name="ended"/> hears how each ended. Null where no guard can stand (an endpoint that is not tcp, or
    /// the settings say unguarded): connect to the endpoint itself.
    /// </summary>
    public OutgoingGuard? GuardOutgoing(string endpoint, OutgoingLimits limits, Action<OutgoingOutcome, string?> ended)
    {
        EnsureNotStarted();
        if (settings.Unguarded || TcpEndpoint.Split(endpoint) is null)
            return null;
        if (GuardLoop.Supported)
            _outgoingLoop ??= new GuardLoop(settings.ThreadName + "-guard", logger);
        var guard = new OutgoingGuard(endpoint, limits, _outgoingLoop, ended);
        _outgoing.Add(guard);
        return guard;
    }

    /// <summary>
    /// Reports <paramref name="events"/> of <paramref name="socket"/> (one of this host's, before it binds or connects)
    /// to <paramref name="onEvent"/> on the poller thread: how a source knows whether its peers are connected.
    /// </summary>
    public void Monitor(NetMQSocket socket, SocketEvents events, Action<SocketEvents> onEvent) =>
        Monitor(socket, events, (e, _) => onEvent(e));

    /// <summary>As <see cref="Monitor(NetMQSocket, SocketEvents, Action{SocketEvents})"/>, with the address each event is about.</summary>
    public void Monitor(NetMQSocket socket, SocketEvents events, Action<SocketEvents, string> onEvent)
    {
        EnsureNotStarted();
        var monitor = new NetMQMonitor(socket, $"inproc://monitor-{Guid.NewGuid():N}", events);
        monitor.EventReceived += (_, e) => onEvent(e.SocketEvent, e.Address);
        _monitors.Add(monitor);
    }

    /// <summary>
    /// Lets other threads reach the sockets through <paramref name="queue"/> (before <see cref="Start"/>): the poller
    /// thread hands each item to <paramref name="send"/>, and <see cref="CloseAsync"/> sends what is left before the
    /// sockets close.
    /// </summary>
    public void Poll<T>(ZmqHostQueue<T> queue, Action<T> send)
    {
        EnsureNotStarted();
        var items = queue.Items;
        void SendQueued()
        {
            while (items.TryDequeue(out var item, TimeSpan.Zero))
                send(item);
        }
        items.ReceiveReady += (_, _) => SendQueued();
        _polled.Add(items);
        _sendQueued.Add(SendQueued);
        _closeQueues.Add(queue.Close);
    }

    /// <summary>Runs the poller thread over every socket bound and queue polled, in that order.</summary>
    public void Start()
    {
        EnsureNotStarted();
        _poller = [];
        foreach (var polled in _polled)
            _poller.Add(polled);
        // A monitor hears only what happens after it is attached: NetMQ drops events until then.
        foreach (var monitor in _monitors)
            monitor.AttachToPoller(_poller);
        foreach (var (socket, endpoint) in _connects)
            socket.Connect(endpoint);
        _poller.RunAsync(settings.ThreadName);
    }

    /// <summary>Runs <paramref name="action"/> on the poller thread, the only one that may touch the sockets.</summary>
    public Task InvokeAsync(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.None, _poller ?? throw new InvalidOperationException("The host has not started."));

    /// <summary>New peers are turned away at the guards (and new connections out at the outgoing ones); the connected ones go on.</summary>
    public void StopAccepting()
    {
        foreach (var guard in _guards)
            guard.StopAccepting();
        foreach (var guard in _outgoing)
            guard.StopAccepting();
    }

    /// <summary>
    /// Sends what is queued, then closes the queues (later items are dropped), stops the poller, closes the sockets
    /// with a bounded linger, and the guards' connections once NetMQ has closed its side.
    /// </summary>
    /// <remarks>
    /// A host may be stopped twice at once (a test host stops it while its entry point does too): both callers
    /// share one close, so neither disposes the sockets under the other.
    /// </remarks>
    public Task CloseAsync()
    {
        lock (_closeGate)
            return _close ??= CloseCoreAsync();
    }

    private async Task CloseCoreAsync()
    {
        if (_poller is null)
            return;
        // ConfigureAwait(false): a host stopped synchronously must not need its caller's context to finish.
        await InvokeAsync(SendQueued).ConfigureAwait(false);
        foreach (var close in _closeQueues)
            close();
        _poller.Stop();
        CloseSockets();
        var grace = settings.Linger + TimeSpan.FromSeconds(1);
        await Task.WhenAll(_guards.Select(g => g.StopAsync(grace)).Concat(_outgoing.Select(g => g.StopAsync(grace)))).ConfigureAwait(false);
    }

    // The poller is made at start from what was bound and polled before; NetMQ could add more later, nothing here needs it.
    private void EnsureNotStarted()
    {
        if (_poller is not null)
            throw new InvalidOperationException("The host has started: bind sockets and poll queues before it starts.");
    }

    private void SendQueued()
    {
        foreach (var sendQueued in _sendQueued)
            sendQueued();
    }

    public void Dispose()
    {
        CloseSockets();
        foreach (var guard in _guards)
            guard.Dispose();
        foreach (var guard in _outgoing)
            guard.Dispose();
        _outgoingLoop?.Dispose(); // after the cuts, which it carries out before it stops
    }

    private void CloseSockets()
    {
        if (_socketsClosed)
            return;
        _socketsClosed = true;
        foreach (var monitor in _monitors)
            monitor.Dispose(); // before the poller: a monitor leaves the poller it is attached to
        _poller?.Dispose();
        foreach (var socket in _sockets)
            socket.Dispose();
    }
}
