using System.Threading.Channels;
using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Fanout;

/// <summary>
/// Delivers each update to every sink of this process. Every sink has its own bounded queue and delivery loop,
/// so a slow or failing sink never delays the others or the publisher; a sink that falls a whole queue behind
/// loses its oldest pending updates, and that is logged.
/// </summary>
internal sealed partial class LocalUpdateFanout(
    IEnumerable<IUpdateSink> sinks,
    IOptions<FanoutOptions> options,
    ILogger<LocalUpdateFanout> logger) : IUpdateFanout, IHostedService
{
    private readonly SinkQueue[] _queues = [.. sinks.Select(sink => new SinkQueue(sink, options.Value.QueueCapacity,
        dropped => Log.SinkOverflow(logger, sink.Name, dropped.Subject, dropped.Sequence)))];

    public void Publish(SubjectUpdate update)
    {
        foreach (var queue in _queues)
            queue.Channel.Writer.TryWrite(update);
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
        await foreach (var update in queue.Channel.Reader.ReadAllAsync())
        {
            try
            {
                await queue.Sink.DeliverAsync(update, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.SinkFailed(logger, queue.Sink.Name, update.Subject, update.Sequence, ex);
            }
        }
    }

    private sealed class SinkQueue(IUpdateSink sink, int capacity, Action<SubjectUpdate> onDropped)
    {
        public IUpdateSink Sink { get; } = sink;

        // Oldest first: for whole-content publications the newest update matters most.
        public Channel<SubjectUpdate> Channel { get; } = System.Threading.Channels.Channel.CreateBounded(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest }, onDropped);

        public Task Loop { get; set; } = Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(2000, LogLevel.Warning, "Sink {Sink} is a full queue behind; its oldest pending update {Subject}#{Sequence} was dropped")]
        public static partial void SinkOverflow(ILogger logger, string sink, string subject, long sequence);

        [LoggerMessage(2001, LogLevel.Error, "Sink {Sink} failed to deliver update {Subject}#{Sequence}")]
        public static partial void SinkFailed(ILogger logger, string sink, string subject, long sequence, Exception exception);
    }
}

public sealed class FanoutOptions
{
    public const string SectionName = "Fanout";

    /// <summary>Updates that may wait for one sink before that sink starts missing them.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 100_000;
}
