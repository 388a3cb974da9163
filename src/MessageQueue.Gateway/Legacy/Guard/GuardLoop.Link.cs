using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Gateway.Legacy.Guard;

internal sealed partial class GuardLoop
{
    /// <summary>Starts relaying <paramref name="peer"/> to <paramref name="backend"/> on this loop once its run begins.</summary>
    public IGuardedConnection Connect(Socket peer, EndPoint backend, ZmtpStreamCheck check, TimeSpan handshakeTimeout, PeerByteBudget? budget) =>
        new Link(this, peer, new Socket(backend.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, backend, connectsPeer: false,
            check, handshakeTimeout, budget);

    /// <summary>
    /// Starts relaying NetMQ's connection <paramref name="netmq"/> to a publisher at <paramref name="remote"/>, which the
    /// loop connects to once the run begins: the publisher is the checked peer, NetMQ the side behind.
    /// </summary>
    public IGuardedConnection ConnectOut(Socket netmq, IPEndPoint remote, ZmtpStreamCheck check, TimeSpan handshakeTimeout) =>
        new Link(this, new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, netmq, remote, connectsPeer: true,
            check, handshakeTimeout, budget: null);

    /// <summary>
    /// One peer's connection on the loop: the same guarantees as <see cref="GuardedConnection"/> and
    /// <see cref="SubscriberRelay"/> (checked bytes in, a peer that stops reading slows NetMQ or, with a budget, is cut
    /// past it; a close is passed on), kept as state instead of two pumps. Bytes pass straight from one kernel buffer
    /// to the other through the loop's read buffer; only what the receiving side cannot take at once is copied and held.
    /// The loop opens one of the two connections itself: to NetMQ behind an incoming guard, to the publisher (the peer)
    /// behind an outgoing one.
    /// </summary>
    private sealed class Link : IGuardedConnection
    {
        /// <summary>What holding one chunk costs besides its bytes (the array and the queue's node), counted with them.</summary>
        private const int ChunkCost = 64;

        private readonly GuardLoop _loop;
        private readonly Socket _peer;
        private readonly Socket _server;
        private readonly EndPoint _target; // where the loop connects: NetMQ's socket, or the publisher
        private readonly bool _connectsPeer;
        private readonly ZmtpStreamCheck _check;
        private readonly PeerByteBudget? _budget;
        private readonly Backlog _up = new(), _down = new();
        private readonly TaskCompletionSource<string?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _peerFd = -1, _serverFd = -1; // -1: not in the loop's epoll set
        private uint _peerEvents, _serverEvents;
        private bool _connecting;
        private bool _serverParked; // taken out of the set after a hang-up, while its last bytes wait for the peer

        public Link(GuardLoop loop, Socket peer, Socket server, EndPoint target, bool connectsPeer, ZmtpStreamCheck check, TimeSpan handshakeTimeout,
            PeerByteBudget? budget)
        {
            _loop = loop;
            _peer = peer;
            _server = server;
            _target = target;
            _connectsPeer = connectsPeer;
            _check = check;
            _budget = budget;
            Peer = connectsPeer ? target : peer.RemoteEndPoint;
            Deadline = Environment.TickCount64 + (long)handshakeTimeout.TotalMilliseconds;
        }

        public EndPoint? Peer { get; }

        public IPAddress? Address => (Peer as IPEndPoint)?.Address;

        /// <summary>Its key in the loop (and, doubled, its sockets' tokens); -1 until it starts.</summary>
        public long Id { get; set; } = -1;

        /// <summary>When (<see cref="Environment.TickCount64"/>) it must have shaken hands.</summary>
        public long Deadline { get; }

        public bool Handshaken => _check.Handshaken;

        /// <summary>Set on the loop's thread; read by others once the run has ended.</summary>
        public bool LegConnected { get; private set; }

        /// <summary>The socket the loop connects itself.</summary>
        private Socket Connecting => _connectsPeer ? _peer : _server;

        /// <summary>Set on the loop's thread only (or, once that thread has gone, by <see cref="Abandon"/> after joining it).</summary>
        public bool Ended { get; private set; }

        public Task<string?> RunAsync()
        {
            _loop.Post(this, cut: false);
            return _done.Task;
        }

        /// <summary>Cuts both sides (on the loop's thread, which owns the sockets).</summary>
        public void Dispose() => _loop.Post(this, cut: true);

        /// <summary>On the loop: opens its own connection (to NetMQ, or to the publisher) and starts watching both sockets.</summary>
        public void Begin()
        {
            if (Ended)
                return;
            try
            {
                _peer.Blocking = false;
                _server.Blocking = false;
                try
                {
                    Connecting.Connect(_target);
                    LegConnected = true;
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    _connecting = true; // done when the socket turns writable
                }
                var (peerEvents, serverEvents) = Wanted();
                var peerFd = (int)_peer.Handle;
                LinuxSockets.Add(_loop._epoll, peerFd, _peerEvents = peerEvents, Token(fromServer: false));
                _peerFd = peerFd;
                var serverFd = (int)_server.Handle;
                LinuxSockets.Add(_loop._epoll, serverFd, _serverEvents = serverEvents, Token(fromServer: true));
                _serverFd = serverFd;
            }
            catch (Exception ex) when (!IsFatal(ex))
            {
                // NetMQ's socket is gone (the door is stopping), the peer already left, the publisher refused at once, or
                // epoll is out of room;
                // anything else is a fault of ours, logged, and still only this connection's end.
                Fail(ex, expected: ex is SocketException or ObjectDisposedException or InvalidOperationException);
            }
        }

        /// <summary>On the loop: what epoll reported for one of its sockets.</summary>
        public void Handle(uint events, bool fromServer)
        {
            if (Ended)
                return;
            try
            {
                if ((events & LinuxSockets.Error) != 0)
                {
                    // A reset, or the loop's own connect failed. What a peer sent before its reset is still readable
                    // (a request sent just before the peer left): NetMQ gets it before the connection ends.
                    if (!fromServer && !_connecting)
                        PassOnBeforeReset();
                    End(null);
                    return;
                }
                if (_connecting && fromServer != _connectsPeer ? ConnectDone(events) : fromServer ? OnServer(events) : OnPeer(events))
                    Watch();
            }
            catch (Exception ex) when (!IsFatal(ex))
            {
                // A fault on either socket, or epoll refusing a change: this connection ends, the loop goes on.
                // Anything else is a fault of ours (or of a callback), logged, and also only this connection's end.
                Fail(ex, expected: ex is SocketException or InvalidOperationException);
            }
        }

        private void Fail(Exception ex, bool expected)
        {
            if (!expected)
                Log.LinkFailed(_loop._logger, Peer, ex);
            EndQuietly();
        }

        /// <summary><see cref="End"/> with no violation, from a path that is already handling a fault.</summary>
        public void EndQuietly()
        {
            try
            {
                End(null);
            }
            catch (Exception ex) when (!IsFatal(ex))
            {
                Log.LinkFailed(_loop._logger, Peer, ex); // ended all the same: Ended is set first
            }
        }

        /// <summary>Closes both sockets and ends the run with <paramref name="violation"/> (null: no protocol fault).</summary>
        public void End(string? violation)
        {
            if (Ended)
                return;
            Ended = true;
            if (Id >= 0)
                _loop._links.Remove(Id);
            if (_peerFd >= 0)
                LinuxSockets.Remove(_loop._epoll, _peerFd);
            if (_serverFd >= 0 && !_serverParked)
                LinuxSockets.Remove(_loop._epoll, _serverFd);
            _peerFd = _serverFd = -1;
            if (_budget is not null && _down.Counted > 0)
                _budget.Release(_down.Counted);
            _down.Counted = 0;
            _peer.Dispose();
            _server.Dispose();
            _done.TrySetResult(violation);
        }

        /// <summary>
        /// Once the loop has stopped (on its thread, or after joining it): ends a link it never started. One it started
        /// was ended there, so this does nothing to sockets whose numbers may already be someone else's.
        /// </summary>
        public void Abandon() => End(null);

        private ulong Token(bool fromServer) => ((ulong)Id << 1) | (fromServer ? 1UL : 0UL);

        /// <summary>The loop's own connect finished, or failed (the link then ends); false once the link has ended.</summary>
        private bool ConnectDone(uint events)
        {
            if ((events & (LinuxSockets.Out | LinuxSockets.HangUp)) == 0)
                return true;
            if (Connecting.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error && error != 0)
            {
                End(null);
                return false;
            }
            _connecting = false;
            LegConnected = true;
            return true;
        }

        /// <returns>False once the link has ended.</returns>
        private bool OnServer(uint events)
        {
            if ((events & LinuxSockets.Out) != 0 && !Flush(_up, _serverFd, budget: null))
                return false;
            if ((_serverEvents & LinuxSockets.In) == 0)
            {
                if ((events & LinuxSockets.HangUp) == 0)
                    return true;
                // Both directions closed while NetMQ's side is not read (its bytes wait for the peer). epoll reports a
                // hang-up whatever is asked for, so the socket leaves the set until the peer has taken what is held;
                // Watch then adds it back, and what NetMQ sent last, and its close, are read and passed on.
                LinuxSockets.Remove(_loop._epoll, _serverFd);
                _serverParked = true;
                _serverEvents = 0;
                return true;
            }
            if ((events & (LinuxSockets.In | LinuxSockets.HangUp)) == 0)
                return true;

            var read = LinuxSockets.Receive(_serverFd, _loop._buffer);
            if (read < 0)
                return true;
            if (read == 0)
            {
                // NetMQ closed: the peer gets what is still held, then the close, and the connection ends.
                _down.SourceEnded = true;
                return _down.Any || Finish();
            }
            return Deliver(_down, _peerFd, _loop._buffer.AsSpan(0, read), _budget);
        }

        private bool OnPeer(uint events)
        {
            if ((events & LinuxSockets.Out) != 0 && !Flush(_down, _peerFd, _budget))
                return false;
            if ((_peerEvents & LinuxSockets.In) == 0)
            {
                if ((events & LinuxSockets.HangUp) == 0)
                    return true;
                End(null);
                return false;
            }
            if ((events & (LinuxSockets.In | LinuxSockets.HangUp)) == 0)
                return true;

            var read = LinuxSockets.Receive(_peerFd, _loop._buffer);
            if (read < 0)
                return true;
            if (read == 0)
            {
                // The peer closed its side: passed on once NetMQ has what came before, and NetMQ then closes too.
                _up.SourceEnded = true;
                if (!_up.Any)
                    LinuxSockets.ShutdownSend(_serverFd);
                return true;
            }
            var data = _loop._buffer.AsSpan(0, read);
            if (!_check.Accept(data))
            {
                End(_check.Violation);
                return false;
            }
            return Deliver(_up, _serverFd, data, budget: null);
        }

        /// <summary>Hands NetMQ what is held for it and what the peer sent before its reset, as far as NetMQ takes it now.</summary>
        private void PassOnBeforeReset()
        {
            try
            {
                if (!Flush(_up, _serverFd, budget: null) || _up.Any)
                    return;
                int read;
                while ((read = LinuxSockets.Receive(_peerFd, _loop._buffer)) > 0)
                {
                    var data = _loop._buffer.AsSpan(0, read);
                    if (!_check.Accept(data) || LinuxSockets.Send(_serverFd, data) < read)
                        return;
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The reset itself, once the bytes before it were read.
            }
        }

        /// <summary>Sends what the other side takes now and holds the rest; false when that puts a peer over its budget.</summary>
        private bool Deliver(Backlog backlog, int to, ReadOnlySpan<byte> data, PeerByteBudget? budget)
        {
            var sent = backlog.Any ? 0 : LinuxSockets.Send(to, data);
            if (sent == data.Length)
                return true;
            var held = data[sent..].ToArray(); // exactly sized: what is held is what is counted
            backlog.Chunks.Enqueue(held);
            if (budget is null)
                return true;
            backlog.Counted += held.Length + ChunkCost;
            if (budget.Add(held.Length + ChunkCost, backlog.Counted))
                return true;
            budget.Exceeded();
            End("a subscriber more than its byte budget behind");
            return false;
        }

        /// <summary>Sends what is held, in order, as far as the other side takes it; false once the link has ended.</summary>
        private bool Flush(Backlog backlog, int to, PeerByteBudget? budget)
        {
            while (backlog.Chunks.TryPeek(out var chunk))
            {
                backlog.Offset += LinuxSockets.Send(to, chunk.AsSpan(backlog.Offset));
                if (backlog.Offset < chunk.Length)
                    return true;
                backlog.Chunks.Dequeue();
                backlog.Offset = 0;
                if (budget is not null)
                {
                    backlog.Counted -= chunk.Length + ChunkCost;
                    budget.Release(chunk.Length + ChunkCost);
                }
            }
            if (!backlog.SourceEnded)
                return true;
            if (backlog == _down)
                return Finish();
            LinuxSockets.ShutdownSend(_serverFd);
            return true;
        }

        /// <summary>NetMQ closed and the peer has every byte: the close is passed on, and the connection ends.</summary>
        private bool Finish()
        {
            LinuxSockets.ShutdownSend(_peerFd);
            End(null);
            return false;
        }

        /// <summary>What each socket is watched for: a side is read only while the other takes what it gave (or, on a budget, always).</summary>
        private (uint Peer, uint Server) Wanted()
        {
            if (_connecting)
                return _connectsPeer ? (LinuxSockets.Out, 0u) : (0u, LinuxSockets.Out);
            var peer = (!_up.SourceEnded && !_up.Any ? LinuxSockets.In : 0) | (_down.Any ? LinuxSockets.Out : 0);
            var server = (!_down.SourceEnded && (_budget is not null || !_down.Any) ? LinuxSockets.In : 0) | (_up.Any ? LinuxSockets.Out : 0);
            return (peer, server);
        }

        private void Watch()
        {
            var (peer, server) = Wanted();
            if (peer != _peerEvents)
                LinuxSockets.Modify(_loop._epoll, _peerFd, _peerEvents = peer, Token(fromServer: false));
            if (_serverParked)
            {
                if (server == 0)
                    return;
                LinuxSockets.Add(_loop._epoll, _serverFd, _serverEvents = server, Token(fromServer: true));
                _serverParked = false;
            }
            else if (server != _serverEvents)
                LinuxSockets.Modify(_loop._epoll, _serverFd, _serverEvents = server, Token(fromServer: true));
        }
    }

    /// <summary>One direction's bytes read but not yet taken by the other side.</summary>
    private sealed class Backlog
    {
        public Queue<byte[]> Chunks { get; } = new();

        /// <summary>How much of the first chunk was sent.</summary>
        public int Offset { get; set; }

        /// <summary>Bytes counted against a budget for it (with each chunk's cost).</summary>
        public long Counted { get; set; }

        /// <summary>The side it reads from has closed.</summary>
        public bool SourceEnded { get; set; }

        public bool Any => Chunks.Count > 0;
    }
}
