using System.Text.Json;
using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>
/// The relay between instances over Redis pub/sub, outgoing side: each commit's own changes go out as one message
/// (<see cref="RelayReceiver"/> takes the others'). Pub/sub may lose messages (Redis down, a slow reader cut off):
/// the store, not Redis, is the truth, and <see cref="StoreReconciler"/> fills any gap. With no Bus:Redis it does
/// nothing.
/// </summary>
internal sealed partial class RedisChangeBus(IOptions<BusOptions> options, ThisInstance instance, ILogger<RedisChangeBus> logger)
    : IChangeBus, IHostedService, IAsyncDisposable
{
    private long _unsent;

    public RedisChannel Channel { get; } = RedisChannel.Literal(options.Value.Channel);

    public string Instance { get; } = instance.Name;

    /// <summary>This process on the bus: its own messages come back to it, and are skipped by this, not by the name.</summary>
    public string Sender { get; } = instance.Id;

    /// <summary>The connection to Redis once started; null when Bus:Redis is not set.</summary>
    public ConnectionMultiplexer? Redis { get; private set; }

    /// <summary>Commits whose changes could not be relayed (Redis down): the others read them from the store instead.</summary>
    public long Unsent => Interlocked.Read(ref _unsent);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.Redis))
            return;
        var configuration = ConfigurationOptions.Parse(options.Value.Redis);
        configuration.AbortOnConnectFail = false; // start while Redis is down: the store carries the changes meanwhile
        configuration.ClientName = Instance;
        Redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        Redis.ConnectionFailed += (_, e) => Log.Lost(logger, e.ConnectionType, e.FailureType);
        Redis.ConnectionRestored += (_, e) => Log.Restored(logger, e.ConnectionType);
    }

    public void Publish(IReadOnlyList<SubjectChange> changes)
    {
        if (Redis is null)
            return;
        if (!Redis.IsConnected)
        {
            Interlocked.Increment(ref _unsent);
            return;
        }
        var message = JsonSerializer.SerializeToUtf8Bytes(new RelayedBatch(Instance, Sender, [.. changes.Select(RelayedChange.From)]), RelayJson.Default.RelayedBatch);
        Redis.GetSubscriber().Publish(Channel, message, CommandFlags.FireAndForget);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (Redis is not null)
            await Redis.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Warning, "Redis connection lost ({ConnectionType}: {FailureType}); other instances' changes now arrive from the store")]
        public static partial void Lost(ILogger logger, ConnectionType connectionType, ConnectionFailureType failureType);

        [LoggerMessage(7002, LogLevel.Information, "Redis connection restored ({ConnectionType})")]
        public static partial void Restored(ILogger logger, ConnectionType connectionType);
    }
}
