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
/// The change stream's sink for the event streams. Each stream listens with its own small queue, bounded in events and in bytes;
/// when a stream's client reads too slowly the queue drops its oldest events and the stream fills the gap from the
/// store, so a slow client never holds up the others, never makes the gateway hold more than the bound, and never
/// misses an update.
/// </summary>
internal sealed class LiveUpdateFeed : IChangeSink
{
    private readonly ConcurrentDictionary<string, ImmutableArray<Listener>> _listeners = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly long _maxBytes;
    private long _dropped;

    public LiveUpdateFeed(IOptions<ApiOptions> options)
    {
        _capacity = options.Value.EventStreamBufferedUpdates;
        _maxBytes = options.Value.EventStreamBufferedBytes;
    }

    public string Name => "event-streams";

    /// <summary>It encodes the event once and queues it for each stream, whose own request writes it out.</summary>
    public bool EnqueuesOnly => true;

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

    /// <summary>
    /// Starts listening to the updates of the subject of that name and id. The reader completes when that subject is
    /// deleted. Check the catalog still shows the subject after this: the catalog takes a deletion before this sink does.
    /// </summary>
    public Listener Listen(string subject, int subjectId)
    {
        var listener = new Listener(this, subject, subjectId, _capacity);
        _listeners.AddOrUpdate(subject, static (_, l) => [l], static (_, list, l) => list.Add(l), listener);
        return listener;
    }

    public ValueTask DeliverAsync(SubjectChange change, CancellationToken cancellationToken)
    {
        if (!_listeners.TryGetValue(change.Subject, out var listeners) || listeners.IsEmpty)
            return ValueTask.CompletedTask;
        switch (change)
        {
            case SubjectUpdate update:
                var live = new LiveEvent(update.SubjectId, update.Sequence, ServerSentEvents.Update(UpdateResource.From(update.Subject, update.ToEntry())));
                foreach (var listener in listeners)
                {
                    if (listener.SubjectId == update.SubjectId)
                        listener.Offer(live, _maxBytes);
                }
                break;
            case SubjectDeleted deleted:
                foreach (var listener in listeners)
                {
                    if (listener.SubjectId == deleted.SubjectId)
                        listener.Channel.Writer.TryComplete();
                }
                break;
        }
        return ValueTask.CompletedTask;
    }

    private void Leave(Listener listener)
    {
        while (_listeners.TryGetValue(listener.Subject, out var list))
        {
            var remaining = list.Remove(listener);
            if (remaining.IsEmpty ? _listeners.TryRemove(new(listener.Subject, list)) : _listeners.TryUpdate(listener.Subject, remaining, list))
                return;
        }
    }

    /// <summary>One stream's view of a subject; dispose it when the stream ends.</summary>
    public sealed class Listener : IDisposable
    {
        private readonly LiveUpdateFeed _feed;
        private long _queuedBytes;

        internal Listener(LiveUpdateFeed feed, string subject, int subjectId, int capacity)
        {
            _feed = feed;
            Subject = subject;
            SubjectId = subjectId;
            Channel = System.Threading.Channels.Channel.CreateBounded<LiveEvent>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest }, Dropped);
        }

        public string Subject { get; }

        public int SubjectId { get; }

        internal Channel<LiveEvent> Channel { get; }

        /// <summary>Completes (false) when the subject is deleted; read with <see cref="TryRead"/>.</summary>
        public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => Channel.Reader.WaitToReadAsync(cancellationToken);

        public bool TryRead(out LiveEvent live)
        {
            if (!Channel.Reader.TryRead(out live!))
                return false;
            Interlocked.Add(ref _queuedBytes, -live.Encoded.Length);
            return true;
        }

        public void Dispose() => _feed.Leave(this);

        /// <summary>Queues an event, first dropping the oldest ones while the queue would go past <paramref name="maxBytes"/>.</summary>
        internal void Offer(LiveEvent live, long maxBytes)
        {
            // Only the fan-out's delivery loop offers, so the bound holds; the stream's reader may take events meanwhile.
            while (Interlocked.Read(ref _queuedBytes) + live.Encoded.Length > maxBytes && Channel.Reader.TryRead(out var oldest))
                Dropped(oldest);
            Interlocked.Add(ref _queuedBytes, live.Encoded.Length);
            Channel.Writer.TryWrite(live);
        }

        private void Dropped(LiveEvent dropped)
        {
            Interlocked.Add(ref _queuedBytes, -dropped.Encoded.Length);
            Interlocked.Increment(ref _feed._dropped);
        }
    }
}
