using System.Threading.Channels;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The store writer's queue, in two lanes: what the doors' clients wait for (REST, hub, legacy), and the bulk of
/// ingest sources, which keep up to a window of updates each queued. A batch takes the doors' lane first and fills up
/// from the bulk lane, so that a caller waits at most about one commit behind a source running flat out, not behind
/// its whole window. Each lane keeps its order; the store's sequence numbers give the change stream its one order.
/// </summary>
internal sealed class StoreQueue(int doorCapacity, int bulkCapacity)
{
    // Synchronous continuations: the only one is the wake-up of the writer's thread blocked on the queue, so the
    // caller that queues a change wakes it directly rather than through a thread-pool work item.
    private readonly Channel<StoreCommand> _doors = Channel.CreateBounded<StoreCommand>(
        new BoundedChannelOptions(doorCapacity) { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Channel<StoreCommand> _bulk = Channel.CreateBounded<StoreCommand>(
        new BoundedChannelOptions(bulkCapacity) { SingleReader = true, AllowSynchronousContinuations = true });

    /// <summary>Changes waiting, both lanes.</summary>
    public int Count => _doors.Reader.Count + _bulk.Reader.Count;

    /// <summary>Queues a change in its lane; false when that lane is full or the queue completed.</summary>
    public bool TryWrite(StoreCommand command) =>
        (command is AppendUpdateCommand { Origin: var origin } && Origins.IsIngest(origin) ? _bulk : _doors).Writer.TryWrite(command);

    /// <summary>The doors' next change, else the bulk's.</summary>
    public bool TryRead(out StoreCommand command) => _doors.Reader.TryRead(out command!) || _bulk.Reader.TryRead(out command!);

    /// <summary>True when a change waits in either lane; false once both are completed and empty.</summary>
    public async Task<bool> WaitToReadAsync()
    {
        var doors = _doors.Reader.WaitToReadAsync().AsTask();
        var bulk = _bulk.Reader.WaitToReadAsync().AsTask();
        var first = await Task.WhenAny(doors, bulk).ConfigureAwait(false);
        return await first.ConfigureAwait(false) || await (first == doors ? bulk : doors).ConfigureAwait(false);
    }

    public void Complete()
    {
        _doors.Writer.TryComplete();
        _bulk.Writer.TryComplete();
    }
}
