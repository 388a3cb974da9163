using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>How a connection through an <see cref="OutgoingGuard"/> ended.</summary>
internal enum OutgoingOutcome
{
    /// <summary>It was up (the publisher had greeted and sent its first command), then either side closed it.</summary>
    Closed,

    /// <summary>The publisher could not be reached: its name did not resolve, or the connect was refused or timed out.</summary>
    Unreachable,

    /// <summary>Connected, but the publisher closed or stayed silent before its greeting and first command (a CurveZMQ publisher whose key is not the configured one does).</summary>
    HandshakeFailed,

    /// <summary>The publisher's bytes broke ZMTP framing or a cap, and the connection was cut.</summary>
    Violation,
}

/// <summary>What a publisher may send through an <see cref="OutgoingGuard"/> (as for a bound socket's guard), and how long it has to greet.</summary>
internal sealed record OutgoingLimits(long MaxFrameBytes, long MaxMessageBytes, TimeSpan HandshakeTimeout);

/// <summary>
/// Stands between a socket that connects out (a sub ingest source's SUB) and one remote publisher: it listens on a
/// loopback port that the socket connects to instead, and relays each connection NetMQ makes there to the publisher,
/// checking the publisher's bytes (<see cref="ZmtpStreamCheck"/>) before NetMQ reads them; NetMQ's bytes pass unread.
/// NetMQ 4.0.4.5 dies on some malformed frames on its own I/O thread, and the endpoint an operator names may still
/// answer with anything: a violation cuts that connection only, and NetMQ reconnects after its reconnect interval.
/// </summary>
/// <remarks>
/// The relay is the incoming guard's (<see cref="GuardLoop"/>, or <see cref="GuardedConnection"/> where epoll is missing)
/// with the roles of the two connections turned. A publisher that cannot be reached closes NetMQ's connection too, so
/// NetMQ's own reconnecting paces the attempts. The port is on loopback, yet any local process could connect to it:
/// a few connections at once are relayed (NetMQ makes one per endpoint), more are refused.
/// </remarks>
internal sealed class OutgoingGuard : IDisposable
{
    /// <summary>Connections relayed at once: NetMQ's one, and one or two still closing while it reconnects.</summary>
    public const int MaxLegs = 4;

    private static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly string _host;
    private readonly int _port;
    private readonly OutgoingLimits _limits;
    private readonly GuardLoop? _loop;
    private readonly Action<OutgoingOutcome, string?> _ended;
    private readonly ConcurrentDictionary<Leg, Task> _legs = new();
    private readonly Task _accepting;
    private volatile bool _stopped;

    /// <param name="remote">The publisher, <c>tcp://host:port</c>; a name is resolved at each connection.</param>
    /// <param name="limits">What the publisher may send.</param>
    /// <param name="loop">The relay loop, shared by the host's outgoing guards; null where it cannot run.</param>
    /// <param name="ended">Told how each connection ended, with the violation or a reason when there is one (on a thread-pool thread).</param>
    public OutgoingGuard(string remote, OutgoingLimits limits, GuardLoop? loop, Action<OutgoingOutcome, string?> ended)
    {
        (_host, _port) = TcpEndpoint.Split(remote) ?? throw new ArgumentException($"'{remote}' is not a tcp:// endpoint.", nameof(remote));
        Remote = remote;
        _limits = limits;
        _loop = loop;
        _ended = ended;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(MaxLegs);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        Endpoint = TcpEndpoint.Format((IPEndPoint)_listener.LocalEndPoint!);
        _accepting = AcceptAsync();
    }

    /// <summary>The publisher, as configured.</summary>
    public string Remote { get; }

    /// <summary>Where the socket connects instead of <see cref="Remote"/>: <c>tcp://127.0.0.1:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Connections up to the publisher now: connected, and past its greeting and first command.</summary>
    public int Upstream => _legs.Keys.Count(leg => leg.Up);

    /// <summary>Accepts no more connections; the open ones go on.</summary>
    public void StopAccepting()
    {
        _stopped = true;
        _listener.Dispose();
    }

    /// <summary>Stops accepting, waits up to <paramref name="grace"/> for the connections to end (NetMQ closing its side ends them), then cuts the rest.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        StopAccepting();
        await _accepting;
        var open = Task.WhenAll(_legs.Values);
        try
        {
            await open.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            foreach (var leg in _legs.Keys)
                leg.Cut();
            await open;
        }
    }

    /// <summary>Stops accepting and cuts every connection at once.</summary>
    public void Dispose()
    {
        StopAccepting();
        foreach (var leg in _legs.Keys)
            leg.Cut();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket netmq;
            try
            {
                netmq = await _listener.AcceptAsync();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(AcceptBackoff); // out of descriptors: NetMQ tries again meanwhile
                continue;
            }
            if (_legs.Count >= MaxLegs)
            {
                netmq.LingerState = new LingerOption(true, 0);
                netmq.Dispose();
                continue;
            }
            var leg = new Leg(netmq, new ZmtpStreamCheck(_limits.MaxFrameBytes, _limits.MaxMessageBytes));
            // Registered before it runs, so it cannot remove itself before it is there.
            var run = new Task<Task>(() => RunAsync(leg));
            _legs[leg] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task RunAsync(Leg leg)
    {
        OutgoingOutcome outcome;
        string? detail;
        try
        {
            (outcome, detail) = await RelayAsync(leg);
        }
        finally
        {
            _legs.TryRemove(leg, out _);
        }
        if (!_stopped) // a connection cut because the source stops says nothing about the publisher
            _ended(outcome, detail);
    }

    private async Task<(OutgoingOutcome, string?)> RelayAsync(Leg leg)
    {
        IPEndPoint publisher;
        try
        {
            using var timeout = new CancellationTokenSource(_limits.HandshakeTimeout);
            publisher = new IPEndPoint(await TcpEndpoint.ResolveAsync(_host, timeout.Token), _port);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            leg.Cut();
            return (OutgoingOutcome.Unreachable, $"{_host} did not resolve ({ex.Message})");
        }
        IGuardedConnection connection;
        try
        {
            leg.NetMq.NoDelay = true;
            connection = _loop?.ConnectOut(leg.NetMq, publisher, leg.Check, _limits.HandshakeTimeout)
                ?? GuardedConnection.Outgoing(leg.NetMq, publisher, leg.Check, _limits.HandshakeTimeout);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            leg.Cut(); // NetMQ already left, or no descriptor for the publisher's connection
            return (OutgoingOutcome.Unreachable, ex.Message);
        }
        leg.Connection = connection;
        if (_stopped)
            connection.Dispose();
        var result = await connection.RunAsync();
        return leg.Check.Violation is { } violation ? (OutgoingOutcome.Violation, violation)
            : !connection.LegConnected ? (OutgoingOutcome.Unreachable, result)
            : !leg.Check.Handshaken ? (OutgoingOutcome.HandshakeFailed, result)
            : (OutgoingOutcome.Closed, result);
    }

    /// <summary>One connection NetMQ made to the guard, and once it runs, its relay to the publisher.</summary>
    private sealed class Leg(Socket netmq, ZmtpStreamCheck check)
    {
        private volatile IGuardedConnection? _connection;

        public Socket NetMq => netmq;

        public ZmtpStreamCheck Check => check;

        public IGuardedConnection? Connection
        {
            get => _connection;
            set => _connection = value;
        }

        /// <summary>Connected to the publisher and past its greeting and first command (the run removes it once it ends).</summary>
        public bool Up => _connection is not null && check.Handshaken;

        public void Cut()
        {
            if (_connection is { } connection)
                connection.Dispose();
            else
                netmq.Dispose();
        }
    }
}
