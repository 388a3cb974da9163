using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// The built gateway as its own process, on free loopback ports and a given data directory. The bound ZeroMQ
/// endpoints are read from its start-up log line, the HTTP address from Kestrel's.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<(string Reply, string Publish)> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private (string Reply, string Publish)? _endpoints;
    private Uri? _httpAddress;
    private readonly Lock _gate = new();
    private bool _started;

    private GatewayProcess(string dataDirectory, IDictionary<string, string>? environment, int? openFilesLimit)
    {
        // prlimit (util-linux) sets the limits and then executes the command: the process id stays the gateway's.
        var start = openFilesLimit is { } limit
            ? new ProcessStartInfo("prlimit", [$"--nofile={limit}:{limit}", "dotnet", RepositoryPaths.GatewayDll])
            : new ProcessStartInfo("dotnet", [RepositoryPaths.GatewayDll]);
        start.WorkingDirectory = RepositoryPaths.Root;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["ConnectionStrings__MessageQueue"] = $"Data Source={Path.Combine(dataDirectory, "messagequeue.db")}";
        start.Environment["Email__PickupDirectory"] = Path.Combine(dataDirectory, "mail");
        start.Environment["Email__KeysDirectory"] = Path.Combine(dataDirectory, "keys");
        start.Environment["Email__SeenGraceSeconds"] = "0"; // as GatewayFactory's
        start.Environment["Zmq__ReplyEndpoint"] = "tcp://127.0.0.1:0";
        start.Environment["Zmq__PublishEndpoint"] = "tcp://127.0.0.1:0";
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) =>
        {
            _process.WaitForExit(); // until its output is read to the end: the last lines say why it stopped
            _listening.TrySetException(new InvalidOperationException("The gateway exited during start-up:\n" + Output));
        };
    }

    public string ReplyEndpoint { get; private set; } = "";
    public string PublishEndpoint { get; private set; } = "";
    public Uri HttpAddress { get; private set; } = new("http://127.0.0.1/");
    public int Id => _process.Id;
    public string Output => string.Join('\n', _output);
    public int OutputLines => _output.Count;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the gateway and waits until it serves; <c>openFilesLimit</c> lowers its open-files limit (soft and hard) so a test needs few connections to reach it.</summary>
    public static async Task<GatewayProcess> StartAsync(string dataDirectory, IDictionary<string, string>? environment = null, int? openFilesLimit = null)
    {
        var gateway = new GatewayProcess(dataDirectory, environment, openFilesLimit);
        gateway._process.Start();
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        (string Reply, string Publish) endpoints;
        try
        {
            endpoints = await gateway._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            // Not left running: nobody else holds it to kill it.
            await gateway.DisposeAsync();
            throw new TimeoutException("The gateway did not start within 30 s:\n" + gateway.Output, ex);
        }
        var (reply, publish) = endpoints;
        gateway.ReplyEndpoint = reply;
        gateway.PublishEndpoint = publish;
        lock (gateway._gate)
            gateway.HttpAddress = gateway._httpAddress ?? throw new InvalidOperationException("Kestrel never said where it listens:\n" + gateway.Output);
        return gateway;
    }

    /// <summary>Starts a gateway that is expected to refuse to start: its exit code and output once it has ended.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(string dataDirectory, IDictionary<string, string> environment)
    {
        await using var gateway = new GatewayProcess(dataDirectory, environment, openFilesLimit: null);
        gateway._process.Start();
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        if (!await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("The gateway did not end within 30 s:\n" + gateway.Output);
        gateway._process.WaitForExit(); // until its output is read to the end
        return (gateway._process.ExitCode, gateway.Output);
    }

    /// <summary>Asks for a graceful stop (SIGTERM) and waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends SIGTERM and returns at once; <see cref="WaitForExitAsync"/> waits for the end.</summary>
    public void Terminate() =>
        Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>True when the process ended within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        // Ready once the host has started, not just the ZeroMQ door: a SIGTERM while Kestrel is still binding
        // cancels the start, and the process then ends with an unhandled exception (exit 134), not a graceful stop.
        lock (_gate)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
                _endpoints = (match.Groups[1].Value, match.Groups[2].Value);
            else if (HttpLine().Match(line) is { Success: true } http)
                _httpAddress = new Uri(http.Groups[1].Value);
            else if (line.Contains("Application started.", StringComparison.Ordinal))
                _started = true;
            if (_started && _endpoints is { } endpoints)
                _listening.TrySetResult(endpoints);
        }
    }

    [GeneratedRegex(@"answering on (\S+), publishing on (\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex HttpLine();
}
