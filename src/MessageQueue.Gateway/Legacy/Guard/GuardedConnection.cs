using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// One peer's connection through the guard: its own connection to the NetMQ socket behind, and two pumps. Bytes from
/// the peer are checked (<see cref="ZmtpStreamCheck"/>) before they are passed on; bytes to the peer pass unread. Each
/// direction has one fixed buffer and reads again only once the previous send is done, so a slow side slows the other
/// (TCP backpressure) instead of filling memory. With a budget, bytes to the peer go through a
/// <see cref="SubscriberRelay"/> instead: NetMQ is read at once, and the peer is cut when it falls that far behind.
/// Behind an outgoing guard the roles of the connections turn: NetMQ connected to the guard, and the guard connects to
/// the publisher, the peer whose bytes are checked.
/// The relay where <see cref="GuardLoop"/> cannot run (it needs Linux's epoll): each read here is a thread-pool work item.
/// </summary>
internal sealed class GuardedConnection : IGuardedConnection
{
    public const int BufferSize = 16 * 1024;

    private readonly Socket _peer;
    private readonly Socket _server;
    private readonly EndPoint _target;
    private readonly bool _connectsPeer;
    private readonly ZmtpStreamCheck _check;
    private readonly TimeSpan _handshakeTimeout;
    private readonly SubscriberRelay? _relay;

    /// <summary>A peer that connected to the guard, relayed to NetMQ's socket at <paramref name="backend"/>.</summary>
    public GuardedConnection(Socket peer, EndPoint backend, ZmtpStreamCheck check, TimeSpan handshakeTimeout, PeerByteBudget? budget = null)
        : this(peer, new Socket(backend.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, backend, connectsPeer: false, check, handshakeTimeout, budget)
    {
    }

    private GuardedConnection(Socket peer, Socket server, EndPoint target, bool connectsPeer, ZmtpStreamCheck check, TimeSpan handshakeTimeout, PeerByteBudget? budget)
    {
        _peer = peer;
        _server = server;
        _target = target;
        _connectsPeer = connectsPeer;
        _check = check;
        _handshakeTimeout = handshakeTimeout;
        _relay = budget is null ? null : new SubscriberRelay(budget);
        Peer = connectsPeer ? target : peer.RemoteEndPoint;
    }

    /// <summary>NetMQ's connection <paramref name="netmq"/> to an outgoing guard, relayed to the publisher at <paramref name="remote"/>.</summary>
    public static GuardedConnection Outgoing(Socket netmq, IPEndPoint remote, ZmtpStreamCheck check, TimeSpan handshakeTimeout) =>
        new(new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, netmq, remote, connectsPeer: true, check, handshakeTimeout, budget: null);

    /// <summary>The peer's address, for the log.</summary>
    public EndPoint? Peer { get; }

    /// <summary>The peer's IP address, as the guard's gate counts it.</summary>
    public IPAddress? Address => (Peer as IPEndPoint)?.Address;

    public bool LegConnected { get; private set; }

    /// <summary>Runs until either side closes; the reason when the peer broke the protocol, null otherwise.</summary>
    public async Task<string?> RunAsync()
    {
        // A peer that connects and never says hello holds a connection of the door's cap for nothing: cut it.
        var timedOut = false;
        await using var deadline = new Timer(_ =>
        {
            if (!_check.Handshaken)
            {
                Volatile.Write(ref timedOut, true);
                Dispose();
            }
        }, null, _handshakeTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            await (_connectsPeer ? _peer : _server).ConnectAsync(_target);
            LegConnected = true;
            var toServer = ForwardAsync(_peer, _server, _check);
            var toPeer = _relay is null ? ForwardAsync(_server, _peer, check: null) : _relay.RelayAsync(_server, _peer);

            // The peer closing its side is passed on, and NetMQ then closes too; NetMQ closing ends the connection.
            if (await Task.WhenAny(toServer, toPeer) == toServer && await toServer)
                await toPeer;
            return Volatile.Read(ref timedOut) ? "no handshake within the deadline"
                : _relay is { OverBudget: true } ? "a subscriber more than its byte budget behind"
                : _check.Violation;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The socket behind is gone, the publisher cannot be reached, or the connection was cut before it ran (the
            // door is stopping).
            return Volatile.Read(ref timedOut) ? "no handshake within the deadline" : null;
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>Cuts both sides; the pumps end at once.</summary>
    public void Dispose()
    {
        _peer.Dispose();
        _server.Dispose();
    }

    /// <summary>True when <paramref name="from"/> closed its side (passed on to <paramref name="to"/>); false on a fault or a violation.</summary>
    private static async Task<bool> ForwardAsync(Socket from, Socket to, ZmtpStreamCheck? check)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return true;
                }
                if (check is not null && !check.Accept(buffer.AsSpan(0, read)))
                    return false;
                for (var sent = 0; sent < read;)
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
