using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Storage;

public static class StorageExtensions
{
    public const string ConnectionStringName = "MessageQueue";

    /// <summary>The store: SQLite by default, a file under data/ relative to the content root.</summary>
    public static IHostApplicationBuilder AddStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        // Resolved when first used, so configuration added by a test host or a later source still applies.
        builder.Services.AddPooledDbContextFactory<MessageQueueDbContext>((services, options) => options.UseSqlite(
            SqliteConnectionString(
                services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName) ?? "Data Source=data/messagequeue.db",
                services.GetRequiredService<IHostEnvironment>().ContentRootPath)).AddInterceptors(SqliteBusyTimeout.Instance));

        // Registered first so the store is migrated and the catalog loaded before any door opens,
        // and the writer drains last at shutdown.
        builder.Services.AddHostedService<StoreInitializer>();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<StoreWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreWriter>());
        return builder;
    }

    /// <summary>Anchors a relative database path to the content root, so the file does not depend on the working directory.</summary>
    private static string SqliteConnectionString(string connectionString, string contentRoot)
    {
        var parsed = new SqliteConnectionStringBuilder(connectionString);
        if (parsed.DataSource is { Length: > 0 } path && path != ":memory:" && !Path.IsPathRooted(path))
            parsed.DataSource = Path.Combine(contentRoot, path);
        return parsed.ToString();
    }
}
