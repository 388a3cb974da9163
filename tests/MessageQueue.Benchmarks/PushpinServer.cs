using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Pushpin 1.36 (Debian's package, installed here when missing) on free loopback ports, with a configuration of its
/// own in a temp folder (Debian's default expects a system zurl that never starts here, so the runner starts its own),
/// in front of <c>pushpin_backend.py</c>, a GRIP backend that subscribes every WebSocket to one channel. Publications
/// go in through the handler's ZeroMQ PULL input (<c>push_in_spec</c>): a PUSH socket sends <c>J</c> + a JSON item.
/// Killed with its processes when disposed.
/// </summary>
internal sealed class PushpinServer : IDisposable
{
    public const string Channel = "bench";
    private const string Runner = "/usr/bin/pushpin";
    private const string InternalConfig = "/usr/lib/pushpin/internal.conf";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _folder = Directory.CreateTempSubdirectory("mq-bench-pushpin-").FullName;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _backend;
    private Process? _runner;

    private PushpinServer()
    {
    }

    /// <summary>Where WebSocket clients connect (condure).</summary>
    public Uri HttpAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The handler's PULL input for publications.</summary>
    public string PushEndpoint { get; private set; } = "";

    public string Version { get; private set; } = "";

    public static PushpinServer Start()
    {
        EnsureInstalled();
        var server = new PushpinServer();
        try
        {
            server.Launch();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The CPU ticks of the runner and of each process it started (condure, zurl, pushpin-proxy, pushpin-handler).</summary>
    public Dictionary<int, (string Name, long Ticks)> ReadCpu() => ProcCpu.Tree(_runner!.Id);

    /// <summary>CPU used since <paramref name="before"/> by each of Pushpin's processes, by program name.</summary>
    public Dictionary<string, TimeSpan> CpuSince(Dictionary<int, (string Name, long Ticks)> before) =>
        ProcCpu.TreeSince(before, ReadCpu(), command => Path.GetFileName(command.Split(' ')[0]), "ended");

    /// <summary>CPU the backend has used so far (it only accepts connections; no publication passes through it).</summary>
    public TimeSpan BackendCpu
    {
        get
        {
            _backend!.Refresh();
            return _backend.TotalProcessorTime;
        }
    }

    public void Dispose()
    {
        foreach (var process in new[] { _runner, _backend })
        {
            try
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Never started, or already gone.
            }
            process?.Dispose();
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleanup.
        }
    }

    private static void EnsureInstalled()
    {
        if (File.Exists(Runner))
            return;
        Console.WriteLine("  installing pushpin (apt-get install -y pushpin)...");
        var install = new ProcessStartInfo("/bin/sh", ["-c", "apt-get update -qq && apt-get install -y -qq pushpin >/dev/null"])
        {
            Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" },
        };
        using var process = Process.Start(install) ?? throw new InvalidOperationException("apt-get could not be started.");
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(Runner))
            throw new InvalidOperationException("Pushpin is not installed and apt-get could not install it (apt-get install -y pushpin): the ingest group's comparison needs it.");
    }

    private void Launch()
    {
        var backendPort = StartBackend();
        var (httpPort, pushPort, pushHttpPort, commandPort) = (FreePort(), FreePort(), FreePort(), FreePort());
        var run = Directory.CreateDirectory(Path.Combine(_folder, "run")).FullName;
        var logs = Directory.CreateDirectory(Path.Combine(_folder, "log")).FullName;
        // The proxy reaches backends through zurl: point it at the zurl the runner starts, not the system's.
        var internalConfig = File.ReadAllText(InternalConfig)
            .Replace("ipc:///var/run/zurl/zurl-in-stream", "ipc://{rundir}/{ipc_prefix}zurl-in-stream", StringComparison.Ordinal)
            .Replace("ipc:///var/run/zurl/zurl-in\n", "ipc://{rundir}/{ipc_prefix}zurl-in\n", StringComparison.Ordinal)
            .Replace("ipc:///var/run/zurl/zurl-out", "ipc://{rundir}/{ipc_prefix}zurl-out", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_folder, "internal.conf"), internalConfig);
        File.WriteAllText(Path.Combine(_folder, "routes"), Invariant($"* 127.0.0.1:{backendPort},over_http\n"));
        var config = Path.Combine(_folder, "pushpin.conf");
        File.WriteAllText(config, Invariant($"""
            [global]
            include={_folder}/internal.conf
            rundir={run}
            ipc_prefix=mqbench-
            port_offset=0
            stats_connection_ttl=120

            [runner]
            services=condure,zurl,pushpin-proxy,pushpin-handler
            http_port=127.0.0.1:{httpPort}
            logdir={logs}
            log_level=1
            client_buffer_size=8192
            client_maxconn=50000
            condure_bin=condure
            zurl_bin=zurl

            [proxy]
            routesfile={_folder}/routes
            debug=false
            auto_cross_origin=false
            accept_x_forwarded_protocol=false
            set_x_forwarded_protocol=proto-only
            sig_iss=pushpin
            sig_key=changeme
            updates_check=off

            [handler]
            push_in_spec=tcp://127.0.0.1:{pushPort}
            push_in_sub_specs=
            push_in_http_addr=127.0.0.1
            push_in_http_port={pushHttpPort}
            stats_spec=ipc://{"{rundir}"}/{"{ipc_prefix}"}stats
            command_spec=tcp://127.0.0.1:{commandPort}
            # Not the default 2,500 deliveries/s: one publication to 1,000 connections would be spread over 0.4 s.
            message_rate=1000000
            message_hwm=1000000
            message_wait=5000
            id_cache_ttl=60
            connection_subscription_max=20
            subscription_linger=60
            stats_subscription_ttl=60
            stats_report_interval=10
            stats_format=tnetstring
            """));
        _runner = StartProcess(new ProcessStartInfo(Runner, ["--config", config, "--merge-output"]));
        Version = VersionOf();
        HttpAddress = new Uri(Invariant($"http://127.0.0.1:{httpPort}/"));
        PushEndpoint = Invariant($"tcp://127.0.0.1:{pushPort}");
        WaitReady(pushPort);
    }

    /// <summary>Starts the backend on a port of its own choosing and returns that port.</summary>
    private int StartBackend()
    {
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _backend = StartProcess(new ProcessStartInfo(ServerLauncher.Python, [BenchmarkPaths.PushpinBackendScript, "0", Channel]), line =>
        {
            if (line.StartsWith("backend listening on ", StringComparison.Ordinal))
                ready.TrySetResult(int.Parse(line["backend listening on ".Length..], CultureInfo.InvariantCulture));
        });
        _backend.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The Pushpin backend exited:\n{string.Join('\n', _output)}"));
        return ready.Task.WaitAsync(StartTimeout).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Ready once a request through Pushpin reaches the backend (condure, the proxy and zurl are up) and the handler's
    /// PULL input accepts connections: publications sent before that would find no subscriber.
    /// </summary>
    private void WaitReady(int pushPort)
    {
        using var http = HttpChannel.CreateClient(HttpAddress, TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_runner!.HasExited || clock.Elapsed > StartTimeout)
                throw new InvalidOperationException($"Pushpin was not ready within {StartTimeout.TotalSeconds} s:\n{string.Join('\n', _output)}");
            if (Answers(http) && Accepts(pushPort))
                return;
            // Polled: Pushpin at log level 1 says nothing when its parts are up.
            Thread.Sleep(100);
        }
    }

    private static bool Answers(HttpClient http)
    {
        try
        {
            using var response = http.GetAsync("/").GetAwaiter().GetResult();
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private Process StartProcess(ProcessStartInfo start, Action<string>? onLine = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // Held open and never written: the backend ends when the benchmark is gone.
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
                return;
            _output.Enqueue(line);
            while (_output.Count > 40)
                _output.TryDequeue(out _);
            onLine?.Invoke(line);
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string VersionOf()
    {
        using var process = Process.Start(new ProcessStartInfo(Runner, ["--version"]) { RedirectStandardOutput = true, UseShellExecute = false });
        var text = process?.StandardOutput.ReadToEnd().Trim() ?? "";
        process?.WaitForExit();
        return text;
    }

    /// <summary>A loopback port free at the moment (another process could take it before it is bound).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
