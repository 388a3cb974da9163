using System.Data.Common;
using MessageQueue.Gateway.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MessageQueue.Gateway.Storage;

public static class StorageExtensions
{
    public const string ConnectionStringName = "MessageQueue";

    /// <summary>The store: SQLite by default (a file under data/ relative to the content root), or PostgreSQL.</summary>
    public static IHostApplicationBuilder AddStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        // Both providers are registered and the configured one is chosen when the store is first used, so
        // configuration added by a test host or a later source still applies.
        builder.Services.AddPooledDbContextFactory<SqliteStoreContext>((services, options) => options.UseSqlite(
            SqliteConnectionString(
                services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName) ?? "Data Source=data/messagequeue.db",
                services.GetRequiredService<IHostEnvironment>().ContentRootPath)).AddInterceptors(SqliteBusyTimeout.Instance));
        builder.Services.AddPooledDbContextFactory<PostgreSqlStoreContext>((services, options) => options.UseNpgsql(
            PostgreSqlConnectionString(
                services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName),
                services.GetRequiredService<IOptions<StoreOptions>>().Value)));
        builder.Services.AddSingleton<IDbContextFactory<MessageQueueDbContext>, StoreContextFactory>();

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

    /// <summary>Npgsql's connection string; refuses SQLite's default, which is no PostgreSQL connection string at all.</summary>
    private static string PostgreSqlConnectionString(string? connectionString, StoreOptions options)
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw PostgreSqlStartupFailure("(not shown)", $"it is not an Npgsql connection string ({e.Message.TrimEnd('.')})");
        }
        if (string.IsNullOrEmpty(parsed.Host))
            throw PostgreSqlStartupFailure(Redacted(parsed), "it names no PostgreSQL host");
        if (!options.FlushEachCommit)
            parsed.Options = $"{parsed.Options} -c synchronous_commit=off".Trim(); // every session of this gateway: a commit does not wait for the WAL flush
        // The same few statements run for every update: prepared on the server once per connection, each run skips
        // parsing and planning (Npgsql prepares a statement after its second use). The operator's own value wins,
        // 0 too: Npgsql's "off", and its default, so read from the string (a pooler in transaction mode needs it off).
        if (!Names(connectionString!, nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare)))
            (parsed.MaxAutoPrepare, parsed.AutoPrepareMinUsages) = (64, 2);
        return parsed.ToString();
    }

    /// <summary>True when the connection string sets that keyword, spelt with spaces or without (Npgsql takes both).</summary>
    private static bool Names(string connectionString, string keyword) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase));

    /// <summary>A PostgreSQL store that cannot be used at start: one line naming the setting (its password left out) and what to do.</summary>
    internal static StartupFailureException PostgreSqlStartupFailure(string connectionString, string problem) =>
        new("ConnectionStrings:MessageQueue", connectionString, problem,
            "With Store:Provider=PostgreSQL, set ConnectionStrings__MessageQueue to an Npgsql connection string of a server this gateway reaches, e.g. \"Host=127.0.0.1;Port=5432;Database=messagequeue;Username=messagequeue;Password=...\".");

    /// <summary>The connection string as a log or error may show it: without its password.</summary>
    internal static string Redacted(NpgsqlConnectionStringBuilder connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString.ConnectionString) { Password = null }.ConnectionString;

    /// <summary>Hands out contexts of the configured provider as the model every part of the gateway uses.</summary>
    private sealed class StoreContextFactory(IServiceProvider services, IOptions<StoreOptions> options) : IDbContextFactory<MessageQueueDbContext>
    {
        private readonly Func<MessageQueueDbContext> _create = options.Value.Provider == StoreProvider.PostgreSql
            ? services.GetRequiredService<IDbContextFactory<PostgreSqlStoreContext>>().CreateDbContext
            : services.GetRequiredService<IDbContextFactory<SqliteStoreContext>>().CreateDbContext;

        public MessageQueueDbContext CreateDbContext() => _create();
    }
}
