using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The store writer's side of readiness: whether its last write failed with a storage error, and the cheap write it
/// tries while idle in that state, so readiness recovers without traffic once the store takes writes again.
/// </summary>
internal static class StoreWriteHealth
{
    // SQLITE_PERM, BUSY, LOCKED, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB: the store (disk, file, lock) refused.
    private static readonly int[] StorageErrorCodes = [3, 5, 6, 8, 10, 11, 13, 14, 26];

    // A table of this process's own: instances sharing a PostgreSQL database probe at the same time.
    private static readonly string ProbeSql = string.Format(System.Globalization.CultureInfo.InvariantCulture,
        "CREATE TABLE \"StoreWriteProbe_{0:x8}\" (\"Probe\" INTEGER); DROP TABLE \"StoreWriteProbe_{0:x8}\";", Random.Shared.Next());

    /// <summary>True when <paramref name="exception"/> (or one it wraps) says the store could not write, not that a change was wrong.</summary>
    public static bool IsStorageError(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is SqliteException sqlite)
                return StorageErrorCodes.Contains(sqlite.SqliteErrorCode);
            if (ex is DbException or IOException)
                return true;
        }
        return false;
    }

    /// <summary>True when PostgreSQL aborted the transaction in a deadlock with another's: trying again is right.</summary>
    public static bool IsDeadlock(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected })
                return true;
        }
        return false;
    }

    /// <summary>A short reason for readiness: the error's kind, never the message (it may name paths).</summary>
    public static string Describe(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is SqliteException sqlite)
                return $"SQLite error {sqlite.SqliteErrorCode} ({sqlite.SqliteExtendedErrorCode})";
            if (ex is PostgresException postgres)
                return $"PostgreSQL error {postgres.SqlState}";
            if (ex is NpgsqlException)
                return "PostgreSQL unreachable";
        }
        return exception.GetType().Name;
    }

    /// <summary>
    /// A write that needs a fresh page and reaches the write-ahead log, leaving nothing behind: a table created and
    /// dropped in one transaction. It fails where appends fail (the size cap, a read-only or failing file, a database
    /// server that is down or refuses writes). Its name is this process's own, as instances may share the database.
    /// </summary>
    public static void Probe(MessageQueueDbContext db)
    {
        using var transaction = db.Database.BeginTransaction();
        db.Database.ExecuteSqlRaw(ProbeSql);
        transaction.Commit();
    }

    /// <summary>Caps the database file (SQLite's max_page_count on the writer's connection); 0 lifts the cap.</summary>
    public static void ApplySizeCap(MessageQueueDbContext db, long maxBytes)
    {
        if (!db.Database.IsSqlite())
            return;
        var pageSize = db.Database.SqlQueryRaw<long>("SELECT page_size AS Value FROM pragma_page_size").AsEnumerable().First();
        var pages = maxBytes == 0 ? uint.MaxValue - 1L : Math.Max(1, maxBytes / pageSize);
        var pragma = "PRAGMA max_page_count = " + pages.ToString(System.Globalization.CultureInfo.InvariantCulture); // a pragma takes no parameters
        db.Database.ExecuteSqlRaw(pragma);
    }
}
