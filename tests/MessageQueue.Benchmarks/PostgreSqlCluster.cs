using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>Write transactions and WAL bytes of a PostgreSQL server so far; subtract two readings for a window's.</summary>
internal readonly record struct StoreCounters(long Transactions, long WalBytes)
{
    public static StoreCounters operator -(StoreCounters after, StoreCounters before) =>
        new(after.Transactions - before.Transactions, after.WalBytes - before.WalBytes);
}

/// <summary>
/// A PostgreSQL cluster of the benchmark's own (the newest Debian installs, 15 here): a temp folder, a free loopback
/// port, its socket in that folder, fsync on and the default synchronous_commit, so a commit costs what it costs an
/// operator. Stopped and deleted when disposed, or when the benchmark exits. PostgreSQL refuses to run as root, so a
/// root benchmark runs its programs as the <c>postgres</c> user and hands it the folder.
/// </summary>
internal sealed class PostgreSqlCluster : IDisposable
{
    private const string EndedRole = "ended server processes";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly bool IsRoot = Environment.UserName == "root";

    // Every cluster still running, so an interrupted benchmark does not leave a postmaster behind.
    private static readonly ConcurrentDictionary<PostgreSqlCluster, byte> Running = new();

    private readonly string _binaries;
    private readonly string _folder;
    private readonly bool _statements;

    static PostgreSqlCluster()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        Console.CancelKeyPress += (_, _) => StopAll();
    }

    private PostgreSqlCluster(string binaries, string folder, bool statements)
    {
        _binaries = binaries;
        _folder = folder;
        _statements = statements;
    }

    public int Port { get; private set; }

    /// <summary>The server's major version, from the folder its programs are in (e.g. "15").</summary>
    public string Version => Path.GetFileName(Path.GetDirectoryName(_binaries)!);

    private string DataPath => Path.Combine(_folder, "data");

    private string SocketPath => Path.Combine(_folder, "socket");

    private string LogPath => Path.Combine(_folder, "postgresql.log");

    /// <summary>
    /// initdb, then pg_ctl start on a free port; returns once the server accepts connections. With
    /// <paramref name="statements"/>, pg_stat_statements counts every statement (BEGIN and COMMIT too) for
    /// <see cref="ReadStatements"/>, at a small cost to each.
    /// </summary>
    public static PostgreSqlCluster Start(bool statements = false)
    {
        var cluster = new PostgreSqlCluster(FindBinaries(), Directory.CreateTempSubdirectory("mq-bench-pg-").FullName, statements);
        Running[cluster] = 0;
        try
        {
            Directory.CreateDirectory(cluster.SocketPath);
            if (IsRoot)
                Run(["chown", "-R", "postgres:postgres", cluster._folder]);
            // -N: initdb's own flush of the fresh files is start-up time, not what is measured; the server keeps fsync on.
            cluster.RunAsPostgres(Path.Combine(cluster._binaries, "initdb"), "-D", cluster.DataPath, "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--locale=C", "-N", "--no-instructions");
            // The free port is only probed: another process may take it before the postmaster binds. Then try another.
            for (var attempt = 1; ; attempt++)
            {
                cluster.Port = FreePort();
                cluster.WriteSettings();
                try
                {
                    cluster.RunAsPostgres(cluster.PgCtl("start", "-l", cluster.LogPath));
                    if (statements)
                        cluster.Psql("create extension pg_stat_statements");
                    return cluster;
                }
                catch (InvalidOperationException) when (attempt < 3 && cluster.ReadLog().Contains("could not bind", StringComparison.Ordinal))
                {
                }
            }
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Creates an empty database and returns its Npgsql connection string (the gateway creates its tables).</summary>
    public string CreateDatabase(string name)
    {
        RunAsPostgres(Path.Combine(_binaries, "createdb"), "-h", SocketPath, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name);
        return $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={name}";
    }

    /// <summary>
    /// The server's write counters now: the next transaction id (every transaction that wrote took one; read from the
    /// snapshot, so the reading takes none) and the WAL position. Unlike pg_stat_database's counters, which a backend
    /// reports at most once a second, both are exact at the moment they are read.
    /// </summary>
    public StoreCounters ReadCounters()
    {
        var row = Psql("select pg_snapshot_xmax(pg_current_snapshot())::text::bigint, (pg_current_wal_lsn() - '0/0')::bigint").Trim().Split(FieldSeparator);
        return new StoreCounters(long.Parse(row[0], CultureInfo.InvariantCulture), long.Parse(row[1], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// How many times each statement has run so far in <paramref name="database"/> (pg_stat_statements: constants
    /// replaced by $1, counted as each ends); empty unless the cluster was started with statements counted.
    /// </summary>
    public Dictionary<string, long> ReadStatements(string database)
    {
        if (!_statements)
            return [];
        var rows = Psql($"""
            select regexp_replace(s.query, '\s+', ' ', 'g'), sum(s.calls) from pg_stat_statements s
            join pg_database d on d.oid = s.dbid where d.datname = '{database}' group by 1
            """);
        return rows.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.Split(FieldSeparator))
            .Where(f => f.Length == 2)
            .ToDictionary(f => f[0].Trim(), f => long.Parse(f[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    private const char FieldSeparator = '\u001f';
    private const char RecordSeparator = '\u001e';

    /// <summary>One query in the postgres database over TCP (trust, so no password and no runuser); its rows unaligned.</summary>
    private string Psql(string sql) =>
        Run([Path.Combine(_binaries, "psql"), "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres",
            "-AtX", "-v", "ON_ERROR_STOP=1", "-F", FieldSeparator.ToString(), "-R", RecordSeparator.ToString(), "-c", sql]);

    /// <summary>The postmaster's process id: every server process of the cluster is its child.</summary>
    public int PostmasterId =>
        int.Parse(File.ReadLines(Path.Combine(DataPath, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    /// <summary>A reading of the CPU used so far by the postmaster and every server process (each a child of it).</summary>
    public Dictionary<int, (string Name, long Ticks)> ReadCpu() => ProcCpu.Tree(PostmasterId);

    /// <summary>The CPU the cluster used since <paramref name="before"/>, by role: client backends, WAL writer, checkpointer, ...</summary>
    public Dictionary<string, TimeSpan> CpuSince(Dictionary<int, (string Name, long Ticks)> before) =>
        ProcCpu.TreeSince(before, ReadCpu(), Role, EndedRole);

    /// <summary>
    /// A server process's role from the title PostgreSQL gives it ("postgres: walwriter", "postgres: postgres mq
    /// 127.0.0.1(51234) idle" for a client's backend); the postmaster keeps its own command line.
    /// </summary>
    private static string Role(string commandLine)
    {
        const string Title = "postgres: ";
        if (commandLine.Length == 0)
            return EndedRole; // a zombie, not reaped yet
        if (!commandLine.StartsWith(Title, StringComparison.Ordinal))
            return "postmaster";
        var role = commandLine[Title.Length..];
        return role.Contains("127.0.0.1(", StringComparison.Ordinal) || role.Contains("[local]", StringComparison.Ordinal) ? "client backends" : role;
    }

    public void Dispose()
    {
        Running.TryRemove(this, out _);
        try
        {
            if (File.Exists(Path.Combine(DataPath, "postmaster.pid")))
                RunAsPostgres(PgCtl("stop", "-m", "immediate")); // the data is thrown away: no checkpoint
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"PostgreSQL did not stop: {ex.Message}");
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleanup; not worth failing a benchmark over.
        }
    }

    private static void StopAll()
    {
        foreach (var cluster in Running.Keys)
            cluster.Dispose();
    }

    private void WriteSettings() =>
        // Appended to the file initdb wrote (appending keeps its owner, postgres); the last setting of a name wins.
        File.AppendAllText(Path.Combine(DataPath, "postgresql.conf"), $"""

            # Set by the benchmark: its own port and socket; durability as PostgreSQL ships it.
            port = {Port.ToString(CultureInfo.InvariantCulture)}
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{SocketPath}'
            fsync = on
            synchronous_commit = on
            {(_statements ? "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_utility = on" : "")}
            """);

    private string[] PgCtl(params string[] arguments) =>
        // -w: pg_ctl start returns once the server accepts connections.
        [Path.Combine(_binaries, "pg_ctl"), .. arguments, "-D", DataPath, "-w", "-t", "60"];

    private void RunAsPostgres(string program, params string[] arguments) => RunAsPostgres([program, .. arguments]);

    private void RunAsPostgres(string[] command)
    {
        try
        {
            Run(IsRoot ? ["runuser", "-u", "postgres", "--", .. command] : command);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"{ex.Message}\nPostgreSQL's log:\n{ReadLog()}", ex);
        }
    }

    private string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    private static string Run(string[] command)
    {
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The postgres user may not enter the caller's folder.
            WorkingDirectory = "/",
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{string.Join(' ', command)} did not finish within {CommandTimeout.TotalSeconds} s.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', command)} failed ({process.ExitCode}): {output.Result}{errors.Result}");
        return output.Result;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

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
        return installed ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install -y postgresql): the store group needs it.");
    }
}
