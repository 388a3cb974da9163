using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Ingest;

/// <summary>A pyzmq PUB (bound) or PUSH (connected) socket in its own process (python/zmq_feeder.py), sending what the test asks.</summary>
public sealed class PythonFeeder : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

    private PythonFeeder(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                _lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                _errors.Enqueue(e.Data);
        };
    }

    /// <summary>The endpoint the PUB socket bound (a port 0 resolved), or the one the PUSH socket connected to.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>A CurveZMQ publisher's public key (Z85); null without CurveZMQ.</summary>
    public string? CurvePublicKey { get; private set; }

    /// <summary>A PUB socket bound on <paramref name="endpoint"/>: a free loopback port by default, or a stopped publisher's, to stand in for it.</summary>
    public static Task<PythonFeeder> PublisherAsync(string endpoint = "tcp://127.0.0.1:0") => StartAsync("pub", endpoint, curveSecret: null, onlyClient: null);

    /// <summary>
    /// A PUB socket that is a CurveZMQ server, with a key pair libzmq makes (zmq.curve_keypair()); with
    /// <paramref name="onlyClient"/> (a Z85 public key) it admits that client only.
    /// </summary>
    public static Task<PythonFeeder> CurvePublisherAsync(string endpoint = "tcp://127.0.0.1:0", string? onlyClient = null) =>
        StartAsync("pub", endpoint, "new", onlyClient);

    /// <summary>A PUSH socket connected to <paramref name="endpoint"/>.</summary>
    public static Task<PythonFeeder> PusherAsync(string endpoint) => StartAsync("push", endpoint, curveSecret: null, onlyClient: null);

    private static async Task<PythonFeeder> StartAsync(string kind, string endpoint, string? curveSecret, string? onlyClient)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(RepositoryPaths.PythonScripts, "zmq_feeder.py"), kind, endpoint])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (curveSecret is not null)
            start.Environment["FEEDER_CURVE_SECRET"] = curveSecret;
        if (onlyClient is not null)
            start.Environment["FEEDER_CURVE_CLIENT"] = onlyClient;
        var feeder = new PythonFeeder(new Process { StartInfo = start });
        feeder._process.Start();
        feeder._process.BeginOutputReadLine();
        feeder._process.BeginErrorReadLine();
        var ready = await feeder.NextLineAsync();
        Assert.StartsWith("ready ", ready, StringComparison.Ordinal);
        var words = ready.Split(' ');
        feeder.Endpoint = words[1];
        feeder.CurvePublicKey = words.Length > 2 ? words[2] : null;
        return feeder;
    }

    /// <summary>Sends one message of these frames.</summary>
    public Task SendAsync(params byte[][] frames) => CommandAsync(new { frames = frames.Select(Convert.ToBase64String) }, 1);

    /// <summary>Sends one message of these UTF-8 text frames.</summary>
    public Task SendAsync(params string[] frames) => SendAsync(frames.Select(Encoding.UTF8.GetBytes).ToArray());

    /// <summary>Sends <paramref name="count"/> messages <c>prefix0</c>, <c>prefix1</c>, ..., each after <paramref name="topic"/> when given; completes once all are sent.</summary>
    public Task SendSeriesAsync(int count, string prefix, string? topic = null) => CommandAsync(new { series = count, prefix, topic }, count);

    private async Task CommandAsync(object command, int count)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command));
        await _process.StandardInput.FlushAsync();
        Assert.Equal($"sent {count}", await NextLineAsync());
    }

    private async Task<string> NextLineAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            return await _lines.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"zmq_feeder.py said nothing within {Timeout}. stderr: {string.Join('\n', _errors)}");
        }
    }

    private bool _disposed;

    /// <summary>Kills the process (a publisher going away mid-stream); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
