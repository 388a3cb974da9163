using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// A TCP forwarder between a client (a browser) and the gateway that a test can cut and restore, to drop a
/// connection the way a network does. Cut resets every forwarded connection and resets new ones as they
/// arrive (the listener stays bound, so the port cannot be taken meanwhile); Restore forwards again.
/// </summary>
public sealed class TcpCutProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private int _refused;

    public TcpCutProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>Where the client connects instead of the gateway.</summary>
    public Uri Address { get; }

    /// <summary>Connections reset on arrival while cut: the client tried to come back.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public void Cut()
    {
        _cut = true;
        foreach (var link in _links.Keys)
            link.Reset();
    }

    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var link in _links.Keys)
            link.Reset();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_cut)
            {
                Interlocked.Increment(ref _refused);
                Link.Reset(client);
                continue;
            }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        var link = new Link(client, server);
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            link.Reset();
            return;
        }
        _links.TryAdd(link, 0);
        if (_cut)
            link.Reset(); // cut while this one was connecting
        await Task.WhenAll(PumpAsync(client, server, link), PumpAsync(server, client, link));
        link.Reset();
        _links.TryRemove(link, out _);
    }

    private static async Task PumpAsync(Socket from, Socket to, Link link)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            to.Shutdown(SocketShutdown.Send); // pass a clean close on
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            link.Reset();
        }
    }

    private sealed class Link(Socket client, Socket server)
    {
        public void Reset()
        {
            Reset(client);
            Reset(server);
        }

        /// <summary>Closes with a reset (RST), as a dropped network looks to both ends, rather than a polite FIN.</summary>
        public static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }
            socket.Dispose();
        }
    }
}
