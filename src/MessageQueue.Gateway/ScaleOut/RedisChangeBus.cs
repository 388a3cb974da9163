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

    private Task<ConnectionMultiplexer>? _connecting;

    /// <summary>True when Bus:Redis is set: changes are relayed, once connected.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Redis);

    /// <summary>The connection to Redis once made; null while the first connection is being made, or when Bus:Redis is not set.</summary>
    public ConnectionMultiplexer? Redis => _connecting is { IsCompletedSuccessfully: true } connecting ? connecting.Result : null;

    /// <summary>Commits whose changes could not be relayed (Redis down): the others read them from the store instead.</summary>
    public long Unsent => Interlocked.Read(ref _unsent);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Configured)
            return Task.CompletedTask;
        var configuration = ConfigurationOptions.Parse(options.Value.Redis); // a malformed string fails the start, here
        configuration.AbortOnConnectFail = false; // Redis down: keep trying; the store carries the changes meanwhile
        configuration.ClientName = Instance;
        // Not awaited: with Redis down, the first attempt takes the whole connect timeout (5 s), and the gateway
        // serves meanwhile (its changes counted unsent, the others' read from the store).
        _connecting = ConnectAsync(configuration);
        return Task.CompletedTask;
    }

    /// <summary>The connection, once the first attempt to make it has ended (connected or not: it goes on trying).</summary>
    public Task<ConnectionMultiplexer> ConnectedAsync() =>
        _connecting ?? throw new InvalidOperationException("Bus:Redis is not set, or the bus has not started.");

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        redis.ConnectionFailed += (_, e) => Log.Lost(logger, e.ConnectionType, e.FailureType);
        redis.ConnectionRestored += (_, e) => Log.Restored(logger, e.ConnectionType);
        return redis;
    }

    public void Publish(IReadOnlyList<SubjectChange> changes)
    {
        if (!Configured)
            return;
        if (Redis is not { IsConnected: true } redis)
        {
            Interlocked.Increment(ref _unsent);
            return;
        }
        var message = JsonSerializer.SerializeToUtf8Bytes(new RelayedBatch(Instance, Sender, [.. changes.Select(RelayedChange.From)]), RelayJson.Default.RelayedBatch);
        redis.GetSubscriber().Publish(Channel, message, CommandFlags.FireAndForget);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_connecting is null)
            return;
        if (_connecting.IsCompleted)
        {
            if (_connecting.IsCompletedSuccessfully)
                await _connecting.Result.DisposeAsync();
            return;
        }
        // Still making its first attempt: closed when that ends, without holding up the stop.
        _ = _connecting.ContinueWith(static connecting => connecting.Result.Dispose(), CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Warning, "Redis connection lost ({ConnectionType}: {FailureType}); other instances' changes now arrive from the store")]
        public static partial void Lost(ILogger logger, ConnectionType connectionType, ConnectionFailureType failureType);

        [LoggerMessage(7002, LogLevel.Information, "Redis connection restored ({ConnectionType})")]
        public static partial void Restored(ILogger logger, ConnectionType connectionType);
    }
}
