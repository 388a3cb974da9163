using System.Net.Sockets;
using System.Threading.Channels;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// How many bytes NetMQ may have sent towards one peer that the peer has not taken yet, and towards all peers
/// together, and what to do when a peer goes past it. <paramref name="exceeded"/> is called once per peer cut (for a
/// metric and a log line).
/// </summary>
/// <remarks>
/// The total bounds what many peers together can make the gateway hold (a thousand never-reading peers would
/// otherwise pin a thousand times the per-peer budget). Over the total, a peer is cut when it adds to a backlog of its
/// own of at least <see cref="BehindBytes"/>: the ones behind pay, not the ones that keep up.
/// </remarks>
internal sealed class PeerByteBudget(long maxQueuedBytes, long maxTotalBytes, Action exceeded)
{
    /// <summary>A backlog this small is a peer keeping up; it is never cut for the total.</summary>
    public const long BehindBytes = 64 * 1024;

    private long _total;

    public long MaxQueuedBytes { get; } = maxQueuedBytes;

    /// <summary>Bytes held for every peer now.</summary>
    public long Total => Volatile.Read(ref _total);

    /// <summary>Counts <paramref name="bytes"/> more held for a peer whose own backlog is then <paramref name="own"/>; false when that peer must be cut.</summary>
    public bool Add(long bytes, long own)
    {
        var total = Interlocked.Add(ref _total, bytes);
        return own <= MaxQueuedBytes && (total <= maxTotalBytes || own < BehindBytes);
    }

    public void Release(long bytes) => Interlocked.Add(ref _total, -bytes);

    public void Exceeded() => exceeded();
}

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

    /// <summary>What holding one chunk costs besides its bytes (the array and the queue's node), counted with them.</summary>
    private const int ChunkCost = 64;

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
                if (!budget.Add(read + ChunkCost, Interlocked.Add(ref _queued, read + ChunkCost)))
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
            // Nothing is added from here on: once the sending ends (sent, or failed with the peer cut), whatever is
            // still counted for this peer is no longer held.
            _ = sending.ContinueWith(_ => budget.Release(Interlocked.Exchange(ref _queued, 0)), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return await FinishAsync(sending, to);
    }

    /// <summary>NetMQ closed its side: the peer still gets what is queued, then the close.</summary>
    private static async Task<bool> FinishAsync(Task<bool> sending, Socket to)
    {
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
                Interlocked.Add(ref _queued, -(chunk.Length + ChunkCost));
                budget.Release(chunk.Length + ChunkCost);
            }
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
