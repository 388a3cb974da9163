using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// Plain TCP connections that connect and then say nothing, as a flood of idle clients holds them. Each comes from
/// one of the given loopback source addresses (Linux answers from all of 127.0.0.0/8), so a test can be one client
/// or many. Connecting is bounded in time; a connection the server refuses is still counted as made.
/// </summary>
public sealed class IdleConnections : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private readonly List<Socket> _sockets = [];

    private IdleConnections()
    {
    }

    /// <summary>Connections made (the server may since have closed some).</summary>
    public int Count => _sockets.Count;

    /// <summary>Opens <paramref name="count"/> connections to <paramref name="endpoint"/> (tcp://host:port or http://host:port), 64 at a time.</summary>
    public static async Task<IdleConnections> OpenAsync(string endpoint, int count, IReadOnlyList<IPAddress> sources)
    {
        var uri = new Uri(endpoint.Replace("tcp://", "http://", StringComparison.Ordinal));
        var target = new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
        var flood = new IdleConnections();
        using var slots = new SemaphoreSlim(64);
        var attempts = Enumerable.Range(0, count).Select(async i =>
        {
            await slots.WaitAsync();
            try
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(sources[i % sources.Count], 0));
                try
                {
                    using var timeout = new CancellationTokenSource(ConnectTimeout);
                    await socket.ConnectAsync(target, timeout.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    socket.Dispose();
                    return;
                }
                lock (flood._sockets)
                    flood._sockets.Add(socket);
            }
            finally
            {
                slots.Release();
            }
        });
        await Task.WhenAll(attempts);
        return flood;
    }

    /// <summary>127.0.0.<paramref name="first"/> onwards, <paramref name="count"/> of them.</summary>
    public static IPAddress[] Loopback(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => new IPAddress([127, 0, 0, (byte)i]))];

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0); // a reset: no TIME_WAIT pile-up
            }
            catch (SocketException)
            {
            }
            socket.Dispose();
        }
        _sockets.Clear();
    }
}
