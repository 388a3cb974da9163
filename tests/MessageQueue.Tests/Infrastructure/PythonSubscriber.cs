using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>A pyzmq SUB socket in its own process (python/sub_printer.py), reporting every frame it receives.</summary>
public sealed class PythonSubscriber : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _frames = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

    private PythonSubscriber(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                _errors.Enqueue(e.Data);
        };
        process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException("sub_printer.py exited: " + string.Join('\n', _errors)));
    }

    /// <summary>Starts the process and waits until its socket is connected to <paramref name="endpoint"/>.</summary>
    public static async Task<PythonSubscriber> StartAsync(string endpoint, string topic)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(RepositoryPaths.PythonScripts, "sub_printer.py"), endpoint, topic])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var subscriber = new PythonSubscriber(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await subscriber._ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return subscriber;
    }

    /// <summary>Posts probe updates until one arrives here (PUB/SUB slow joiner), then drops the probes still on their way.</summary>
    public async Task WaitUntilJoinedAsync(LegacyPeer peer, string subject)
    {
        var deadline = DateTime.UtcNow + LegacyPeer.Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var marker = $"py-probe-{Guid.NewGuid():N}";
            if (peer.Request(new { type = "3", subject, updateMessage = marker }) != "isSuccess")
                throw new InvalidOperationException("The join probe was refused.");
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                var frame = await _frames.Reader.ReadAsync(wait.Token);
                while (!frame.EndsWith(marker, StringComparison.Ordinal))
                    frame = await ReceiveAsync();
                return;
            }
            catch (OperationCanceledException) when (wait.IsCancellationRequested)
            {
                // Not subscribed yet: probe again.
            }
        }
        throw new TimeoutException("The pyzmq subscription never took effect.");
    }

    /// <summary>The next frame ("&lt;subject&gt; &lt;whole content&gt;"); fails the test if none comes in time.</summary>
    public async Task<string> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(LegacyPeer.Timeout);
        try
        {
            return await _frames.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"pyzmq received nothing within {LegacyPeer.Timeout}. stderr: {string.Join('\n', _errors)}");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        if (line == "ready")
            _ready.TrySetResult();
        else
            _frames.Writer.TryWrite(JsonSerializer.Deserialize<string>(line)!);
    }
}
