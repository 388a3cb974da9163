using System.Text;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>One load client's connection to a server; used by that client's thread only.</summary>
internal interface IRequestChannel : IDisposable
{
    /// <summary>Sends the next request in turn and waits for its reply: null when it was the expected one, else what came back.</summary>
    string? RoundTrip();
}

/// <summary>A legacy REQ socket going round its exchanges.</summary>
internal sealed class LegacyChannel : IRequestChannel
{
    // A REQ socket without a reply waits forever; a server that stops answering must fail the run instead.
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly RequestSocket _socket = new();
    private readonly IReadOnlyList<Exchange> _exchanges;
    private int _next;

    public LegacyChannel(string endpoint, IReadOnlyList<Exchange> exchanges)
    {
        _exchanges = exchanges;
        _socket.Options.Linger = TimeSpan.Zero;
        _socket.Connect(endpoint);
    }

    public string? RoundTrip()
    {
        var exchange = _exchanges[_next];
        _next = (_next + 1) % _exchanges.Count;
        _socket.SendFrame(exchange.Request);
        if (!_socket.TryReceiveFrameBytes(ReplyTimeout, out var reply))
            throw new TimeoutException($"No reply within {ReplyTimeout.TotalSeconds} s.");
        return exchange.Accepts(reply) ? null : Encoding.UTF8.GetString(reply);
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>Which channel each load client (by index) opens on a server.</summary>
internal static class LoadChannels
{
    public static Func<int, IRequestChannel> For(ServerProcess server, RequestKind kind) => kind switch
    {
        RequestKind.List or RequestKind.Update => Legacy(server, Workloads.For(kind)),
        _ => Rest(server, RestWorkloads.For(kind)),
    };

    public static Func<int, IRequestChannel> Legacy(ServerProcess server, Func<int, IReadOnlyList<Exchange>> workload) =>
        client => new LegacyChannel(server.ReplyEndpoint, workload(client));

    public static Func<int, IRequestChannel> Rest(ServerProcess server, Func<int, IReadOnlyList<HttpExchange>> workload) =>
        client => new HttpChannel(server.HttpAddress, workload(client));
}
