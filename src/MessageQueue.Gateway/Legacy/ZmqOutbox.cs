using NetMQ;

namespace MessageQueue.Gateway.Legacy;

/// <summary>A frame for the door's poller thread to send: a reply to one REQ peer, or a publication.</summary>
internal readonly record struct OutgoingFrame(byte[][]? Envelope, byte[] Frame)
{
    public bool IsPublication => Envelope is null;
}

/// <summary>
/// The only way other threads reach the door's sockets: they enqueue here, and the poller thread that owns the
/// sockets sends. NetMQ sockets are not thread safe; this queue is.
/// </summary>
internal sealed class ZmqOutbox : IDisposable
{
    private volatile bool _closed;

    public NetMQQueue<OutgoingFrame> Queue { get; } = new();

    public void Publish(byte[] frame) => Enqueue(new OutgoingFrame(null, frame));

    public void Reply(byte[][] envelope, byte[] frame) => Enqueue(new OutgoingFrame(envelope, frame));

    /// <summary>After this, frames are dropped: the sockets are gone.</summary>
    public void Close() => _closed = true;

    public void Dispose() => Queue.Dispose();

    private void Enqueue(OutgoingFrame frame)
    {
        if (_closed)
            return;
        try
        {
            Queue.Enqueue(frame);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down between the check and the enqueue: nothing left to send it on.
        }
    }
}
