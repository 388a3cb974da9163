using MessageQueue.Gateway.Zmq;

namespace MessageQueue.Gateway.Legacy;

/// <summary>A frame for the door's poller thread to send: a reply to one REQ peer, or a publication.</summary>
internal readonly record struct OutgoingFrame(byte[][]? Envelope, byte[] Frame)
{
    public bool IsPublication => Envelope is null;
}

/// <summary>
/// The only way other threads reach the door's sockets: they enqueue here, and the poller thread that owns the
/// sockets sends (see <see cref="ZmqHostQueue{T}"/>).
/// </summary>
internal sealed class ZmqOutbox : IDisposable
{
    public ZmqHostQueue<OutgoingFrame> Frames { get; } = new();

    public void Publish(byte[] frame) => Frames.Enqueue(new OutgoingFrame(null, frame));

    public void Reply(byte[][] envelope, byte[] frame) => Frames.Enqueue(new OutgoingFrame(envelope, frame));

    public void Dispose() => Frames.Dispose();
}
