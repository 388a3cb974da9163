using NetMQ;

namespace MessageQueue.Gateway.Zmq;

/// <summary>
/// How other threads reach a <see cref="ZmqSocketHost"/>'s sockets: they enqueue here, and the host's poller thread,
/// the only one that may touch the sockets, takes the items out (<see cref="ZmqSocketHost.Poll"/>). NetMQ sockets
/// are not thread safe; this queue is.
/// </summary>
internal sealed class ZmqHostQueue<T> : IDisposable
{
    private volatile bool _closed;

    internal NetMQQueue<T> Items { get; } = new();

    public void Enqueue(T item)
    {
        if (_closed)
            return;
        try
        {
            Items.Enqueue(item);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down between the check and the enqueue: nothing left to send it on.
        }
    }

    /// <summary>After this, items are dropped: the sockets are gone.</summary>
    internal void Close() => _closed = true;

    public void Dispose() => Items.Dispose();
}
