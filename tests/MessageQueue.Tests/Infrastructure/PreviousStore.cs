using MessageQueue.Gateway.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>A store as an earlier version left it, for the migration tests.</summary>
internal static class PreviousStore
{
    /// <summary>
    /// Creates the gateway's store in <paramref name="dataDirectory"/> up to <paramref name="lastMigration"/> and runs
    /// <paramref name="sql"/> on it: raw SQL, as today's model has columns that store has not. <c>{0}</c> in it is now,
    /// in the store's binary form for a DateTimeOffset.
    /// </summary>
    public static async Task CreateAsync(string dataDirectory, string lastMigration, string sql)
    {
        var now = new DateTimeOffsetToBinaryConverter().ConvertToProvider(DateTimeOffset.UtcNow)!;
        var options = new DbContextOptionsBuilder<SqliteStoreContext>()
            .UseSqlite($"Data Source={Path.Combine(dataDirectory, "messagequeue.db")}").Options;
        await using (var db = new SqliteStoreContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync(lastMigration);
            await db.Database.ExecuteSqlRawAsync(sql, now);
        }
        SqliteConnection.ClearAllPools(); // the gateway opens the file next
    }
}
