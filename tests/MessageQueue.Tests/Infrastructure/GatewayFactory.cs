using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// The gateway in this process on real sockets: Kestrel and ZeroMQ on free loopback ports, its own SQLite file,
/// reading the repository's real appsettings.json underneath the test's overrides.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly TempDirectory? _ownedData;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IWebHostBuilder>? _configure;

    public GatewayFactory()
        : this(null)
    {
    }

    /// <param name="dataDirectory">Share one to restart a gateway on the same store; by default each factory gets its own.</param>
    /// <param name="settings">Extra configuration, e.g. smaller limits.</param>
    /// <param name="configure">Anything else a test needs of the host, e.g. socket options.</param>
    /// <param name="store">SQLite (a file in the data directory) or PostgreSQL (the shared cluster's database of the data directory).</param>
    internal GatewayFactory(string? dataDirectory, IDictionary<string, string?>? settings = null, Action<IWebHostBuilder>? configure = null,
        StoreProvider store = StoreProvider.Sqlite)
    {
        _configure = configure;
        if (dataDirectory is null)
        {
            _ownedData = new TempDirectory();
            dataDirectory = _ownedData.Path;
        }
        DataDirectory = dataDirectory;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:MessageQueue"] = $"Data Source={Path.Combine(dataDirectory, "messagequeue.db")}",
            ["Email:PickupDirectory"] = Path.Combine(dataDirectory, "mail"),
            ["Email:KeysDirectory"] = Path.Combine(dataDirectory, "keys"),
            // Mail without waiting for browsers to say what they showed: only the seen-live tests wait.
            ["Email:SeenGraceSeconds"] = "0",
            ["Zmq:ReplyEndpoint"] = "tcp://127.0.0.1:0",
            ["Zmq:PublishEndpoint"] = "tcp://127.0.0.1:0",
        };
        if (store == StoreProvider.PostgreSql)
        {
            foreach (var (key, value) in PostgreSqlServer.Shared.GatewaySettings(dataDirectory))
                _settings[key] = value;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            _settings[key] = value;

        // A real listener (streams, browsers and other processes need one); started now, because building the
        // host lazily is not thread safe and tests reach it from many threads.
        UseKestrel(0);
        StartServer();
    }

    public string DataDirectory { get; }

    /// <summary>The bound ZeroMQ endpoints.</summary>
    public ZmqEndpoints Zmq => Services.GetRequiredService<ZmqEndpoints>();

    /// <summary>The HTTP listener, e.g. http://127.0.0.1:40123/.</summary>
    public Uri HttpAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepositoryPaths.Root);
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        _configure?.Invoke(builder);
    }

    protected override void Dispose(bool disposing)
    {
        // xunit disposes class fixtures synchronously on its limited-concurrency context; stopping the host from
        // there was seen to wait on itself. Stop on the thread pool, and fail loudly rather than hang.
        var stop = Task.Run(() => base.Dispose(disposing));
        if (!stop.Wait(TimeSpan.FromSeconds(60)))
            throw new TimeoutException("The gateway did not stop within 60 s.");
        if (disposing)
            _ownedData?.Dispose();
    }
}

/// <summary>The same gateway on PostgreSQL: a database of its own on the shared cluster.</summary>
public sealed class PostgreSqlGateway() : GatewayFactory(null, store: StoreProvider.PostgreSql);
