using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MessageQueue.Gateway.Storage;

/// <summary>The model on SQLite, the embedded default (migrations in Migrations/).</summary>
public sealed class SqliteStoreContext(DbContextOptions<SqliteStoreContext> options) : MessageQueueDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no native DateTimeOffset; a binary (ticks + offset) column stays sortable and exact.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
