using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Api;

/// <summary>An update encoded once as a server-sent event, shared by every stream of its subject.</summary>
internal sealed record LiveEvent(int SubjectId, long Sequence, byte[] Encoded);

/// <summary>
/// The fan-out sink of the event streams. Each stream listens with its own small queue; when a stream's client reads
/// too slowly the queue drops its oldest events and the stream fills the gap from the store, so a slow client never
/// holds up the others and never misses an update.
/// </summary>
internal sealed class LiveUpdateFeed : IUpdateSink, IDisposable
{
    private readonly ConcurrentDictionary<string, ImmutableArray<Listener>> _listeners = new(StringComparer.Ordinal);
    private readonly SubjectCatalog _catalog;
    private readonly int _capacity;
    private long _dropped;

    public LiveUpdateFeed(SubjectCatalog catalog, IOptions<ApiOptions> options)
    {
        _catalog = catalog;
        _capacity = options.Value.EventStreamBufferedUpdates;
        _catalog.Removed += EndStreams;
    }

    public string Name => "event-streams";

    /// <summary>Events dropped from slow streams' queues so far (each such stream then caught up from the store).</summary>
    public long DroppedEvents => Interlocked.Read(ref _dropped);

    /// <summary>Open streams per subject (for presence and metrics).</summary>
    public int CountListeners(string subject) => _listeners.TryGetValue(subject, out var list) ? list.Length : 0;

    /// <summary>Open streams on every subject (for metrics; walks the subjects).</summary>
    public int OpenStreams
    {
        get
        {
            var open = 0;
            foreach (var (_, listeners) in _listeners)
                open += listeners.Length;
            return open;
        }
    }

    /// <summary>Starts listening to a subject's updates. The reader completes when the subject is deleted.</summary>
    public Listener Listen(string subject)
    {
        var listener = new Listener(this, subject, Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(_capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest },
            _ => Interlocked.Increment(ref _dropped)));
        _listeners.AddOrUpdate(subject, static (_, l) => [l], static (_, list, l) => list.Add(l), listener);
        return listener;
    }

    public ValueTask DeliverAsync(SubjectUpdate update, CancellationToken cancellationToken)
    {
        if (_listeners.TryGetValue(update.Subject, out var listeners) && !listeners.IsEmpty)
        {
            var live = new LiveEvent(update.SubjectId, update.Sequence, ServerSentEvents.Update(UpdateResource.From(update.Subject, update.ToEntry())));
            foreach (var listener in listeners)
                listener.Channel.Writer.TryWrite(live);
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _catalog.Removed -= EndStreams;

    private void Leave(Listener listener)
    {
        while (_listeners.TryGetValue(listener.Subject, out var list))
        {
            var remaining = list.Remove(listener);
            if (remaining.IsEmpty ? _listeners.TryRemove(new(listener.Subject, list)) : _listeners.TryUpdate(listener.Subject, remaining, list))
                return;
        }
    }

    private void EndStreams(string subject)
    {
        if (_listeners.TryRemove(subject, out var listeners))
        {
            foreach (var listener in listeners)
                listener.Channel.Writer.TryComplete();
        }
    }

    /// <summary>One stream's view of a subject; dispose it when the stream ends.</summary>
    public sealed class Listener(LiveUpdateFeed feed, string subject, Channel<LiveEvent> channel) : IDisposable
    {
        public string Subject { get; } = subject;

        internal Channel<LiveEvent> Channel { get; } = channel;

        public ChannelReader<LiveEvent> Reader => Channel.Reader;

        public void Dispose() => feed.Leave(this);
    }
}
