using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL cluster in a temp folder, on a free loopback port, its socket inside that folder. fsync stays
/// on: durability is what the tests check. PostgreSQL refuses to run as root, so a root test process runs its
/// programs as the <c>postgres</c> user and hands it the folder.
/// </summary>
public sealed partial class PostgreSqlServer : IAsyncDisposable, IDisposable
{
    private static readonly Lazy<PostgreSqlServer> SharedCluster = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly string Binaries = FindBinaries();

    private readonly TempDirectory _folder;
    private readonly Process _watcher;
    private bool _isShared;
    private bool _stoppingAtExit;

    private PostgreSqlServer(TempDirectory folder, int port)
    {
        _folder = folder;
        Port = port;
        _watcher = ServerProcess.WatchForOrphan(
            $"{string.Join(' ', AsPostgres(PgCtlCommand("stop", "-m", "immediate")).Select(ServerProcess.ShellQuote))} >/dev/null 2>&1; rm -rf {ServerProcess.ShellQuote(folder.Path)}");
    }

    /// <summary>One cluster for the whole test run, started on first use and stopped when the test process ends. Never stop it.</summary>
    public static PostgreSqlServer Shared => SharedCluster.Value;

    public int Port { get; }

    /// <summary>The server's log: why it did not start, what it did on a crash.</summary>
    public string LogPath => Path.Combine(_folder.Path, "postgresql.log");

    private string DataPath => Path.Combine(_folder.Path, "data");

    private string SocketPath => Path.Combine(_folder.Path, "socket");

    /// <summary>A cluster of the test's own, for tests that stop or kill the server.</summary>
    public static async Task<PostgreSqlServer> StartAsync()
    {
        var folder = new TempDirectory();
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.Path, "socket"));
            if (ServerProcess.IsRoot)
                await ServerProcess.RunAsync("chown", ["-R", "postgres:postgres", folder.Path], folder.Path);
            // -N: initdb's own flush of the fresh files proves nothing to a test (cheap here, not on every disk); the
            // server itself keeps fsync on.
            await RunAsPostgresAsync(folder.Path, Path.Combine(Binaries, "initdb"),
                ["-D", Path.Combine(folder.Path, "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "-N", "--no-instructions"]);
        }
        catch
        {
            folder.Dispose();
            throw;
        }

        // The free port is only probed: another process may take it before the postmaster binds. Then try another.
        for (var attempt = 1; ; attempt++)
        {
            var server = new PostgreSqlServer(folder, ServerProcess.FreePort());
            try
            {
                server.WriteSettings();
                await server.StartAgainAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.PortWasTaken())
            {
                server.StopWatching();
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }
    }

    /// <summary>An Npgsql connection string for <paramref name="database"/> on this cluster.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        Timeout = 5,
        CommandTimeout = 30,
        // Many test hosts share one cluster (max_connections is 500): a pool each, but a small one. A pool outlives
        // the host that used it (Npgsql's pools are per connection string, process-wide): its idle connections are
        // closed after 10 s rather than 5 min, so the databases of finished tests do not hold the server's slots.
        MaxPoolSize = 20,
        ConnectionIdleLifetime = 10,
        IncludeErrorDetail = true,
    }.ConnectionString;

    /// <summary>Creates an empty database (a fresh unique name when none is given) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "mq_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(AdminConnectionString());
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(CreateDatabaseSql(name), connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>
    /// The connection string of a database named after <paramref name="key"/> (e.g. a gateway's data directory),
    /// created on first use: a gateway restarted on the same data directory reaches the same database.
    /// </summary>
    public string DatabaseFor(string key)
    {
        var name = DatabaseName(key);
        using var connection = new NpgsqlConnection(AdminConnectionString());
        connection.Open();
        using var create = new NpgsqlCommand(CreateDatabaseSql(name), connection);
        try
        {
            create.ExecuteNonQuery();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Made before, or at this moment by a parallel caller with the same key.
        }
        return ConnectionString(name);
    }

    /// <summary>Gateway settings for a store in the database of <paramref name="dataDirectory"/> (see <see cref="DatabaseFor"/>).</summary>
    public Dictionary<string, string?> GatewaySettings(string dataDirectory) => new()
    {
        ["Store:Provider"] = "PostgreSql",
        ["ConnectionStrings:MessageQueue"] = DatabaseFor(dataDirectory),
    };

    /// <summary>The same for a gateway process (environment variables).</summary>
    public Dictionary<string, string> ProcessEnvironment(string dataDirectory) => new()
    {
        ["Store__Provider"] = "PostgreSql",
        ["ConnectionStrings__MessageQueue"] = DatabaseFor(dataDirectory),
    };

    /// <summary>The database name <see cref="DatabaseFor"/> uses for <paramref name="key"/>.</summary>
    public static string DatabaseName(string key) =>
        "mq_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];

    /// <summary>A fast shutdown (<c>pg_ctl stop -m fast</c>): sessions are ended, committed work is kept.</summary>
    public async Task StopAsync()
    {
        EnsureNotShared();
        await RunAsPostgresAsync(_folder.Path, PgCtlCommand("stop", "-m", "fast"));
    }

    /// <summary>Starts the cluster (again) on the same port and data, and returns once it accepts a connection.</summary>
    public async Task StartAgainAsync()
    {
        await RunAsPostgresAsync(_folder.Path, PgCtlCommand("start", "-l", LogPath));
        // pg_ctl -w waited for the postmaster; a real connection is what the tests need.
        await Poll.UntilAsync(AcceptsConnectionAsync, () => $"PostgreSQL on port {Port} never accepted a connection:\n{ReadLog()}", TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// SIGKILL to the postmaster and every server process: a crash, nothing shut down cleanly. Returns once they are
    /// all gone, so that <see cref="StartAgainAsync"/> (crash recovery) finds no process still holding shared memory.
    /// </summary>
    public async Task KillAsync()
    {
        EnsureNotShared();
        var postmaster = PostmasterId() ?? throw new InvalidOperationException("The cluster is not running.");
        // Stopped first, the postmaster forks no new server process while its children are collected.
        Signal(postmaster, "STOP");
        var victims = ChildrenOf(postmaster).Prepend(postmaster).ToList();
        foreach (var id in victims)
            Signal(id, "KILL");
        await Poll.UntilAsync(() => !victims.Any(IsAlive), () => "PostgreSQL's processes outlived SIGKILL.", TimeSpan.FromSeconds(10));
        // The dead postmaster is an orphan, a zombie until process 1 reaps it (in a container that may take a while):
        // its lock files name a process that kill(pid, 0) still finds, and the next start refuses ("lock file already
        // exists"). They are stale: remove them, as an operator would after a crash.
        File.Delete(Path.Combine(DataPath, "postmaster.pid"));
        foreach (var socketLock in Directory.GetFiles(SocketPath, ".s.PGSQL.*.lock"))
            File.Delete(socketLock);
    }

    public void Dispose()
    {
        if (_isShared && !_stoppingAtExit)
            return; // the shared cluster ends with the test process, not with a test
        try
        {
            if (PostmasterId() is not null)
                RunAsPostgresAsync(_folder.Path, PgCtlCommand("stop", "-m", "immediate")).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already down (killed): nothing to stop.
        }
        StopWatching();
        _folder.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static PostgreSqlServer StartShared()
    {
        // Off the caller's context: xunit's would wait on itself.
        var server = Task.Run(StartAsync).GetAwaiter().GetResult();
        server._isShared = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            server._stoppingAtExit = true;
            server.Dispose();
        };
        return server;
    }

    private void WriteSettings() =>
        // Appended to the file initdb wrote (owned by postgres; appending keeps its owner). The last setting wins.
        File.AppendAllText(Path.Combine(DataPath, "postgresql.conf"), $"""

            # Set by the tests' PostgreSqlServer.
            port = {Port}
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{SocketPath}'
            max_connections = 500
            shared_buffers = 32MB
            fsync = on
            synchronous_commit = on
            """);

    private string[] PgCtlCommand(params string[] arguments) =>
        [Path.Combine(Binaries, "pg_ctl"), .. arguments, "-D", DataPath, "-w", "-t", "60"];

    private async Task<bool> AcceptsConnectionAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString());
            await connection.OpenAsync();
            await using var probe = new NpgsqlCommand("SELECT 1", connection);
            return await probe.ExecuteScalarAsync() is 1;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>For the tests' own administration: unpooled, so no connection outlives a stop of the server.</summary>
    private string AdminConnectionString() => new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false }.ConnectionString;

    private static string CreateDatabaseSql(string name) =>
        // CREATE DATABASE cannot take a parameter (nor run in a transaction): the name is checked instead.
        SafeName().IsMatch(name) ? $"CREATE DATABASE \"{name}\"" : throw new ArgumentException($"Not a plain database name: {name}", nameof(name));

    private int? PostmasterId()
    {
        var pidFile = Path.Combine(DataPath, "postmaster.pid");
        if (!File.Exists(pidFile))
            return null;
        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        return int.TryParse(firstLine, CultureInfo.InvariantCulture, out var id) && IsAlive(id) ? id : null;
    }

    private bool PortWasTaken() => ReadLog().Contains("could not bind", StringComparison.Ordinal);

    private string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    private void EnsureNotShared()
    {
        if (_isShared)
            throw new InvalidOperationException("The shared cluster serves every test: stop or kill a cluster of the test's own (StartAsync).");
    }

    private void StopWatching() => ServerProcess.StopWatching(_watcher);

    private static Task<string> RunAsPostgresAsync(string workingDirectory, string[] command)
    {
        var asPostgres = AsPostgres(command);
        return ServerProcess.RunAsync(asPostgres[0], asPostgres[1..], workingDirectory);
    }

    /// <summary>The command as the postgres user when this process is root (PostgreSQL's programs refuse root), else as it is.</summary>
    private static string[] AsPostgres(string[] command) =>
        ServerProcess.IsRoot ? ["runuser", "-u", "postgres", "--", .. command] : command;

    private static Task<string> RunAsPostgresAsync(string workingDirectory, string program, string[] arguments) =>
        RunAsPostgresAsync(workingDirectory, [program, .. arguments]);

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var id))
                continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // ended meanwhile
            }
            // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                yield return id;
        }
    }

    /// <summary>Alive and not a zombie: a killed process whose parent is gone may stay a zombie, holding nothing.</summary>
    private static bool IsAlive(int id)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{id}/stat");
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void Signal(int id, string signal) =>
        Process.Start("kill", [$"-{signal}", id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();

    private static string FindBinaries()
    {
        // Debian installs each major version side by side; take the newest.
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault()
            : null;
        return installed ?? throw new InvalidOperationException("PostgreSQL is not installed (tests/run.sh installs Debian's postgresql).");
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SafeName();
}
