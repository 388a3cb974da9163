using System.Threading.Channels;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Tests.Client;

/// <summary>
/// An endpoint that takes requests and never answers, as a hung server looks to a client; it counts what arrives.
/// Its socket lives on its own thread from creation to disposal.
/// </summary>
public sealed class SilentServer : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<int> _arrivals = Channel.CreateUnbounded<int>();
    private readonly Thread _thread;
    private int _requests;

    public SilentServer()
    {
        var bound = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Serve(bound)) { IsBackground = true, Name = "silent-server" };
        _thread.Start();
        Endpoint = bound.Task.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    public string Endpoint { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived.</summary>
    public async Task WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (Requests < count)
            await _arrivals.Reader.ReadAsync(cancellation.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }

    private void Serve(TaskCompletionSource<string> bound)
    {
        using var router = new RouterSocket();
        router.Options.Linger = TimeSpan.Zero;
        router.Bind("tcp://127.0.0.1:0");
        bound.SetResult(router.Options.LastEndpoint!);
        while (!_stop.IsCancellationRequested)
        {
            if (!router.TryReceiveFrameBytes(TimeSpan.FromMilliseconds(50), out _, out var more))
                continue;
            if (more)
                router.SkipMultipartMessage();
            _arrivals.Writer.TryWrite(Interlocked.Increment(ref _requests));
        }
    }
}
