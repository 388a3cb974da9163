using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// A real redis-server of the test's own, in the foreground as a child process, on a free loopback port. Nothing is
/// persisted: a bus keeps no state worth keeping, and a restart comes back empty as a real one without disk would.
/// </summary>
public sealed class RedisServer : IAsyncDisposable, IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Process _watcher;
    private Process? _process;

    private RedisServer(int port)
    {
        Port = port;
        _watcher = ServerProcess.WatchForOrphan(
            $"kill -9 $(cat {ServerProcess.ShellQuote(PidFile)} 2>/dev/null) 2>/dev/null; rm -rf {ServerProcess.ShellQuote(_folder.Path)}");
    }

    public int Port { get; }

    /// <summary>For StackExchange.Redis: <c>127.0.0.1:PORT</c>.</summary>
    public string ConfigurationString => $"127.0.0.1:{Port}";

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    private string PidFile => Path.Combine(_folder.Path, "redis.pid");

    public static async Task<RedisServer> StartAsync()
    {
        // The free port is only probed: another process may take it first. Then try another.
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(ServerProcess.FreePort());
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                server.Dispose();
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }
    }

    /// <summary>Starts the server (again, after <see cref="Kill"/>) on the same port; returns once it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("The server is running.");
        _process?.Dispose();
        var start = new ProcessStartInfo("redis-server",
            ["--port", $"{Port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _folder.Path,
             "--pidfile", PidFile, "--daemonize", "no", "--logfile", ""])
        {
            WorkingDirectory = _folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        await Poll.UntilAsync(async () => process.HasExited || await PingAsync(),
            () => $"redis-server on port {Port} never answered PING:\n{Output}", TimeSpan.FromSeconds(20));
        if (process.HasExited)
        {
            await process.WaitForExitAsync(); // its output to the end
            throw new InvalidOperationException($"redis-server exited with {process.ExitCode}:\n{Output}");
        }
    }

    /// <summary>SIGKILL: the bus is gone at once, as on a crash; <see cref="StartAgainAsync"/> brings up an empty one.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>True when a real PING over a fresh connection is answered with PONG.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var reply = new byte[7];
            var read = 0;
            while (read < reply.Length && await stream.ReadAsync(reply.AsMemory(read), timeout.Token) is > 0 and var n)
                read += n;
            return Encoding.ASCII.GetString(reply, 0, read) == "+PONG\r\n";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        ServerProcess.StopWatching(_watcher);
        _folder.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnLine(string? line)
    {
        if (line is not null)
            _output.Enqueue(line);
    }
}
