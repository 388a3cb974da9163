using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Client.Connection;

/// <summary>
/// A REQ socket that never hangs, after NetMQ's Lazy Pirate sample: every wait for a reply has a timeout, and after a
/// timeout the socket is thrown away, because a REQ socket that sent and never heard back cannot send again.
/// Used from one thread only, like any NetMQ socket.
/// </summary>
internal sealed class LazyPirateRequester(string endpoint, CurveKeys? curve = null) : IDisposable
{
    private RequestSocket? _socket;

    public string Endpoint => endpoint;

    /// <summary>
    /// Sends one frame and returns the reply's first frame. <paramref name="timeout"/> is the whole budget, shared
    /// evenly by the <paramref name="attempts"/>: more than one only for requests that are safe to repeat, since a
    /// lost reply may mean the server did act on it.
    /// </summary>
    /// <exception cref="NoReply">No attempt got a reply in time.</exception>
    public string Request(string frame, TimeSpan timeout, int attempts = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        var perAttempt = timeout / attempts;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var socket = _socket ??= Connect();
            if (socket.TrySendFrame(perAttempt, frame) && socket.TryReceiveFrameString(perAttempt, out var reply, out var more))
            {
                // The legacy protocol replies with one frame; drop any extra ones so the socket can send again.
                if (more)
                    socket.SkipMultipartMessage();
                return reply!;
            }
            DiscardSocket();
        }
        throw new NoReply(endpoint, timeout);
    }

    public void Dispose() => DiscardSocket();

    private RequestSocket Connect()
    {
        var socket = new RequestSocket();

        // Linger 0: a request nobody answered must not keep the process alive on close.
        socket.Options.Linger = TimeSpan.Zero;
        curve?.ApplyTo(socket);
        socket.Connect(endpoint);
        return socket;
    }

    private void DiscardSocket()
    {
        _socket?.Dispose();
        _socket = null;
    }
}
