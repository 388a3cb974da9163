using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace MessageQueue.Benchmarks;

/// <summary>An HTTP request and the reply it must get: its status and how its body starts.</summary>
internal sealed record HttpExchange(HttpMethod Method, string Path, byte[]? Body, HttpStatusCode Status, byte[] ReplyStart)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(Method, Path);
        if (Body is not null)
            request.Content = new ByteArrayContent(Body) { Headers = { ContentType = Json } };
        return request;
    }

    /// <summary>Null when the (buffered) reply is the expected one, else its status and body.</summary>
    public string? Check(HttpResponseMessage response)
    {
        var body = response.Content.ReadAsStream();
        var start = new byte[ReplyStart.Length];
        var read = body.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        if (response.StatusCode == Status && start.AsSpan(0, read).SequenceEqual(ReplyStart))
            return null;
        if (body.CanSeek)
            body.Position = 0;
        using var reader = new StreamReader(body, Encoding.UTF8);
        return $"{(int)response.StatusCode} {reader.ReadToEnd()}";
    }
}

/// <summary>
/// An HTTP/1.1 client holding one keep-alive connection, sending its exchanges in turn. It uses HttpClient's
/// synchronous Send on the load client's own thread, as the legacy clients block on their REQ sockets.
/// </summary>
internal sealed class HttpChannel(Uri server, IReadOnlyList<HttpExchange> exchanges) : IRequestChannel
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly HttpClient _client = CreateClient(server, ReplyTimeout);
    private int _next;

    /// <summary>One connection, no proxy, no decompression: what the server does is what is measured.</summary>
    public static HttpClient CreateClient(Uri server, TimeSpan timeout) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            // A response disposed unread (an event stream) closes its connection at once instead of being drained.
            MaxResponseDrainSize = 0,
        })
        {
            BaseAddress = server,
            Timeout = timeout,
        };

    public string? RoundTrip()
    {
        var exchange = exchanges[_next];
        _next = (_next + 1) % exchanges.Count;
        using var request = exchange.ToRequest();
        // The default completion option reads the whole body before returning, so the connection is free again.
        using var response = _client.Send(request);
        return exchange.Check(response);
    }

    public void Dispose() => _client.Dispose();
}
