using System.Text.Json;
using MessageQueue.Gateway.Storage;
using StackExchange.Redis;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>
/// The relay's incoming side: the other instances' commits, in the order Redis delivers them, go to the store writer,
/// which applies them in sequence order and reads back from the store whatever came before them unheard.
/// </summary>
internal sealed partial class RelayReceiver(RedisChangeBus bus, StoreWriter writer, ILogger<RelayReceiver> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan SubscribeRetry = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stopping = new();
    private volatile ChannelMessageQueue? _incoming;
    private readonly Lock _stopGate = new();
    private Task? _receiving;
    private Task? _stop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (bus.Configured)
            _receiving = Task.Run(() => ReceiveAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task ReceiveAsync(CancellationToken stopping)
    {
        ConnectionMultiplexer redis;
        try
        {
            redis = await bus.ConnectedAsync().WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        // Whatever was relayed while the connection was down is in the store.
        redis.ConnectionRestored += (_, _) => writer.Submit(new ReconcileCommand());

        // Redis may be down at start: the gateway starts anyway, and subscribes once it can (Redis keeps the
        // subscription over later reconnections itself); the store's reconciliation carries the changes meanwhile.
        while (_incoming is null)
        {
            try
            {
                _incoming = await redis.GetSubscriber().SubscribeAsync(bus.Channel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // RedisConnectionException, or a RedisTimeoutException (a TimeoutException, not a RedisException).
                Log.NotSubscribed(logger, ex.Message);
                try
                {
                    await Task.Delay(SubscribeRetry, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        // What the others committed before this subscription is in the store.
        _ = writer.Submit(new ReconcileCommand());
        if (stopping.IsCancellationRequested)
        {
            await _incoming.UnsubscribeAsync().ConfigureAwait(false); // subscribed while stopping: nobody else ends the loop
            return;
        }
        await foreach (var message in _incoming)
        {
            RelayedBatch? batch;
            try
            {
                batch = JsonSerializer.Deserialize((byte[])message.Message!, RelayJson.Default.RelayedBatch);
            }
            catch (JsonException ex)
            {
                Log.Malformed(logger, ex.Message);
                continue;
            }
            if (batch is null || batch.Sender == bus.Sender)
                continue;
            // JSON of another shape (another program or version on the channel) would fail the writer's whole batch.
            if (batch.Changes is null || batch.Changes.Any(c => c is null || string.IsNullOrEmpty(c.Subject)))
            {
                Log.Malformed(logger, "no changes, or a change without a subject");
                continue;
            }
            // Queued behind this instance's own changes; refused only when the writer is saturated, and then the
            // reconciliation reads them from the store.
            _ = writer.Submit(new RelayedChangesCommand(batch.Changes));
        }
    }

    /// <remarks>
    /// A test host stops the host while its entry point stops and disposes it too: both callers share one stop, so
    /// the later one never reaches the token source the earlier one's disposal released.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
            return _stop ??= StopReceivingAsync(cancellationToken);
    }

    private async Task StopReceivingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_incoming is not null)
            await _incoming.UnsubscribeAsync().ConfigureAwait(false); // ends the receiving loop
        if (_receiving is not null)
            await _receiving.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    private static partial class Log
    {
        [LoggerMessage(7004, LogLevel.Warning, "Not subscribed to the other instances' changes yet, trying again in a second: {Reason}")]
        public static partial void NotSubscribed(ILogger logger, string reason);

        [LoggerMessage(7003, LogLevel.Warning, "A message on the bus was not a relayed commit and was ignored: {Reason}")]
        public static partial void Malformed(ILogger logger, string reason);
    }
}
