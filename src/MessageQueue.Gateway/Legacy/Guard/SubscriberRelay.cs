using System.Net.Sockets;
using System.Threading.Channels;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// How many bytes NetMQ may have sent towards one peer that the peer has not taken yet, and what to do when a peer
/// goes past it. <paramref name="Exceeded"/> is called once per peer cut (for a metric and a log line).
/// </summary>
internal sealed record PeerByteBudget(long MaxQueuedBytes, Action Exceeded);

/// <summary>
/// The NetMQ-to-peer direction of a guarded PUB connection, with a byte budget. It reads from NetMQ's loopback leg as
/// fast as NetMQ writes, so NetMQ's own per-peer queue (which counts messages, each carrying a whole content) stays
/// near empty, and holds what the peer has not taken yet in a queue of its own, counted in bytes. A peer whose
/// backlog passes the budget is disconnected: it cannot make the gateway hold more than that for it. A peer that
/// reads slowly within the budget gets every byte, in order.
/// </summary>
internal sealed class SubscriberRelay(PeerByteBudget budget)
{
    private const int ReadSize = 16 * 1024;

    private long _queued;

    /// <summary>True once the peer was cut for going over the budget.</summary>
    public bool OverBudget { get; private set; }

    /// <summary>True when NetMQ closed its side (passed on to the peer); false on a fault or when the peer went over budget.</summary>
    public async Task<bool> RelayAsync(Socket from, Socket to)
    {
        var backlog = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var sending = SendAllAsync(backlog.Reader, to);
        var buffer = new byte[ReadSize];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (read == 0)
                    break;
                // Copied to its exact size: what is held is what is counted.
                backlog.Writer.TryWrite(buffer.AsSpan(0, read).ToArray());
                if (Interlocked.Add(ref _queued, read) > budget.MaxQueuedBytes)
                {
                    OverBudget = true;
                    budget.Exceeded();
                    return false;
                }
                if (sending.IsCompleted)
                    return false; // the peer is gone
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            backlog.Writer.TryComplete();
        }

        // NetMQ closed its side: the peer still gets what is queued, then the close.
        if (!await sending)
            return false;
        try
        {
            to.Shutdown(SocketShutdown.Send);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Sends the backlog in order; true once it is empty and complete, false when the peer failed.</summary>
    private async Task<bool> SendAllAsync(ChannelReader<byte[]> backlog, Socket to)
    {
        try
        {
            await foreach (var chunk in backlog.ReadAllAsync())
            {
                for (var offset = 0; offset < chunk.Length;)
                    offset += await to.SendAsync(chunk.AsMemory(offset), SocketFlags.None);
                Interlocked.Add(ref _queued, -chunk.Length);
            }
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
