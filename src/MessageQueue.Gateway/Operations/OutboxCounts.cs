using MessageQueue.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Operations;

/// <summary>The outbox's counts for the gauges: one read of the store serves every gauge of a scrape.</summary>
internal sealed partial class OutboxCounts(
    IDbContextFactory<MessageQueueDbContext> contextFactory,
    TimeProvider clock,
    IOptions<OperationsOptions> options,
    ILogger<OutboxCounts> logger)
{
    private readonly TimeSpan _cacheFor = TimeSpan.FromSeconds(options.Value.OutboxCountCacheSeconds);
    private readonly Lock _gate = new();
    private Snapshot? _last;
    private DateTimeOffset _readAt;

    public sealed record Snapshot(int Pending, int AwaitingExpansion, int Parked);

    /// <summary>The counts, read again when the last read is older than Operations:OutboxCountCacheSeconds; null when the store failed.</summary>
    public Snapshot? Read()
    {
        // Gauge callbacks are synchronous; a local SQLite file answers these counts from its indexes in well under a millisecond.
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (_last is not null && now - _readAt < _cacheFor)
                return _last;
            try
            {
                using var db = contextFactory.CreateDbContext();
                _last = new Snapshot(
                    db.Deliveries.Count(d => d.State == DeliveryState.Pending || d.State == DeliveryState.Unconfirmed),
                    db.Notifications.Count(n => n.ExpandedAt == null) + db.RegistrationsAwaitingMail().Count(),
                    db.Deliveries.Count(d => d.State == DeliveryState.Parked));
                _readAt = now;
                return _last;
            }
            catch (Exception ex)
            {
                Log.ReadFailed(logger, ex);
                return null;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(7010, LogLevel.Warning, "The outbox's counts could not be read for the metrics")]
        public static partial void ReadFailed(ILogger logger, Exception exception);
    }
}
