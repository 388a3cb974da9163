using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>What Redis carried in a window: PUBLISH commands, bytes it read from its clients and bytes it wrote to them.</summary>
internal readonly record struct BusTraffic(long Messages, long BytesIn, long BytesOut);

/// <summary>
/// A redis-server of the benchmark's own (Debian's package): a temp folder, a free loopback port, nothing persisted,
/// killed when disposed or when the benchmark exits. Its counters (INFO stats, commandstats) are read over a
/// connection of its own whose traffic is left out of them.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    // Every server still running, so an interrupted benchmark does not leave one behind.
    private static readonly ConcurrentDictionary<RedisServer, byte> Running = new();

    private readonly Process _process;
    private readonly string _folder;
    private readonly ConcurrentQueue<string> _output = new();
    private RespClient? _stats;

    static RedisServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private RedisServer(int port, string folder)
    {
        Port = port;
        _folder = folder;
        var start = new ProcessStartInfo("redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", folder, "--daemonize", "no", "--logfile", ""])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
    }

    public int Port { get; }

    /// <summary>For StackExchange.Redis (the gateway's Bus:Redis): <c>127.0.0.1:PORT</c>.</summary>
    public string ConfigurationString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string Version { get; private set; } = "";

    /// <summary>CPU time the server has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the server and returns once it answers PING.</summary>
    public static RedisServer Start()
    {
        if (!File.Exists("/usr/bin/redis-server"))
            throw new InvalidOperationException("Redis is not installed (apt-get install -y redis-server): the cluster group needs it.");
        var server = new RedisServer(FreePort(), Directory.CreateTempSubdirectory("mq-bench-redis-").FullName);
        Running[server] = 0;
        try
        {
            server._process.Start();
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (server._stats is null)
            {
                if (server._process.HasExited || clock.Elapsed > StartTimeout)
                    throw new InvalidOperationException($"redis-server did not answer within {StartTimeout.TotalSeconds} s:\n{string.Join('\n', server._output)}");
                try
                {
                    var client = RespClient.Connect(server.Port);
                    if (client.Call("PING") as string == "PONG")
                        server._stats = client;
                    else
                        client.Dispose();
                }
                catch (SocketException)
                {
                    Thread.Sleep(20); // polled: the server says nothing when it starts listening
                }
            }
            server.Version = server.ReadInfo("server").GetValueOrDefault("redis_version", "?");
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>How many clients are subscribed to <paramref name="channel"/> (PUBSUB NUMSUB): one per instance listening.</summary>
    public long Subscribers(string channel) =>
        _stats!.Call("PUBSUB", "NUMSUB", channel) as object?[] is [_, long count] ? count : 0;

    /// <summary>The counters now, to subtract from a later reading with <see cref="TrafficSince"/>.</summary>
    public (BusTraffic Counters, long Sent, long Received) ReadTraffic()
    {
        // INFO stats counts every byte read and written up to the moment it runs: what this connection sent up to and
        // including the command, and every reply it read before this one.
        _stats!.Send("INFO", "stats");
        var (sent, received) = (_stats.Sent, _stats.Received);
        var stats = Parse(_stats.Read() as string);
        var publish = ReadInfo("commandstats").GetValueOrDefault("cmdstat_publish", "");
        var calls = publish.Split(',').FirstOrDefault(p => p.StartsWith("calls=", StringComparison.Ordinal))?["calls=".Length..];
        return (new BusTraffic(
            calls is null ? 0 : long.Parse(calls, CultureInfo.InvariantCulture),
            long.Parse(stats["total_net_input_bytes"], CultureInfo.InvariantCulture),
            long.Parse(stats["total_net_output_bytes"], CultureInfo.InvariantCulture)), sent, received);
    }

    /// <summary>What the gateways' connections carried since <paramref name="before"/>, this reader's own traffic left out.</summary>
    public BusTraffic TrafficSince((BusTraffic Counters, long Sent, long Received) before)
    {
        var after = ReadTraffic();
        return new BusTraffic(
            after.Counters.Messages - before.Counters.Messages,
            after.Counters.BytesIn - before.Counters.BytesIn - (after.Sent - before.Sent),
            after.Counters.BytesOut - before.Counters.BytesOut - (after.Received - before.Received));
    }

    public void Dispose()
    {
        Running.TryRemove(this, out _);
        _stats?.Dispose();
        Kill();
        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleanup; not worth failing a benchmark over.
        }
    }

    private Dictionary<string, string> ReadInfo(string section) => Parse(_stats!.Call("INFO", section) as string);

    private static Dictionary<string, string> Parse(string? info) =>
        (info ?? "").Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#') && l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
    }

    private static void KillAll()
    {
        foreach (var server in Running.Keys)
            server.Kill();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 40)
            _output.TryDequeue(out _);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
