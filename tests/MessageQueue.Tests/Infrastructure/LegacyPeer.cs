using System.Text;
using System.Text.Json;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>A NetMQ REQ client speaking the legacy protocol, failing the test instead of hanging.</summary>
public sealed class LegacyPeer : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly RequestSocket _socket = new();

    /// <summary>With <paramref name="curveServerKey"/> (the gateway's public key) the peer uses CurveZMQ, with a fresh key pair of its own.</summary>
    public LegacyPeer(string endpoint, byte[]? curveServerKey = null)
    {
        _socket.Options.Linger = TimeSpan.Zero;
        UseCurve(_socket, curveServerKey);
        _socket.Connect(endpoint);
    }

    public string Request(object request) => RequestRaw(JsonSerializer.SerializeToUtf8Bytes(request));

    /// <summary>A request that may go unanswered (the test expects it to): false after <paramref name="timeout"/>.</summary>
    public bool TryRequest(object request, TimeSpan timeout, out string? reply)
    {
        reply = null;
        if (!_socket.TrySendFrame(timeout, JsonSerializer.SerializeToUtf8Bytes(request)) || !_socket.TryReceiveFrameBytes(timeout, out var frame))
            return false;
        reply = Encoding.UTF8.GetString(frame);
        return true;
    }

    /// <summary>Makes <paramref name="socket"/> a CurveZMQ client of the server with that public key (before it connects).</summary>
    internal static void UseCurve(NetMQSocket socket, byte[]? serverKey)
    {
        if (serverKey is null)
            return;
        socket.Options.CurveServerKey = serverKey;
        socket.Options.CurveCertificate = new NetMQCertificate();
    }

    public string RequestRaw(byte[] frame)
    {
        if (!_socket.TrySendFrame(Timeout, frame))
            throw new TimeoutException("The request could not be sent.");
        return Receive();
    }

    public string RequestFrames(params byte[][] frames)
    {
        for (var i = 0; i < frames.Length; i++)
        {
            if (!_socket.TrySendFrame(Timeout, frames[i], more: i < frames.Length - 1))
                throw new TimeoutException("The request could not be sent.");
        }
        return Receive();
    }

    private string Receive()
    {
        if (!_socket.TryReceiveFrameBytes(Timeout, out var reply))
            throw new TimeoutException("No reply within " + Timeout);
        return Encoding.UTF8.GetString(reply);
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>A NetMQ SUB socket on one subject, synchronised past the PUB/SUB slow-joiner gap.</summary>
public sealed class LegacySubscriber : IDisposable
{
    private readonly SubscriberSocket _socket = new();

    public LegacySubscriber(string endpoint, string topic, byte[]? curveServerKey = null)
    {
        _socket.Options.Linger = TimeSpan.Zero;
        LegacyPeer.UseCurve(_socket, curveServerKey);
        _socket.Connect(endpoint);
        _socket.Subscribe(topic);
    }

    /// <summary>
    /// Posts probe updates through <paramref name="peer"/> until one arrives here, so the subscription is known to
    /// be in place; then drops whatever probes are still on their way.
    /// </summary>
    public void WaitUntilJoined(LegacyPeer peer, string subject)
    {
        var deadline = DateTime.UtcNow + LegacyPeer.Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var marker = $"join-probe-{Guid.NewGuid():N}";
            if (peer.Request(new { type = "3", subject, updateMessage = marker }) != "isSuccess")
                throw new InvalidOperationException("The join probe was refused.");
            if (_socket.TryReceiveFrameString(TimeSpan.FromMilliseconds(200), out var frame))
            {
                // Drain until our own marker so later reads see only what the test posts.
                while (!frame!.EndsWith(marker, StringComparison.Ordinal))
                    frame = Receive();
                return;
            }
        }
        throw new TimeoutException("The subscription never took effect.");
    }

    public string Receive() =>
        _socket.TryReceiveFrameString(LegacyPeer.Timeout, out var frame) ? frame! : throw new TimeoutException("No publication within " + LegacyPeer.Timeout);

    public bool TryReceive(TimeSpan timeout, out string? frame) => _socket.TryReceiveFrameString(timeout, out frame);

    public void Dispose() => _socket.Dispose();
}
