using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Operations;
using NetMQ;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// Listens on a public endpoint of the legacy door and forwards each connection to the NetMQ socket bound on an
/// internal loopback port, closing any connection whose byte stream breaks ZMTP framing before NetMQ reads it.
/// NetMQ 4.0.4.5 dies on some malformed frames on its own I/O thread, where nothing can catch the exception; the
/// guard keeps them from reaching it.
/// </summary>
/// <remarks>
/// It is also where the door's connection caps hold: a connection over a cap is closed on accept, before the guard
/// opens its loopback leg and NetMQ its side, so the door never holds more descriptors than the budget gave it.
/// </remarks>
internal sealed partial class ZmtpGuard : IDisposable
{
    /// <summary>Connections waiting to be accepted, here and at the NetMQ socket behind (the same, so a burst passes through).</summary>
    public const int Backlog = 512;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(1);

    private readonly Socket _listener;
    private readonly EndPoint _backend;
    private readonly GuardLimits _limits;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<IGuardedConnection, Task> _connections = new();
    private readonly LogThrottle _refusals = new();
    private readonly LogThrottle _acceptFailures = new();
    private readonly Task _accepting;
    private readonly GuardLoop? _loop;

    private ZmtpGuard(IPEndPoint publicEndpoint, EndPoint backend, GuardLimits limits, GatewayMetrics metrics, ILogger logger)
    {
        _backend = backend;
        _limits = limits;
        _metrics = metrics;
        _logger = logger;
        _listener = new Socket(publicEndpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(publicEndpoint); // a port in use fails here, loudly, as NetMQ's Bind would
            _listener.Listen(Backlog);
            _loop = GuardLoop.Supported ? new GuardLoop("zmtp-guard", logger) : null;
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    /// <summary>Where peers connect (a configured port 0 is the port actually bound).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>
    /// Binds <paramref name="socket"/> on a free loopback port with a guard listening on <paramref name="endpoint"/> in
    /// front of it; returns the public endpoint (port 0 resolved). Endpoints other than tcp are bound directly, unguarded.
    /// With a subscriber budget in <paramref name="limits"/>, no peer may fall more than that many bytes behind what NetMQ sends it.
    /// </summary>
    public static string BindBehind(NetMQSocket socket, string endpoint, GuardLimits limits, GatewayMetrics metrics, ILogger logger, out ZmtpGuard? guard)
    {
        guard = null;
        if (TcpEndpoint.Parse(endpoint) is not { } publicEndpoint)
        {
            socket.Bind(endpoint);
            return socket.Options.LastEndpoint ?? endpoint;
        }
        socket.Bind("tcp://127.0.0.1:0");
        guard = Start(publicEndpoint, TcpEndpoint.Parse(socket.Options.LastEndpoint!)!, limits, metrics, logger);
        return TcpEndpoint.Format(guard.Endpoint);
    }

    /// <summary>Listens on <paramref name="publicEndpoint"/>, forwarding to <paramref name="backend"/> within <paramref name="limits"/>.</summary>
    public static ZmtpGuard Start(IPEndPoint publicEndpoint, EndPoint backend, GuardLimits limits, GatewayMetrics metrics, ILogger logger) =>
        new(publicEndpoint, backend, limits, metrics, logger);

    /// <summary>Accepts no more connections; the open ones go on.</summary>
    public void StopAccepting() => _listener.Dispose();

    /// <summary>
    /// Stops accepting, waits up to <paramref name="grace"/> for the connections to end (they end when NetMQ closes
    /// its side, after sending what it still had), then cuts the rest.
    /// </summary>
    /// <remarks>The relay loop stays up, idle with no connections: <see cref="Dispose"/>, which the host calls after, stops it.</remarks>
    public async Task StopAsync(TimeSpan grace)
    {
        StopAccepting();
        await _accepting;
        var open = Task.WhenAll(_connections.Values);
        try
        {
            await open.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            Log.Cut(_logger, Endpoint, _connections.Count);
            foreach (var connection in _connections.Keys)
                connection.Dispose();
            await open;
        }
    }

    /// <summary>Stops accepting and cuts every connection at once (disposal, when no graceful stop came first).</summary>
    public void Dispose()
    {
        StopAccepting();
        foreach (var connection in _connections.Keys)
            connection.Dispose();
        _loop?.Dispose(); // after the cuts, which it carries out before it stops
    }

    private async Task AcceptAsync()
    {
        var backoff = TimeSpan.Zero;
        while (true)
        {
            Socket peer;
            try
            {
                peer = await _listener.AcceptAsync();
                backoff = TimeSpan.Zero;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of descriptors or memory (the budget should make that impossible): wait, rather than spin on it.
                backoff = backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LastBackoff.Ticks));
                _metrics.ConnectionRefused(ConnectionDoor.Zmq, ConnectionRefusal.AcceptFailed);
                if (_acceptFailures.ShouldLog(out var suppressed))
                    Log.AcceptFailed(_logger, Endpoint, backoff.TotalMilliseconds, suppressed, ex);
                await Task.Delay(backoff);
                continue;
            }
            try
            {
                Admit(peer);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The peer went away between the accept and its admission (its address cannot even be read): nothing
                // is held for it, and the loop must go on accepting.
                peer.Dispose();
            }
        }
    }

    /// <summary>Starts forwarding a connection the caps allow; closes it at once otherwise.</summary>
    private void Admit(Socket peer)
    {
        var address = (peer.RemoteEndPoint as IPEndPoint)?.Address;
        if (!_limits.Gate.TryEnter(address, out var refusal))
        {
            Refuse(peer, address, refusal);
            return;
        }
        IGuardedConnection connection;
        try
        {
            peer.NoDelay = true;
            peer.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true); // a peer gone without a FIN frees its place
            var check = new ZmtpStreamCheck(_limits.MaxFrameBytes, _limits.MaxMessageBytes);
            connection = _loop is null
                ? new GuardedConnection(peer, _backend, check, _limits.HandshakeTimeout, _limits.SubscriberBudget)
                : _loop.Connect(peer, _backend, check, _limits.HandshakeTimeout, _limits.SubscriberBudget);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            _limits.Gate.Exit(address);
            Refuse(peer, address, ConnectionRefusal.AcceptFailed); // no descriptor left for the loopback leg
            return;
        }
        // Registered before it runs, so it cannot remove itself before it is there.
        var run = new Task<Task>(() => RunAsync(connection));
        _connections[connection] = run.Unwrap();
        run.Start(TaskScheduler.Default);
    }

    private void Refuse(Socket peer, IPAddress? address, ConnectionRefusal refusal)
    {
        _metrics.ConnectionRefused(ConnectionDoor.Zmq, refusal);
        if (_refusals.ShouldLog(out var suppressed))
            Log.Over(_logger, address, Endpoint, refusal, _limits.Gate.Max, _limits.Gate.MaxPerAddress, suppressed);
        try
        {
            peer.LingerState = new LingerOption(true, 0); // a reset: the descriptor is free at once, no TIME_WAIT kept
        }
        catch (SocketException)
        {
            // already reset by the peer
        }
        peer.Dispose();
    }

    private async Task RunAsync(IGuardedConnection connection)
    {
        try
        {
            if (await connection.RunAsync() is { } violation)
                Log.Refused(_logger, connection.Peer, Endpoint, violation);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            _limits.Gate.Exit(connection.Address);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3010, LogLevel.Debug, "Closed the ZeroMQ connection from {Peer} to {Endpoint}: {Violation}")]
        public static partial void Refused(ILogger logger, EndPoint? peer, IPEndPoint endpoint, string violation);

        [LoggerMessage(3011, LogLevel.Warning, "Accepting a ZeroMQ connection on {Endpoint} failed; trying again in {BackoffMs} ms ({Suppressed} more failures since the last line)")]
        public static partial void AcceptFailed(ILogger logger, IPEndPoint endpoint, double backoffMs, long suppressed, Exception exception);

        [LoggerMessage(3012, LogLevel.Warning, "Cut {Count} ZeroMQ connections on {Endpoint} that were still open when the door stopped")]
        public static partial void Cut(ILogger logger, IPEndPoint endpoint, int count);

        [LoggerMessage(3013, LogLevel.Warning, "Refused a ZeroMQ connection from {Address} on {Endpoint}: {Reason} (caps {Max} in all, {MaxPerAddress} per address); {Suppressed} more refused since the last line")]
        public static partial void Over(ILogger logger, IPAddress? address, IPEndPoint endpoint, ConnectionRefusal reason, int max, int maxPerAddress, long suppressed);
    }
}
