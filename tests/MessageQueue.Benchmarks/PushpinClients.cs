using System.Buffers.Text;
using System.Diagnostics;
using System.Net.WebSockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// WebSocket clients of Pushpin: each connection is subscribed to the channel by the backend when it opens, and
/// every publication arrives as one text message holding the marker ("p7" a probe, "m42" a measured update). The
/// same receive loop as <see cref="LeanHubClients"/>, without SignalR's framing.
/// </summary>
internal sealed class PushpinClients : HubClients
{
    private readonly ClientWebSocket?[] _sockets;
    private readonly Task[] _receiving;
    private readonly CancellationTokenSource _stopping = new();

    public PushpinClients(int count, int capacity)
        : base(count, capacity)
    {
        _sockets = new ClientWebSocket?[count];
        _receiving = new Task[count];
        Array.Fill(_receiving, Task.CompletedTask);
    }

    protected override async ValueTask ConnectAsync(int index, Uri hub, string subject, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _sockets[index] = socket;
        await socket.ConnectAsync(new UriBuilder(hub) { Scheme = "ws" }.Uri, cancellationToken);
        _receiving[index] = ReceiveAsync(index, socket);
        // The backend subscribed it while accepting it; the probes tell when publications reach it.
        Subscribed();
    }

    protected override void Close()
    {
        _stopping.Cancel();
        foreach (var socket in _sockets)
            socket?.Abort();
        Task.WhenAll(_receiving).Wait(TimeSpan.FromSeconds(10));
        foreach (var socket in _sockets)
            socket?.Dispose();
        _stopping.Dispose();
    }

    private async Task ReceiveAsync(int index, ClientWebSocket socket)
    {
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var filled = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (filled == buffer.Length)
                        Array.Resize(ref buffer, buffer.Length * 2);
                    result = await socket.ReceiveAsync(buffer.AsMemory(filled), _stopping.Token);
                    filled += result.Count;
                }
                while (!result.EndOfMessage);
                var receivedAt = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Fail($"connection {index} closed by Pushpin: {socket.CloseStatus} {socket.CloseStatusDescription}");
                    return;
                }
                if (filled > 1 && Utf8Parser.TryParse(buffer.AsSpan(1, filled - 1), out long number, out var used) && used == filled - 1)
                    Received(index, (char)buffer[0], number, receivedAt);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            if (!_stopping.IsCancellationRequested)
                Fail($"connection {index}: {ex.Message}");
        }
    }
}
