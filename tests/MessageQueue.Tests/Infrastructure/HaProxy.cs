using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// A real HAProxy in front of gateway instances, as an operator would run it: plain round robin, except SignalR
/// (<c>/hubs/</c>), which sticks to one instance by a cookie set on negotiate, because the connection it negotiates
/// lives on that instance only. Each instance is health-checked on <c>/health/live</c> and leaves the rotation when it
/// fails; every response says which instance served it in <see cref="ServedByHeader"/>.
/// </summary>
public sealed class HaProxy : IAsyncDisposable, IDisposable
{
    /// <summary>The response header naming the instance (<c>g0</c>, <c>g1</c>, ... in the order given) that answered.</summary>
    public const string ServedByHeader = "X-Served-By";

    /// <summary>The cookie that keeps a SignalR client on its instance.</summary>
    public const string StickyCookie = "MQSERVER";

    private const string ReadyPath = "/haproxy/ready";

    private readonly TempDirectory _folder;
    private readonly Process _process;
    private readonly Process _watcher;
    private readonly ConcurrentQueue<string> _output = new();

    private HaProxy(TempDirectory folder, int port, Process process)
    {
        _folder = folder;
        _process = process;
        Address = new Uri($"http://127.0.0.1:{port}/");
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        try
        {
            _process.Start();
        }
        catch
        {
            folder.Dispose();
            throw;
        }
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _watcher = ServerProcess.WatchForOrphan(
            $"kill -9 {_process.Id.ToString(CultureInfo.InvariantCulture)} 2>/dev/null; rm -rf {ServerProcess.ShellQuote(folder.Path)}");
    }

    /// <summary>Where clients connect, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address { get; }

    /// <summary>What HAProxy printed (alerts and warnings), for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    private string StatsSocket => Path.Combine(_folder.Path, "admin.sock");

    /// <summary>Starts HAProxy in front of <paramref name="backends"/> and returns once it serves and sees every backend up.</summary>
    public static async Task<HaProxy> StartAsync(IReadOnlyList<Uri> backends)
    {
        for (var attempt = 1; ; attempt++)
        {
            var folder = new TempDirectory();
            var port = ServerProcess.FreePort();
            var configuration = Path.Combine(folder.Path, "haproxy.cfg");
            await File.WriteAllTextAsync(configuration, Configuration(port, Path.Combine(folder.Path, "admin.sock"), backends));
            // -db: in the foreground, a child of the test that dies with SIGKILL like any other.
            var start = new ProcessStartInfo("haproxy", ["-db", "-f", configuration])
            {
                WorkingDirectory = folder.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            var proxy = new HaProxy(folder, port, new Process { StartInfo = start });
            try
            {
                await proxy.WaitUntilReadyAsync(backends.Count);
                return proxy;
            }
            catch (InvalidOperationException) when (attempt < 3 && proxy.Output.Contains("cannot bind socket", StringComparison.Ordinal))
            {
                proxy.Dispose(); // the probed port was taken meanwhile: try another
            }
            catch
            {
                proxy.Dispose();
                throw;
            }
        }
    }

    /// <summary>Each backend's state as HAProxy's health checks see it (<c>UP</c>, <c>DOWN</c>, ...), by name (g0, g1, ...).</summary>
    public async Task<Dictionary<string, string>> ServerStatesAsync()
    {
        var lines = (await AdminAsync("show stat")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        var (proxy, server, status) = (Array.IndexOf(header, "pxname"), Array.IndexOf(header, "svname"), Array.IndexOf(header, "status"));
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f[proxy] == "rest" && f[server] is not ("FRONTEND" or "BACKEND"))
            .ToDictionary(f => f[server], f => f[status]);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
        ServerProcess.StopWatching(_watcher);
        _folder.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Configuration(int port, string statsSocket, IReadOnlyList<Uri> backends)
    {
        var servers = backends.Select((uri, i) => (Name: $"g{i}", Address: $"{uri.Host}:{uri.Port}")).ToList();
        var rest = string.Join("\n", servers.Select(s => $"    server {s.Name} {s.Address} check"));
        // The hub backend follows the rest backend's health checks rather than checking again.
        var hubs = string.Join("\n", servers.Select(s => $"    server {s.Name} {s.Address} cookie {s.Name} track rest/{s.Name}"));
        return $"""
            global
                maxconn 4096
                stats socket {statsSocket} level admin

            defaults
                mode http
                # A request to an instance that refuses the connection is retried on another at once ("1": every retry
                # may change server; by default HAProxy waits a second and retries the same one). A sticky client whose
                # instance is down is moved rather than refused.
                option redispatch 1
                retries 2
                timeout connect 2s
                timeout http-request 10s
                timeout http-keep-alive 10s
                # Event streams and WebSockets stay open for long without a byte: the tests decide when they end.
                timeout client 1h
                timeout server 1h
                timeout tunnel 1h
                timeout client-fin 5s
                timeout server-fin 5s
                timeout check 2s
                default-server inter 500ms fall 2 rise 1

            frontend gateways
                bind 127.0.0.1:{port}
                monitor-uri {ReadyPath}
                use_backend hubs if {"{"} path_beg /hubs/ {"}"}
                default_backend rest

            backend rest
                balance roundrobin
                option httpchk
                http-check send meth GET uri /health/live ver HTTP/1.1 hdr Host 127.0.0.1
                http-check expect status 200
                http-response set-header {ServedByHeader} %[srv_name]
            {rest}

            backend hubs
                # SignalR's negotiate and the connection it opens next must reach the same instance.
                balance roundrobin
                cookie {StickyCookie} insert indirect nocache httponly
                http-response set-header {ServedByHeader} %[srv_name]
            {hubs}

            """;
    }

    private async Task WaitUntilReadyAsync(int backends)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        await Poll.UntilAsync(async () => _process.HasExited || await AnswersAsync(client),
            () => $"HAProxy on {Address} never answered {ReadyPath}:\n{Output}", TimeSpan.FromSeconds(20));
        if (_process.HasExited)
        {
            await _process.WaitForExitAsync(); // its output to the end
            throw new InvalidOperationException($"HAProxy exited with {_process.ExitCode}:\n{Output}");
        }
        Dictionary<string, string> states = [];
        await Poll.UntilAsync(async () => (states = await ServerStatesAsync()).Count == backends && states.Values.All(s => s == "UP"),
            () => $"HAProxy did not see every backend up: {string.Join(", ", states)}\n{Output}", TimeSpan.FromSeconds(20));
    }

    private static async Task<bool> AnswersAsync(HttpClient client)
    {
        try
        {
            using var response = await client.GetAsync(ReadyPath);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private async Task<string> AdminAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsSocket));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        // The socket closes after one command's answer.
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5));
    }

    private void OnLine(string? line)
    {
        if (line is not null)
            _output.Enqueue(line);
    }
}
