using MessageQueue.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>
/// On PostgreSQL, where other instances may share the store, asks the store writer now and then to compare the
/// subjects' rows with the catalog and catch up: what the relay lost, or all of it when there is no relay, reaches
/// this instance's doors within one interval.
/// </summary>
internal sealed class StoreReconciler(IOptions<StoreOptions> store, IOptions<BusOptions> bus, StoreWriter writer) : BackgroundService
{
    // On the thread pool, not on the synchronization context of whoever starts the host (a test runner's).
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        store.Value.Provider == StoreProvider.PostgreSql ? Task.Run(() => ReconcileUntilStoppedAsync(stoppingToken), CancellationToken.None) : Task.CompletedTask;

    private async Task ReconcileUntilStoppedAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(bus.Value.ReconcileIntervalMilliseconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await writer.Submit(new ReconcileCommand()); // one at a time: a slow store is not asked again meanwhile
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
