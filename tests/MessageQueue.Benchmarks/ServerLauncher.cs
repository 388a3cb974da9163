using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Benchmarks;

/// <summary>The servers the benchmark compares.</summary>
internal enum ServerKind
{
    /// <summary>The real gateway: ROUTER door, durable group-committed updates, fan-out to PUB.</summary>
    Gateway,

    /// <summary>This executable's minimal NetMQ ROUTER + PUB loop: the NetMQ ceiling on this machine.</summary>
    Minimal,

    /// <summary>A pyzmq REP + PUB loop shaped like the original Python server (optional reference).</summary>
    PyZmq,
}

/// <summary>The listeners a server opens, each announced by a line of its output.</summary>
[Flags]
internal enum ServerDoors
{
    /// <summary>"... answering on tcp://..., publishing on tcp://...".</summary>
    Zmq = 1,

    /// <summary>"... listening on: http://..." (Kestrel's own line, or the minimal HTTP server's).</summary>
    Http = 2,
}

/// <summary>How each kind of server is started: fresh data, free loopback ports, the same runtime switches.</summary>
internal static class ServerLauncher
{
    public const string Python = "/usr/bin/python3";

    public static string Label(ServerKind kind) => kind switch
    {
        ServerKind.Gateway => "gateway",
        ServerKind.Minimal => "minimal",
        _ => "pyzmq",
    };

    public static ServerProcess Start(ServerKind kind, BenchmarkOptions options) => kind switch
    {
        ServerKind.Gateway => StartGateway(options),
        ServerKind.Minimal => ServerProcess.Start(Label(kind), DotnetStart(options.InlineCompletions, BenchmarkPaths.BenchmarkDll, MinimalServer.Command), ServerDoors.Zmq),
        _ => ServerProcess.Start(Label(kind), new ProcessStartInfo(Python, [BenchmarkPaths.PyZmqScript, InitialContentsJson()]), ServerDoors.Zmq),
    };

    /// <summary>A server for the REST scenarios: the gateway, or the minimal server in its HTTP mode.</summary>
    public static ServerProcess StartHttp(ServerKind kind, BenchmarkOptions options)
    {
        if (kind == ServerKind.Gateway)
            return StartGateway(options);
        if (kind != ServerKind.Minimal)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only the gateway and the minimal server speak HTTP.");
        var start = DotnetStart(options.InlineCompletions, BenchmarkPaths.BenchmarkDll, MinimalServer.Command, MinimalHttpServer.Mode);
        // The gateway is a Web SDK app and so runs the server GC; the minimal HTTP server runs it too.
        start.Environment["DOTNET_gcServer"] = "1";
        return ServerProcess.Start(Label(kind), start, ServerDoors.Http);
    }

    /// <summary>
    /// A server for the hub group with the server GC on or off: the gateway, or the minimal server in its SignalR
    /// mode (which also answers legacy updates and publishes them, so both are driven and read the same way).
    /// </summary>
    public static ServerProcess StartHub(ServerKind kind, BenchmarkOptions options, bool serverGc)
    {
        var gc = serverGc ? "1" : "0";
        if (kind == ServerKind.Gateway)
            return StartGateway(options, ("DOTNET_gcServer", gc));
        if (kind != ServerKind.Minimal)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only the gateway and the minimal server host a hub.");
        var start = DotnetStart(options.InlineCompletions, BenchmarkPaths.BenchmarkDll, MinimalServer.Command, MinimalHubServer.Mode);
        start.Environment["DOTNET_gcServer"] = gc;
        return ServerProcess.Start(Label(kind), start, ServerDoors.Zmq | ServerDoors.Http);
    }

    /// <summary>
    /// The gateway with its open-files limit (soft and hard) lowered to <paramref name="openFiles"/>, so that running
    /// out of descriptors takes seconds, not minutes; <paramref name="overrides"/> are set last.
    /// </summary>
    public static ServerProcess StartLimitedGateway(BenchmarkOptions options, int openFiles, params (string Key, string Value)[] overrides) =>
        StartGateway(options, Label(ServerKind.Gateway), openFiles, overrides);

    /// <summary>The gateway's measurement-only setting that binds NetMQ without the ZMTP guard in front.</summary>
    public const string UnguardedSetting = "Zmq:DisableGuardForMeasurement";

    /// <summary>The gateway without its ZMTP guard, to measure what the guard costs (never for anything else).</summary>
    public static ServerProcess StartUnguardedGateway(BenchmarkOptions options) =>
        StartGateway(options, "unguarded", null, [(UnguardedSetting.Replace(":", "__", StringComparison.Ordinal), "true")]);

    /// <summary>
    /// The gateway on its SQLite file (no cluster), or on a new database of <paramref name="cluster"/>, named after
    /// its store; the cluster's processes are then measured with it.
    /// </summary>
    public static ServerProcess StartStoreGateway(BenchmarkOptions options, PostgreSqlCluster? cluster)
    {
        if (cluster is null)
            return StartGateway(options, "sqlite", null, []);
        var gateway = StartGateway(options, "postgres", null,
            [("Store__Provider", "PostgreSql"), ("ConnectionStrings__MessageQueue", cluster.CreateDatabase("mq_bench"))]);
        gateway.Database = cluster;
        return gateway;
    }

    /// <summary>
    /// One instance of a cluster: the gateway on a shared PostgreSQL database, relaying its changes to the other
    /// instances through a Redis channel of the cluster's own.
    /// </summary>
    public static ServerProcess StartClusterGateway(BenchmarkOptions options, string name, string connectionString, RedisServer redis, string channel) =>
        StartGateway(options, name, null,
        [
            ("Store__Provider", "PostgreSql"), ("ConnectionStrings__MessageQueue", connectionString),
            ("Bus__Redis", redis.ConfigurationString), ("Bus__Channel", channel), ("Instance__Name", name),
        ]);

    /// <summary>
    /// The gateway with one <c>pull</c> ingest source bound on <paramref name="endpoint"/>, each message's topic naming
    /// its subject (created if new), without the per-source rate limit (the ingest group measures what the store takes).
    /// </summary>
    public static ServerProcess StartIngestGateway(BenchmarkOptions options, string source, string endpoint) =>
        StartGateway(options, Label(ServerKind.Gateway), null,
        [
            ("Ingest__Sources__0__Name", source), ("Ingest__Sources__0__Kind", "pull"), ("Ingest__Sources__0__Endpoint", endpoint),
            ("Ingest__Sources__0__CreateSubjects", "true"), ("Ingest__Sources__0__MaxMessagesPerSecond", "0"),
        ]);

    private static ServerProcess StartGateway(BenchmarkOptions options, params (string Key, string Value)[] overrides) =>
        StartGateway(options, Label(ServerKind.Gateway), null, overrides);

    private static ServerProcess StartGateway(BenchmarkOptions options, string name, int? openFiles, (string Key, string Value)[] overrides)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("mq-bench-").FullName;
        var start = DotnetStart(options.InlineCompletions, options.GatewayDll);
        if (openFiles is { } limit)
        {
            // The shell sets the limit, then becomes the gateway (exec), so the process id stays the gateway's.
            string[] command = ["dotnet", .. start.ArgumentList];
            start.FileName = "/bin/sh";
            start.ArgumentList.Clear();
            foreach (var argument in (string[])["-c", $"ulimit -n {limit.ToString(CultureInfo.InvariantCulture)} && exec \"$0\" \"$@\"", .. command])
                start.ArgumentList.Add(argument);
        }
        start.WorkingDirectory = BenchmarkPaths.Root;
        start.Environment["ConnectionStrings__MessageQueue"] = $"Data Source={Path.Combine(dataDirectory, "mq.db")}";
        start.Environment["Email__PickupDirectory"] = Path.Combine(dataDirectory, "mail");
        start.Environment["Email__KeysDirectory"] = Path.Combine(dataDirectory, "keys");
        start.Environment["Zmq__ReplyEndpoint"] = "tcp://127.0.0.1:0";
        start.Environment["Zmq__PublishEndpoint"] = "tcp://127.0.0.1:0";
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        // Every load client comes from 127.0.0.1, one client to the rate limiter: measure the doors, not the limit
        // (--gateway-env RateLimiting__Enabled=true with a huge burst measures the limiter's own cost).
        start.Environment["RateLimiting__Enabled"] = "false";
        foreach (var (key, value) in options.GatewayEnvironment)
            start.Environment[key] = value;
        // Last: what the scenario itself varies (the hub group's GC mode) is not overridden by --gateway-env.
        foreach (var (key, value) in overrides)
            start.Environment[key] = value;
        // Kestrel logs the port it bound ("Now listening on: http://127.0.0.1:...") at start-up.
        return ServerProcess.Start(name, start, ServerDoors.Zmq | ServerDoors.Http, dataDirectory);
    }

    private static ProcessStartInfo DotnetStart(bool inlineCompletions, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments);
        // Set or cleared explicitly, so both .NET servers always run with the same setting.
        if (inlineCompletions)
            start.Environment[InlineCompletions.Variable] = "1";
        else
            start.Environment.Remove(InlineCompletions.Variable);
        return start;
    }

    private static string InitialContentsJson() =>
        JsonSerializer.Serialize(DefaultSubjects.All.ToDictionary(s => s.Name, s => s.Description));
}
