using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using NetMQ;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// Listens on a public endpoint of the legacy door and forwards each connection to the NetMQ socket bound on an
/// internal loopback port, closing any connection whose byte stream breaks ZMTP framing before NetMQ reads it.
/// NetMQ 4.0.4.5 dies on some malformed frames on its own I/O thread, where nothing can catch the exception; the
/// guard keeps them from reaching it.
/// </summary>
internal sealed partial class ZmtpGuard : IDisposable
{
    private readonly Socket _listener;
    private readonly EndPoint _backend;
    private readonly long _maxFrameBytes;
    private readonly PeerByteBudget? _budget;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<GuardedConnection, Task> _connections = new();
    private readonly Task _accepting;

    private ZmtpGuard(IPEndPoint publicEndpoint, EndPoint backend, long maxFrameBytes, ILogger logger, PeerByteBudget? budget)
    {
        _backend = backend;
        _maxFrameBytes = maxFrameBytes;
        _budget = budget;
        _logger = logger;
        _listener = new Socket(publicEndpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(publicEndpoint); // a port in use fails here, loudly, as NetMQ's Bind would
            _listener.Listen(512);
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
    /// With a <paramref name="budget"/>, no peer may fall more than that many bytes behind what NetMQ sends it.
    /// </summary>
    public static string BindBehind(NetMQSocket socket, string endpoint, long maxFrameBytes, ILogger logger, out ZmtpGuard? guard, PeerByteBudget? budget = null)
    {
        guard = null;
        if (TcpEndpoint.Parse(endpoint) is not { } publicEndpoint)
        {
            socket.Bind(endpoint);
            return socket.Options.LastEndpoint ?? endpoint;
        }
        socket.Bind("tcp://127.0.0.1:0");
        guard = Start(publicEndpoint, TcpEndpoint.Parse(socket.Options.LastEndpoint!)!, maxFrameBytes, logger, budget);
        return TcpEndpoint.Format(guard.Endpoint);
    }

    /// <summary>Listens on <paramref name="publicEndpoint"/>, forwarding to <paramref name="backend"/>; frames over <paramref name="maxFrameBytes"/> are cut.</summary>
    public static ZmtpGuard Start(IPEndPoint publicEndpoint, EndPoint backend, long maxFrameBytes, ILogger logger, PeerByteBudget? budget = null) =>
        new(publicEndpoint, backend, maxFrameBytes, logger, budget);

    /// <summary>Accepts no more connections; the open ones go on.</summary>
    public void StopAccepting() => _listener.Dispose();

    /// <summary>
    /// Stops accepting, waits up to <paramref name="grace"/> for the connections to end (they end when NetMQ closes
    /// its side, after sending what it still had), then cuts the rest.
    /// </summary>
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
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket peer;
            try
            {
                peer = await _listener.AcceptAsync();
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
                Log.AcceptFailed(_logger, Endpoint, ex);
                continue;
            }
            peer.NoDelay = true;
            var connection = new GuardedConnection(peer, _backend, _maxFrameBytes, _budget);
            // Registered before it runs, so it cannot remove itself before it is there.
            var run = new Task<Task>(() => RunAsync(connection));
            _connections[connection] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task RunAsync(GuardedConnection connection)
    {
        try
        {
            if (await connection.RunAsync() is { } violation)
                Log.Refused(_logger, connection.Peer, Endpoint, violation);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3010, LogLevel.Debug, "Closed the ZeroMQ connection from {Peer} to {Endpoint}: {Violation}")]
        public static partial void Refused(ILogger logger, EndPoint? peer, IPEndPoint endpoint, string violation);

        [LoggerMessage(3011, LogLevel.Warning, "Accepting a ZeroMQ connection on {Endpoint} failed")]
        public static partial void AcceptFailed(ILogger logger, IPEndPoint endpoint, Exception exception);

        [LoggerMessage(3012, LogLevel.Warning, "Cut {Count} ZeroMQ connections on {Endpoint} that were still open when the door stopped")]
        public static partial void Cut(ILogger logger, IPEndPoint endpoint, int count);
    }
}
