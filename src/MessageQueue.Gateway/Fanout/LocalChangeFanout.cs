using System.Diagnostics;
using System.Threading.Channels;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Fanout;

/// <summary>
/// Delivers each change to every sink of this process. A sink that does real work per change (the SignalR groups)
/// has its own bounded queue and delivery loop, so it never delays the others or the publisher; it is only woken for a
/// change it wants. A sink that only enqueues (<see cref="IChangeSink.EnqueuesOnly"/>) takes the change on the
/// publishing thread instead, one thread hop fewer, unless its loop still has changes or a recovery to get through:
/// then the change waits behind them, in order. A sink that falls a whole queue behind loses its oldest pending
/// changes, and that is logged. Each delivery's time since publication is measured per sink.
/// A sink that throws on an update (out of memory while encoding, say) has not lost it: its loop reads that update and
/// the subject's later ones back from the store and hands them on in order, retrying with a backoff until the sink
/// takes them; meanwhile the sink is reported as recovering (readiness is degraded). Once a subject is deleted its
/// updates are gone from the store too: what a sink still had to recover of it is given up.
/// </summary>
internal sealed partial class LocalChangeFanout(
    IEnumerable<IChangeSink> sinks,
    StoredUpdates stored,
    IOptions<FanoutOptions> options,
    GatewayMetrics metrics,
    BacklogMetrics backlog,
    ILogger<LocalChangeFanout> logger) : IChangeFanout, IHostedService
{
    private readonly SinkQueue[] _queues = [.. sinks.Select(sink => new SinkQueue(sink, options.Value.QueueCapacity, dropped =>
    {
        metrics.Dropped(GatewayMetrics.SinkTag(sink.Name));
        Log.SinkOverflow(logger, sink.Name, dropped.Change.Subject, Describe(dropped.Change));
    }))];

    /// <summary>The sinks still to take updates they failed on, with how many subjects each has such updates on.</summary>
    public IEnumerable<(string Sink, int Subjects)> Recovering =>
        _queues.Where(q => q.Recovery.PendingSubjects > 0).Select(q => (q.Sink.Name, q.Recovery.PendingSubjects));

    public void Publish(SubjectChange change)
    {
        // One timestamp for every sink: the queues hold it beside the change, no allocation per change.
        var published = new Published(change, Stopwatch.GetTimestamp());
        foreach (var queue in _queues)
        {
            if (!queue.Sink.Wants(change))
                continue;
            if (queue.Sink.EnqueuesOnly)
                DeliverNowOrQueue(queue, published);
            else
                queue.Channel.Writer.TryWrite(published);
        }
    }

    /// <summary>Hands the change to an enqueue-only sink on this thread, or behind what its loop still has to get through.</summary>
    private void DeliverNowOrQueue(SinkQueue queue, Published published)
    {
        lock (queue.Gate)
        {
            if (queue.Direct)
            {
                if (!Due(queue, published.Change))
                    return;
                try
                {
                    var delivery = queue.Sink.DeliverAsync(published.Change, CancellationToken.None);
                    if (!delivery.IsCompleted)
                        throw new InvalidOperationException($"Sink {queue.Sink.Name} enqueues only, yet its delivery did not complete at once.");
                    delivery.GetAwaiter().GetResult();
                    Delivered(queue, published);
                    return;
                }
                catch (Exception ex)
                {
                    Failed(queue, published.Change, ex);
                    if (queue.Recovery.PendingSubjects == 0)
                        return;
                    queue.Direct = false; // the loop takes over until the recovery is through; this change wakes it
                }
            }
            queue.Channel.Writer.TryWrite(published);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in _queues)
            queue.Loop = Task.Run(() => DeliverAllAsync(queue), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in _queues)
            queue.Channel.Writer.TryComplete();
        await Task.WhenAll(_queues.Select(q => q.Loop)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DeliverAllAsync(SinkQueue queue)
    {
        var reader = queue.Channel.Reader;
        var recovery = queue.Recovery;
        Task<bool>? waiting = null;
        while (true)
        {
            // An enqueue-only sink with nothing left behind takes the next changes on the publishing thread again.
            if (queue.Sink.EnqueuesOnly && !queue.Direct && recovery.PendingSubjects == 0)
            {
                lock (queue.Gate)
                    queue.Direct = reader.Count == 0;
            }

            // While the sink has updates to recover, an attempt is made when it is due, however busy the queue is;
            // meanwhile the loop wakes up for the next update or the due time, whichever is first.
            if (recovery.PendingSubjects > 0 && recovery.UntilDue == TimeSpan.Zero)
            {
                await RecoverAsync(queue);
                continue;
            }
            waiting ??= reader.WaitToReadAsync().AsTask();
            if (recovery.PendingSubjects > 0 && await Task.WhenAny(waiting, Task.Delay(recovery.UntilDue)) != waiting)
                continue;
            if (!await waiting)
            {
                if (recovery.PendingSubjects > 0)
                    await RecoverAsync(queue); // stopping: one last attempt
                return;
            }
            waiting = null;

            while (reader.TryRead(out var published))
            {
                if (!Due(queue, published.Change))
                    continue;
                try
                {
                    await queue.Sink.DeliverAsync(published.Change, CancellationToken.None);
                    Delivered(queue, published);
                }
                catch (Exception ex)
                {
                    Failed(queue, published.Change, ex);
                }
            }
        }
    }

    /// <summary>False when the change is the recovery's to hand on, or already was; a deletion ends the subject's recovery.</summary>
    private bool Due(SinkQueue queue, SubjectChange change)
    {
        if (change is SubjectUpdate covered && queue.Recovery.Covers(covered))
            return false;
        if (change is SubjectDeleted deleted && queue.Recovery.Forget(deleted.SubjectId))
            Log.RecoveryEnded(logger, queue.Sink.Name, deleted.Subject);
        return true;
    }

    private void Delivered(SinkQueue queue, Published published)
    {
        metrics.FannedOut(queue.Tag, published.At);
        if (published.Change is SubjectUpdate delivered)
            Log.Delivered(logger, new UpdateId(delivered.SubjectId, delivered.Sequence), queue.Sink.Name);
    }

    /// <summary>The sink threw: an update it failed on is left to the recovery, from the store.</summary>
    private void Failed(SinkQueue queue, SubjectChange change, Exception exception)
    {
        metrics.SinkFailed(queue.Tag);
        Log.SinkFailed(logger, queue.Sink.Name, change.Subject, Describe(change), exception);
        if (change is SubjectUpdate update)
            queue.Recovery.Missed(update.SubjectId, update.Subject, update.Sequence, sinkRefused: true);
    }

    /// <summary>Hands on, from the store and in order, what the sink missed on every subject; what fails waits for the next attempt.</summary>
    private async Task RecoverAsync(SinkQueue queue)
    {
        var recovery = queue.Recovery;
        foreach (var (subjectId, subject, from, attempts) in recovery.Gaps.ToList())
        {
            var position = from - 1;
            var handedOn = 0;
            var sinkFailed = false; // not the store: only the sink's own failures count towards giving an update up
            try
            {
                await foreach (var update in stored.ReadAsync(subjectId, subject, position))
                {
                    sinkFailed = true;
                    await queue.Sink.DeliverAsync(update, CancellationToken.None);
                    sinkFailed = false;
                    position = update.Sequence;
                    handedOn++;
                }
                recovery.Closed(subjectId, position);
                Log.Recovered(logger, queue.Sink.Name, subject, from, position);
            }
            catch (Exception ex) when (sinkFailed && handedOn == 0 && attempts + 1 >= SinkRecovery.MaxAttempts)
            {
                // The sink refused the same update every attempt: give it up (logged with its stack) rather than hold the subject.
                recovery.Missed(subjectId, subject, position + 2, sinkRefused: false);
                Log.GaveUp(logger, queue.Sink.Name, subject, position + 1, SinkRecovery.MaxAttempts, ex);
            }
            catch (Exception ex)
            {
                recovery.Missed(subjectId, subject, position + 1, sinkFailed);
                recovery.Backoff();
                Log.RecoveryFailed(logger, queue.Sink.Name, subject, position + 1, recovery.Retry.TotalMilliseconds, ex.GetType().Name, ex.Message);
            }
            if (handedOn > 0)
                backlog.Recovered(queue.Tag, handedOn);
        }
    }

    /// <summary>For logs: an update's id, or what became of the subject.</summary>
    private static string Describe(SubjectChange change) => change switch
    {
        SubjectUpdate update => new UpdateId(update.SubjectId, update.Sequence).ToString(),
        _ => $"{change.GetType().Name} {change.SubjectId}",
    };

    /// <summary>A change and when it was published (a <see cref="Stopwatch"/> timestamp).</summary>
    private readonly record struct Published(SubjectChange Change, long At);

    private sealed class SinkQueue(IChangeSink sink, int capacity, Action<Published> onDropped)
    {
        public IChangeSink Sink { get; } = sink;

        public KeyValuePair<string, object?> Tag { get; } = GatewayMetrics.SinkTag(sink.Name);

        // Oldest first: for whole-content publications the newest update matters most.
        public Channel<Published> Channel { get; } = System.Threading.Channels.Channel.CreateBounded(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest }, onDropped);

        public Task Loop { get; set; } = Task.CompletedTask;

        public SinkRecovery Recovery { get; } = new();

        /// <summary>Serialises an enqueue-only sink's deliveries on the publishing thread with its loop's hand-back.</summary>
        public Lock Gate { get; } = new();

        /// <summary>For an enqueue-only sink: true while it takes changes on the publishing thread (guarded by <see cref="Gate"/>).</summary>
        public bool Direct { get; set; } = sink.EnqueuesOnly;
    }

    private static partial class Log
    {
        [LoggerMessage(2000, LogLevel.Warning, "Sink {Sink} is a full queue behind; its oldest pending change on {Subject} ({Change}) was dropped")]
        public static partial void SinkOverflow(ILogger logger, string sink, string subject, string change);

        [LoggerMessage(2001, LogLevel.Error, "Sink {Sink} failed to deliver a change on {Subject} ({Change})")]
        public static partial void SinkFailed(ILogger logger, string sink, string subject, string change, Exception exception);

        [LoggerMessage(2002, LogLevel.Debug, "Update {UpdateId} handed on by sink {Sink}")]
        public static partial void Delivered(ILogger logger, UpdateId updateId, string sink);

        [LoggerMessage(2013, LogLevel.Warning, "Sink {Sink} still had updates of {Subject} to take from the store when it was deleted; they are gone with it")]
        public static partial void RecoveryEnded(ILogger logger, string sink, string subject);

        [LoggerMessage(2010, LogLevel.Information, "Sink {Sink} took from the store the updates of {Subject} it had missed, #{From} to #{To}")]
        public static partial void Recovered(ILogger logger, string sink, string subject, long from, long to);

        // No stack: the first failure was logged with one; this repeats while the cause lasts.
        [LoggerMessage(2012, LogLevel.Error, "Sink {Sink} gave up update {Subject}#{Sequence} after {Attempts} attempts; it goes on with the next")]
        public static partial void GaveUp(ILogger logger, string sink, string subject, long sequence, int attempts, Exception exception);

        [LoggerMessage(2011, LogLevel.Warning, "Sink {Sink} still cannot take {Subject}#{Sequence} from the store; next attempt in {RetryMs} ms: {Error}: {Message}")]
        public static partial void RecoveryFailed(ILogger logger, string sink, string subject, long sequence, double retryMs, string error, string message);
    }
}

public sealed class FanoutOptions
{
    public const string SectionName = "Fanout";

    /// <summary>Updates that may wait for one sink before that sink starts missing them.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 100_000;
}
