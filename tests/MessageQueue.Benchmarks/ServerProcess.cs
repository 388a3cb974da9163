using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MessageQueue.Benchmarks;

/// <summary>
/// One server under test as its own process. It is ready once it has printed the line of each door it must open
/// (see <see cref="ServerDoors"/>); it is killed when disposed, and its data directory removed.
/// </summary>
internal sealed partial class ServerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    // Every server still running, so an interrupted benchmark does not leave them behind.
    private static readonly ConcurrentDictionary<ServerProcess, byte> Running = new();

    private readonly Process _process;
    private readonly string? _dataDirectory;
    private readonly ConcurrentQueue<string> _lastLines = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ServerDoors _doors;
    private readonly Lock _openedLock = new();
    private ServerDoors _opened;
    private long _outputBytes;

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private ServerProcess(string name, ProcessStartInfo start, ServerDoors doors, string? dataDirectory)
    {
        Name = name;
        _doors = doors;
        _dataDirectory = dataDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // Held open and never written: a child that watches its input sees the end when we are gone.
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"{Name} exited during start-up:\n{RecentOutput}"));
    }

    public string Name { get; }

    /// <summary>The server's fresh data folder (its SQLite file), when it has one.</summary>
    public string? DataDirectory => _dataDirectory;
    public int Id => _process.Id;

    /// <summary>The PostgreSQL cluster the server stores in, if any: its processes' CPU is measured with the server's.</summary>
    public PostgreSqlCluster? Database { get; set; }

    /// <summary>The server's background JIT, to wait until it is quiet before measuring.</summary>
    public JitWatch Jit { get; private set; } = new(0);
    public string ReplyEndpoint { get; private set; } = "";
    public string PublishEndpoint { get; private set; } = "";
    public Uri HttpAddress { get; private set; } = new("http://127.0.0.1/");
    public string RecentOutput => string.Join('\n', _lastLines);

    /// <summary>Bytes the server has written to its standard output and error so far (its log volume).</summary>
    public long OutputBytes => Interlocked.Read(ref _outputBytes);

    /// <summary>Whether the server has ended (crashed, or was killed).</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>The server's exit code once it has ended, else null.</summary>
    public int? ExitCode => HasExited ? _process.ExitCode : null;

    /// <summary>CPU time the server has used so far, all its threads together.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The server's resident set size now (Linux: from /proc), in bytes.</summary>
    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public static ServerProcess Start(string name, ProcessStartInfo start, ServerDoors doors, string? dataDirectory = null)
    {
        var server = new ServerProcess(name, start, doors, dataDirectory);
        Running[server] = 0;
        try
        {
            server._process.Start();
            server.Jit = new JitWatch(server._process.Id);
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            // Blocking is fine here: the benchmark's main thread does nothing else while a server starts.
            server._ready.Task.WaitAsync(StartTimeout).GetAwaiter().GetResult();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Running.TryRemove(this, out _);
        Kill();
        _process.Dispose();
        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the system's temp cleanup; not worth failing a benchmark over.
            }
        }
    }

    private static void KillAll()
    {
        foreach (var server in Running.Keys)
            server.Kill();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                // No graceful stop: the data is throw-away and a drain would only slow the run down.
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        Interlocked.Add(ref _outputBytes, System.Text.Encoding.UTF8.GetByteCount(line) + 1);
        _lastLines.Enqueue(line);
        while (_lastLines.Count > 40)
            _lastLines.TryDequeue(out _);
        if (EndpointsLine().Match(line) is { Success: true } zmq)
        {
            ReplyEndpoint = zmq.Groups[1].Value;
            PublishEndpoint = zmq.Groups[2].Value;
            Opened(ServerDoors.Zmq);
        }
        else if (HttpLine().Match(line) is { Success: true } http)
        {
            HttpAddress = new Uri(http.Groups[1].Value);
            Opened(ServerDoors.Http);
        }
    }

    // Standard output and standard error are read on different threads.
    private void Opened(ServerDoors door)
    {
        lock (_openedLock)
        {
            _opened |= door;
            if ((_opened & _doors) == _doors)
                _ready.TrySetResult();
        }
    }

    [GeneratedRegex(@"answering on (tcp://\S+), publishing on (tcp://\S+)")]
    private static partial Regex EndpointsLine();

    [GeneratedRegex(@"listening on:? (http://\S+)")]
    private static partial Regex HttpLine();
}
