using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Storage;

public sealed class StoreOptions
{
    public const string SectionName = "Store";

    /// <summary>
    /// Which database holds the store: SQLite (the embedded default, one instance) or PostgreSQL (shared by several
    /// instances). ConnectionStrings:MessageQueue is that provider's connection string.
    /// </summary>
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>Most changes committed in one transaction.</summary>
    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Changes that may wait for the writer before new ones are refused as busy.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedChanges { get; set; } = 20_000;

    /// <summary>
    /// SQLite only (a PostgreSQL server's space is its operator's): largest size of the SQLite database file, in bytes (rounded down to whole pages); 0 for no cap. Past it every
    /// change is refused (503) and readiness fails until space is freed or the cap is raised (it may change while
    /// running). Keeps the store from filling the disk it shares with the write-ahead log and the logs.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxDatabaseBytes { get; set; }

    /// <summary>
    /// True (the default): each commit is flushed to the disk before its changes are acknowledged, so an acknowledged
    /// change survives a power loss. False: a commit is acknowledged before it reaches the disk, and costs no flush.
    /// On SQLite (synchronous=NORMAL in WAL mode) an acknowledged change then survives the gateway's crash, not the
    /// machine's; on PostgreSQL (synchronous_commit=off) it survives the gateway's crash, not the database server's.
    /// </summary>
    public bool FlushEachCommit { get; set; } = true;

    /// <summary>While the last write failed, how often the idle writer tries a small write to see whether the store has recovered.</summary>
    [Range(1, 3600)]
    public int ProbeIntervalSeconds { get; set; } = 5;
}

public enum StoreProvider
{
    Sqlite,
    PostgreSql,
}
