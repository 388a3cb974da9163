using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>A SignalR JSON-protocol client on a bare WebSocket, so a test can send what no real client would.</summary>
internal sealed class RawHubClient : IAsyncDisposable
{
    public const char Separator = '\u001e';
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket = new();
    private readonly Queue<JsonElement> _received = new();
    private readonly StringBuilder _pending = new();

    private RawHubClient()
    {
    }

    /// <summary>Connects straight to the WebSocket (as a client that skips negotiation does); no handshake yet.</summary>
    public static async Task<RawHubClient> ConnectAsync(Uri gateway)
    {
        var client = new RawHubClient();
        var address = new UriBuilder(new Uri(gateway, "/hubs/subjects")) { Scheme = "ws" }.Uri;
        using var timeout = new CancellationTokenSource(Timeout);
        await client._socket.ConnectAsync(address, timeout.Token);
        return client;
    }

    public bool Open => _socket.State == WebSocketState.Open;

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(bytes, type, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next message from the server, skipping pings; null when the server closed the connection.</summary>
    public async Task<JsonElement?> ReceiveAsync()
    {
        while (true)
        {
            while (_received.TryDequeue(out var message))
            {
                if (!message.TryGetProperty("type", out var type) || type.GetInt32() != 6) // the handshake answer has no type
                    return message;
            }
            if (!await ReadFrameAsync())
                return null;
        }
    }

    /// <summary>Reads until the server closes, returning its Close message (type 7) if it sent one first.</summary>
    public async Task<JsonElement?> ReceiveUntilClosedAsync()
    {
        JsonElement? close = null;
        while (await ReceiveAsync() is { } message)
        {
            if (message.TryGetProperty("type", out var type) && type.GetInt32() == 7)
                close = message;
        }
        return close;
    }

    private async Task<bool> ReadFrameAsync()
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Timeout);
        WebSocketReceiveResult result;
        try
        {
            result = await _socket.ReceiveAsync(buffer, timeout.Token);
        }
        catch (WebSocketException)
        {
            return false;
        }
        if (result.MessageType == WebSocketMessageType.Close)
            return false;
        _pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        var text = _pending.ToString();
        var end = text.LastIndexOf(Separator);
        if (end < 0)
            return true;
        foreach (var part in text[..end].Split(Separator))
            _received.Enqueue(JsonDocument.Parse(part).RootElement.Clone());
        _pending.Clear().Append(text[(end + 1)..]);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (WebSocketException)
            {
                // The server went first; nothing left to close.
            }
        }
        _socket.Dispose();
    }
}
