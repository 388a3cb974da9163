using System.Diagnostics;
using System.Threading.Channels;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Fanout;

/// <summary>
/// Delivers each update to every sink of this process. Every sink has its own bounded queue and delivery loop,
/// so a slow or failing sink never delays the others or the publisher; a sink that falls a whole queue behind
/// loses its oldest pending updates, and that is logged. Each delivery's time since publication is measured per sink.
/// </summary>
internal sealed partial class LocalUpdateFanout(
    IEnumerable<IUpdateSink> sinks,
    IOptions<FanoutOptions> options,
    GatewayMetrics metrics,
    ILogger<LocalUpdateFanout> logger) : IUpdateFanout, IHostedService
{
    private readonly SinkQueue[] _queues = [.. sinks.Select(sink => new SinkQueue(sink, options.Value.QueueCapacity, dropped =>
    {
        metrics.Dropped(GatewayMetrics.SinkTag(sink.Name));
        Log.SinkOverflow(logger, sink.Name, dropped.Update.Subject, dropped.Update.Sequence, Id(dropped.Update));
    }))];

    public void Publish(SubjectUpdate update)
    {
        // One timestamp for every sink: the queues hold it beside the update, no allocation per update.
        var published = new Published(update, Stopwatch.GetTimestamp());
        foreach (var queue in _queues)
            queue.Channel.Writer.TryWrite(published);
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
        await foreach (var (update, publishedAt) in queue.Channel.Reader.ReadAllAsync())
        {
            try
            {
                await queue.Sink.DeliverAsync(update, CancellationToken.None);
                metrics.FannedOut(queue.Tag, publishedAt);
                Log.Delivered(logger, Id(update), queue.Sink.Name);
            }
            catch (Exception ex)
            {
                metrics.SinkFailed(queue.Tag);
                Log.SinkFailed(logger, queue.Sink.Name, update.Subject, update.Sequence, Id(update), ex);
            }
        }
    }

    private static UpdateId Id(SubjectUpdate update) => new(update.SubjectId, update.Sequence);

    /// <summary>An update and when it was published (a <see cref="Stopwatch"/> timestamp).</summary>
    private readonly record struct Published(SubjectUpdate Update, long At);

    private sealed class SinkQueue(IUpdateSink sink, int capacity, Action<Published> onDropped)
    {
        public IUpdateSink Sink { get; } = sink;

        public KeyValuePair<string, object?> Tag { get; } = GatewayMetrics.SinkTag(sink.Name);

        // Oldest first: for whole-content publications the newest update matters most.
        public Channel<Published> Channel { get; } = System.Threading.Channels.Channel.CreateBounded(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest }, onDropped);

        public Task Loop { get; set; } = Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(2000, LogLevel.Warning, "Sink {Sink} is a full queue behind; its oldest pending update {Subject}#{Sequence} ({UpdateId}) was dropped")]
        public static partial void SinkOverflow(ILogger logger, string sink, string subject, long sequence, UpdateId updateId);

        [LoggerMessage(2001, LogLevel.Error, "Sink {Sink} failed to deliver update {Subject}#{Sequence} ({UpdateId})")]
        public static partial void SinkFailed(ILogger logger, string sink, string subject, long sequence, UpdateId updateId, Exception exception);

        [LoggerMessage(2002, LogLevel.Debug, "Update {UpdateId} handed on by sink {Sink}")]
        public static partial void Delivered(ILogger logger, UpdateId updateId, string sink);
    }
}

public sealed class FanoutOptions
{
    public const string SectionName = "Fanout";

    /// <summary>Updates that may wait for one sink before that sink starts missing them.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 100_000;
}
