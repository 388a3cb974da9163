using System.Net.Sockets;
using MessageQueue.Gateway.Hosting;
using MessageQueue.Gateway.Subjects;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace MessageQueue.Gateway.Storage;

/// <summary>Creates or migrates the store and loads the catalog before any door opens.</summary>
internal sealed partial class StoreInitializer(
    IDbContextFactory<MessageQueueDbContext> contextFactory,
    SubjectCatalog catalog,
    ContentWindow window,
    ILogger<StoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            var path = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            try
            {
                EnsureDirectory(path);
                await db.Database.MigrateAsync(cancellationToken);
                // Write-ahead logging lets readers work during a commit; it persists in the file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException { SqliteErrorCode: CantOpen or ReadOnly or PermissionDenied or IoError })
            {
                throw new StartupFailureException("ConnectionStrings:MessageQueue", path,
                    $"the database file cannot be created or written there ({e.Message.TrimEnd('.')})",
                    "Make its folder writable for this user, or point ConnectionStrings__MessageQueue at a writable place, e.g. \"Data Source=data/messagequeue.db\".");
            }
        }
        else
        {
            try
            {
                await MigrateOneAtATimeAsync(db, cancellationToken);
            }
            catch (NpgsqlException e)
            {
                var connectionString = StorageExtensions.Redacted(new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()));
                throw StorageExtensions.PostgreSqlStartupFailure(connectionString, e switch
                {
                    PostgresException refused => $"the server refused ({refused.SqlState}: {refused.MessageText.TrimEnd('.')})",
                    { InnerException: SocketException socket } => $"the server cannot be reached ({socket.Message.TrimEnd('.')})",
                    { InnerException: TimeoutException } => "the server did not answer in time",
                    _ => $"the store cannot be opened ({e.Message.TrimEnd('.')})",
                });
            }
        }

        catalog.Load(await LoadSnapshotsAsync(db, cancellationToken));
        Log.StoreReady(logger, catalog.Names.Length, db.Database.ProviderName ?? "?");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Several instances may start at once. EF Core's own migration lock on PostgreSQL is released at each migration's
    /// commit, after an instance has chosen what to apply: with two migrations pending, two instances each applied the
    /// second (42P07, "Instances" already exists; three gateways started on a new database failed so every time).
    /// A session advisory lock around the whole of it lets one migrate while the others wait, then find nothing to do.
    /// </summary>
    private static async Task MigrateOneAtATimeAsync(MessageQueueDbContext db, CancellationToken cancellationToken)
    {
        // One session for the lock and the migration. Opened on Npgsql's connection, not EF Core's (whose retry
        // strategy would turn an unreachable server into another exception than the NpgsqlException told below).
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync(LockMigrations, cancellationToken);
            try
            {
                await CreateMigrationHistoryAsync(db, cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync(UnlockMigrations, CancellationToken.None);
            }
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    // The gateway's advisory lock key for migrating: "MQMigrat" in ASCII; no other lock of the gateway's uses it.
    private const string LockMigrations = "SELECT pg_advisory_lock(5571319329136468340)";
    private const string UnlockMigrations = "SELECT pg_advisory_unlock(5571319329136468340)";

    /// <summary>
    /// Npgsql's migrator reads its history table before creating it and logs the failure as an error on every new
    /// database (npgsql/efcore.pg#3407): create it first, so a first start logs nothing alarming. Two instances doing
    /// so at once race in PostgreSQL's catalog; the loser finds it made. It hears of that as a unique violation when it
    /// waited on the winner's insert, or as "type already exists" (42710) when the winner committed between its
    /// existence check and its insert: three instances starting together on a new database failed that way.
    /// </summary>
    private static async Task CreateMigrationHistoryAsync(MessageQueueDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateObject)
        {
        }
    }

    private async Task<List<SubjectSnapshot>> LoadSnapshotsAsync(MessageQueueDbContext db, CancellationToken cancellationToken)
    {
        var subjects = await db.Subjects.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);

        // Each subject's content from its newest updates back to the window's reach, not from its whole history.
        var snapshots = new List<SubjectSnapshot>(subjects.Count);
        foreach (var s in subjects)
        {
            var content = await StoredContent.ReadAsync(db, window, s.Id, s.InitialContent, s.LastSequence, cancellationToken);
            snapshots.Add(new SubjectSnapshot(s.Name, content, s.LastSequence, s.LastUpdatedAt, s.EmailCount, s.Id));
        }
        return snapshots;
    }

    // SQLite's result codes for a file it cannot open or write.
    private const int PermissionDenied = 3, IoError = 10, ReadOnly = 8, CantOpen = 14;

    private static void EnsureDirectory(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
    }

    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Information, "Store ready with {SubjectCount} subjects on {Provider}")]
        public static partial void StoreReady(ILogger logger, int subjectCount, string provider);
    }
}
