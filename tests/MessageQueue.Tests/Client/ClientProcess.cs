using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Client;

/// <summary>
/// The built <c>mq</c> client as a real process: stdin to type into, stdout lines to wait for (each line is consumed
/// by the wait that reads it), stderr kept for messages. Waits fail with the whole transcript instead of hanging.
/// </summary>
public sealed class ClientProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly Channel<string> _unread = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private ClientProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryPaths.ClientDll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        // Endpoints come from the test only, never from the developer's shell.
        start.Environment.Remove("MQ_SERVER");
        start.Environment.Remove("MQ_PUBLISHER");
        start.Environment.Remove("MQ_SERVER_KEY");
        start.Environment.Remove("MQ_CLIENT_SECRET_KEY");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                _stderr.Enqueue(e.Data);
        };
    }

    public string Output => string.Join('\n', _stdout);
    public string Error => string.Join('\n', _stderr);
    public string Transcript => $"--- stdout ---\n{Output}\n--- stderr ---\n{Error}";

    public static ClientProcess Start(params string[] args) => Start(null, args);

    /// <summary>Starts mq with <paramref name="environment"/> set on top of this process's (keys, for instance).</summary>
    public static ClientProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var client = new ClientProcess(args, environment);
        client._process.Start();
        client._process.BeginOutputReadLine();
        client._process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Runs a command to its end.</summary>
    public static Task<ClientResult> RunAsync(params string[] args) => RunAsync(null, args);

    public static async Task<ClientResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        await using var client = Start(environment, args);
        var exitCode = await client.WaitForExitAsync();
        return new ClientResult(exitCode, client.Output, client.Error);
    }

    public void SendLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    public void CloseInput() => _process.StandardInput.Close();

    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan? timeout = null) =>
        await TryWaitForLineAsync(predicate, timeout ?? DefaultTimeout)
        ?? throw new TimeoutException($"mq printed no matching line within {timeout ?? DefaultTimeout} (or ended).\n{Transcript}");

    public Task<string> WaitForLineContainingAsync(string text, TimeSpan? timeout = null) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>The first unread line that matches, skipping the others; null on timeout or when stdout has ended.</summary>
    public async Task<string?> TryWaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            while (await _unread.Reader.WaitToReadAsync(cancellation.Token))
            {
                while (_unread.Reader.TryRead(out var line))
                {
                    if (predicate(line))
                        return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        return null;
    }

    public bool OutputEnded => _unread.Reader.Completion.IsCompleted;

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"mq did not exit within {timeout ?? DefaultTimeout}.\n{Transcript}");
        }
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

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _unread.Writer.TryComplete();
            return;
        }
        _stdout.Enqueue(line);
        _unread.Writer.TryWrite(line);
    }
}

public sealed record ClientResult(int ExitCode, string Output, string Error);
