using System.Text.Json;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Realtime;
using MessageQueue.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>
/// On PostgreSQL, where several instances may share the store, writes this instance's row in the Instances table every
/// Instance:HeartbeatIntervalMilliseconds (its listeners and update rate) and reads the others' live rows back, so that
/// every instance's overview sums the whole cluster and lists it. An instance silent for three intervals is gone; one
/// that stops cleanly deletes its row at once.
/// </summary>
internal sealed partial class InstanceHeartbeat(
    IOptions<StoreOptions> store,
    IOptions<InstanceOptions> options,
    ThisInstance instance,
    OverviewSource overview,
    ClusterPresence cluster,
    IDbContextFactory<MessageQueueDbContext> contexts,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    private static readonly TimeSpan KeepGoneRowsFor = TimeSpan.FromHours(1);
    private readonly TimeSpan _interval = TimeSpan.FromMilliseconds(options.Value.HeartbeatIntervalMilliseconds);
    private readonly LogThrottle _failures = new(TimeSpan.FromMinutes(1));

    private TimeSpan SilentFor => 3 * _interval;

    private bool SharesStore => store.Value.Provider == StoreProvider.PostgreSql;

    // On the thread pool, not on the synchronization context of whoever starts the host (a test runner's).
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Started(logger, instance.Name, instance.Id, store.Value.Provider);
        return SharesStore ? Task.Run(() => BeatUntilStoppedAsync(stoppingToken), CancellationToken.None) : Task.CompletedTask;
    }

    private async Task BeatUntilStoppedAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            do
            {
                try
                {
                    await BeatAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (_failures.ShouldLog(out var suppressed))
                        Log.BeatFailed(logger, ex.Message, suppressed);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var report = JsonSerializer.Serialize(overview.Local(), PresenceJson.Default.InstanceReport);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        // The store's clock, not ours: instances on other machines need not agree on the time.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Instances" ("Id", "Name", "StartedAt", "HeartbeatAt", "Report")
            VALUES ({instance.Id}, {instance.Name}, {instance.StartedAt}, now(), {report})
            ON CONFLICT ("Id") DO UPDATE SET "HeartbeatAt" = now(), "Report" = excluded."Report"
            """, cancellationToken).ConfigureAwait(false);
        var rows = await db.Instances.FromSql($"""
            SELECT "Id", "Name", "StartedAt", "HeartbeatAt", "Report" FROM "Instances" WHERE "Id" <> {instance.Id} AND "HeartbeatAt" > now() - {SilentFor}
            """).AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
        cluster.Update([.. rows.Select(Read).OfType<PeerInstance>().OrderBy(p => p.Name, StringComparer.Ordinal)], SilentFor);
        await db.Database.ExecuteSqlAsync($"""DELETE FROM "Instances" WHERE "HeartbeatAt" < now() - {KeepGoneRowsFor}""", cancellationToken)
            .ConfigureAwait(false);
    }

    private PeerInstance? Read(InstanceEntity row)
    {
        try
        {
            return JsonSerializer.Deserialize(row.Report, PresenceJson.Default.InstanceReport) is { IsWhole: true } report
                ? new PeerInstance(row.Name, row.StartedAt, report)
                : null;
        }
        catch (JsonException)
        {
            return null; // a row some other version wrote: that instance is left out, not the overview (so is one not whole)
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!SharesStore)
            return;
        try
        {
            // Leaving cleanly: the others' overviews drop this instance at their next heartbeat, not three intervals later.
            await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await db.Database.ExecuteSqlAsync($"""DELETE FROM "Instances" WHERE "Id" = {instance.Id}""", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.BeatFailed(logger, ex.Message, 0);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(7005, LogLevel.Information, "Instance {Name} started (id {Id}, store {Provider})")]
        public static partial void Started(ILogger logger, string name, string id, StoreProvider provider);

        [LoggerMessage(7006, LogLevel.Warning, "This instance's heartbeat failed ({Reason}; {Suppressed} more left out of the log): the others drop out of its overview after three intervals without one")]
        public static partial void BeatFailed(ILogger logger, string reason, long suppressed);
    }
}
