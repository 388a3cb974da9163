using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Container;

/// <summary>
/// The published build (<c>build/publish.sh artifacts/publish</c>, which tests/run.sh runs) started as the image starts
/// it: its ENTRYPOINT in its WORKDIR, with the base image's and the Dockerfile's environment, except that every
/// listener moves to a free port on 127.0.0.1 and every VOLUME to a fresh folder (as <c>docker run -v</c> would).
/// </summary>
public sealed partial class PublishedGateway : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private bool _started;

    private PublishedGateway(Dockerfile dockerfile, string stateDirectory)
    {
        var stage = dockerfile.Final;
        var entrypoint = stage.All("ENTRYPOINT").Last().Words();
        var start = new ProcessStartInfo(entrypoint[0])
        {
            WorkingDirectory = PublishDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in entrypoint.Skip(1))
            start.ArgumentList.Add(argument);

        // Each volume is a folder of its own under the state directory, longest path first so nested ones map right.
        Volumes = stage.All("VOLUME").SelectMany(v => v.Words()).Select(v => v.TrimEnd('/'))
            .ToDictionary(v => v, v => Directory.CreateDirectory(Path.Combine(stateDirectory, v.Trim('/').Replace('/', '-'))).FullName);
        foreach (var (key, value) in ContainerImage.RuntimeEnvironment(dockerfile))
        {
            var local = IsListenAddressList(value)
                ? string.Join(';', value.Split(';').Select(ContainerImage.OnFreeLoopbackPort))
                : Volumes.OrderByDescending(v => v.Key.Length).Aggregate(value, (text, v) => text.Replace(v.Key, v.Value, StringComparison.Ordinal));
            start.Environment[key] = local;
        }
        Environment = start.Environment.ToDictionary(e => e.Key, e => e.Value ?? "");

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException("The published gateway exited during start-up:\n" + Output));
    }

    public static string PublishDirectory => Path.Combine(RepositoryPaths.Root, "artifacts", "publish");

    /// <summary>Each VOLUME of the image and the folder that stands for it.</summary>
    public IReadOnlyDictionary<string, string> Volumes { get; }

    /// <summary>The environment the process was given (the test process's, the image's, then the local mapping).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public Uri HttpAddress { get; private set; } = null!;
    public string ReplyEndpoint { get; private set; } = "";
    public string PublishEndpoint { get; private set; } = "";
    public string Output => string.Join('\n', _output);

    public static async Task<PublishedGateway> StartAsync(string stateDirectory)
    {
        AssertPublishedBuildIsCurrent();
        var gateway = new PublishedGateway(ContainerImage.Load(), stateDirectory);
        gateway._process.Start();
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        await gateway._ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return gateway;
    }

    /// <summary>What <c>docker stop</c> does: SIGTERM, then the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
        // Docker waits 10 s before it kills.
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
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

    /// <summary>The publish folder must exist and hold the gateway the tests were built with, not an older one.</summary>
    private static void AssertPublishedBuildIsCurrent()
    {
        var published = Path.Combine(PublishDirectory, "MessageQueue.Gateway.dll");
        Assert.True(File.Exists(published), $"No published gateway in {PublishDirectory}: run build/publish.sh artifacts/publish (tests/run.sh does).");
        // publish.sh builds Release into bin/ too, so right after it both are the same file; a later Release build of
        // changed code makes the published one stale.
        var built = Path.Combine(RepositoryPaths.Root, "src", "MessageQueue.Gateway", "bin", "Release", "net10.0", "MessageQueue.Gateway.dll");
        if (File.Exists(built))
            Assert.True(File.ReadAllBytes(built).AsSpan().SequenceEqual(File.ReadAllBytes(published)), $"{PublishDirectory} holds an older gateway than bin/Release: run build/publish.sh artifacts/publish again.");
    }

    private static bool IsListenAddressList(string value) =>
        value.Length > 0 && value.Split(';').All(part => ListenAddress().IsMatch(part));

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        lock (_gate)
        {
            if (HttpListening().Match(line) is { Success: true } http)
                HttpAddress = new Uri(http.Groups[1].Value);
            else if (ZmqListening().Match(line) is { Success: true } zmq)
                (ReplyEndpoint, PublishEndpoint) = (zmq.Groups[1].Value, zmq.Groups[2].Value);
            else if (line.Contains("Application started.", StringComparison.Ordinal))
                _started = true;
            if (_started && HttpAddress is not null && ReplyEndpoint.Length > 0)
                _ready.TrySetResult();
        }
    }

    [GeneratedRegex(@"^(http|https|tcp)://[^;\s]+:\d+(/\S*)?$")]
    private static partial Regex ListenAddress();

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex HttpListening();

    [GeneratedRegex(@"answering on (\S+), publishing on (\S+)")]
    private static partial Regex ZmqListening();
}
