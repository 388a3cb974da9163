using System.Buffers.Text;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Lean SignalR clients: raw WebSockets to /hubs/subjects without negotiation, the JSON protocol's handshake, one
/// Subscribe invocation each, then one receive loop per connection that stamps each read and only looks for what it
/// needs: the update's text marker, a completion, a close. A ping every 10 s keeps the server's client timeout (30 s)
/// away. So that the clients take as little CPU from the server as a generator on the same machine can.
/// </summary>
internal sealed class LeanHubClients : HubClients
{
    private const byte RecordSeparator = 0x1E;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);
    private static readonly byte[] Handshake = Record("""{"protocol":"json","version":1}""");
    private static readonly byte[] Ping = Record("""{"type":6}""");

    private readonly ClientWebSocket?[] _sockets;
    private readonly Task[] _receiving;
    private readonly SemaphoreSlim[] _sendLocks;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pinging;

    public LeanHubClients(int count, int capacity)
        : base(count, capacity)
    {
        _sockets = new ClientWebSocket?[count];
        _receiving = new Task[count];
        Array.Fill(_receiving, Task.CompletedTask);
        _sendLocks = [.. Enumerable.Range(0, count).Select(_ => new SemaphoreSlim(1, 1))];
        _pinging = Task.Run(PingAsync);
    }

    protected override async ValueTask ConnectAsync(int index, Uri hub, string subject, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        // SignalR pings at its own level; no WebSocket keep-alive frames on top.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _sockets[index] = socket;
        await socket.ConnectAsync(new UriBuilder(hub) { Scheme = "ws" }.Uri, cancellationToken);
        await SendAsync(index, Handshake, cancellationToken);
        _receiving[index] = ReceiveAsync(index, socket);
        await SendAsync(index, Record($$"""{"type":1,"invocationId":"1","target":"Subscribe","arguments":["{{subject}}",null]}"""), cancellationToken);
    }

    protected override void Close()
    {
        _stopping.Cancel();
        foreach (var socket in _sockets)
            socket?.Abort();
        // Abort ends every pending receive at once; the loops only record and return.
        Task.WhenAll(_receiving.Append(_pinging)).Wait(TimeSpan.FromSeconds(10));
        foreach (var socket in _sockets)
            socket?.Dispose();
        foreach (var sendLock in _sendLocks)
            sendLock.Dispose();
        _stopping.Dispose();
    }

    private async Task SendAsync(int index, byte[] message, CancellationToken cancellationToken)
    {
        await _sendLocks[index].WaitAsync(cancellationToken);
        try
        {
            await _sockets[index]!.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLocks[index].Release();
        }
    }

    private async Task PingAsync()
    {
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                for (var i = 0; i < _sockets.Length; i++)
                {
                    if (_sockets[i] is { State: WebSocketState.Open })
                        await SendAsync(i, Ping, _stopping.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopping, or a connection went away: its receive loop records why.
        }
    }

    private async Task ReceiveAsync(int index, ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        var filled = 0;
        var handshaken = false;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                    Array.Resize(ref buffer, buffer.Length * 2);
                var result = await socket.ReceiveAsync(buffer.AsMemory(filled), _stopping.Token);
                var receivedAt = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Fail($"connection {index} closed by the server: {socket.CloseStatus} {socket.CloseStatusDescription}");
                    return;
                }
                filled = OnReceived(index, buffer, filled + result.Count, receivedAt, ref handshaken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            if (!_stopping.IsCancellationRequested)
                Fail($"connection {index}: {ex.Message}");
        }
    }

    /// <summary>Handles every complete record in the buffer; returns how many bytes of an incomplete one remain at its start.</summary>
    private int OnReceived(int index, byte[] buffer, int filled, long receivedAt, ref bool handshaken)
    {
        var start = 0;
        int length;
        while ((length = buffer.AsSpan(start, filled - start).IndexOf(RecordSeparator)) >= 0)
        {
            var record = buffer.AsSpan(start, length);
            if (!handshaken)
            {
                handshaken = true;
                if (record.IndexOf("\"error\""u8) >= 0)
                    Fail($"connection {index} handshake refused: {Encoding.UTF8.GetString(record)}");
            }
            else
            {
                OnRecord(index, record, receivedAt);
            }
            start += length + 1;
        }
        buffer.AsSpan(start, filled - start).CopyTo(buffer);
        return filled - start;
    }

    private void OnRecord(int index, ReadOnlySpan<byte> record, long receivedAt)
    {
        var type = record.IndexOf("\"type\":"u8);
        switch (type >= 0 && type + 7 < record.Length ? record[type + 7] : 0)
        {
            case (byte)'1' when record.IndexOf("\"target\":\"Update\""u8) >= 0:
                if (TryReadMarker(record, out var kind, out var number))
                    Received(index, kind, number, receivedAt);
                break;
            case (byte)'3':
                if (record.IndexOf("\"error\""u8) >= 0)
                    Fail($"connection {index} Subscribe refused: {Encoding.UTF8.GetString(record)}");
                else
                    Subscribed();
                break;
            case (byte)'7':
                Fail($"connection {index} closed by the hub: {Encoding.UTF8.GetString(record)}");
                break;
            default:
                // Pings, and invocations of other targets.
                break;
        }
    }

    /// <summary>The update's text, a letter and a number ("m42"), found without parsing the rest of the message.</summary>
    private static bool TryReadMarker(ReadOnlySpan<byte> record, out char kind, out long number)
    {
        kind = '\0';
        number = 0;
        var text = record.IndexOf("\"text\":\""u8);
        if (text < 0 || text + 9 > record.Length)
            return false;
        var marker = record[(text + 8)..];
        if (!Utf8Parser.TryParse(marker[1..], out number, out var used) || marker.Length <= used + 1 || marker[used + 1] != (byte)'"')
            return false;
        kind = (char)marker[0];
        return true;
    }

    private static byte[] Record(string json) => [.. Encoding.UTF8.GetBytes(json), RecordSeparator];
}
