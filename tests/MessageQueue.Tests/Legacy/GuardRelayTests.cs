using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Legacy.Guard;
using MessageQueue.Gateway.Operations;
using MessageQueue.Tests.Fuzzing;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MessageQueue.Tests.Legacy;

/// <summary>
/// The ZMTP guard's relay alone, in front of a plain TCP listener standing where NetMQ stands: bytes both ways, with
/// both ends slower than the relay (small kernel buffers, reading only after writing began), so the relay must hold
/// what one side cannot take yet and hand it on in order.
/// </summary>
public sealed class GuardRelayTests : IDisposable
{
    private const int SmallBuffer = 4096;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly Socket _backend = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = SmallBuffer, SendBufferSize = SmallBuffer };

    public GuardRelayTests()
    {
        _backend.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _backend.Listen();
    }

    public void Dispose()
    {
        _backend.Dispose();
        _services.Dispose();
    }



    [Fact]
    public async Task WhatNetMqSendsAfterThePeersCloseReachesThePeerEvenWhenNetMqClosesWhileTheRelayHoldsBytes()
    {
        using var guard = Start(subscriberBudget: null);
        using var peer = await ConnectAsync(guard);
        using var netmq = await _backend.AcceptAsync().WaitAsync(Bound);
        byte[] up = [.. RawZmtpPeer.Greeting(), .. RawZmtpPeer.Ready()];
        await SendAndShutdownAsync(peer, up);
        Assert.Equal(up, await ReceiveToEndAsync(netmq).WaitAsync(Bound)); // the peer's close passed on: the relay writes no more to NetMQ

        // NetMQ sends, the peer reads nothing, until the relay holds bytes for the peer and so leaves NetMQ's bytes
        // unread in its socket; NetMQ then closes. Its close reaches the relay while the relay reads nothing from it:
        // both directions of that socket are closed (a hang-up) with bytes still owed to the peer.
        var random = new Random(3);
        var down = new MemoryStream();
        var chunk = new byte[4096];
        var started = DateTime.UtcNow;
        while (!await RelayLeavesUnreadAsync(netmq))
        {
            Assert.True(DateTime.UtcNow - started < Bound, "The relay never stopped reading NetMQ for a peer that reads nothing.");
            random.NextBytes(chunk);
            Assert.Equal(chunk.Length, netmq.Send(chunk));
            down.Write(chunk);
        }
        netmq.Shutdown(SocketShutdown.Send);
        await Poll.UntilAsync(() => TcpState(netmq) == TcpClosed, () => $"NetMQ's close was never acknowledged (TCP state {TcpState(netmq)}).", Bound);

        Assert.Equal(down.ToArray(), await ReceiveToEndAsync(peer).WaitAsync(Bound));
    }

    /// <summary>
    /// Whether the relay's socket to <paramref name="netmq"/> holds bytes it has not read, still after one more check:
    /// it reads at once whatever arrives while it reads at all.
    /// </summary>
    private static async Task<bool> RelayLeavesUnreadAsync(Socket netmq)
    {
        if (Unread(netmq) == 0)
            return false;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        await tick.WaitForNextTickAsync();
        return Unread(netmq) > 0;
    }

    /// <summary>Bytes the other end of <paramref name="socket"/> (on this machine) has received but not read (Linux's /proc/net/tcp).</summary>
    private static long Unread(Socket socket)
    {
        var far = (IPEndPoint)socket.RemoteEndPoint!;
        var near = (IPEndPoint)socket.LocalEndPoint!;
        static string Hex(IPEndPoint endpoint) =>
            $"{BitConverter.ToUInt32(endpoint.Address.GetAddressBytes()):X8}:{endpoint.Port:X4}";
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1] == Hex(far) && fields[2] == Hex(near))
                return Convert.ToInt64(fields[4].Split(':')[1], 16);
        }
        throw new InvalidOperationException($"No socket from {far} to {near} in /proc/net/tcp.");
    }

    private const int TcpClosed = 7;

    /// <summary>The socket's TCP state (Linux's tcp_info, first byte).</summary>
    private static int TcpState(Socket socket)
    {
        var info = new byte[256];
        socket.GetRawSocketOption(6 /* IPPROTO_TCP */, 11 /* TCP_INFO */, info);
        return info[0];
    }

    [Fact]
    public async Task EveryByteCrossesInOrderBothWaysAndEachCloseIsPassedOn()
    {
        using var guard = Start(subscriberBudget: null);
        using var peer = await ConnectAsync(guard);
        using var netmq = await _backend.AcceptAsync().WaitAsync(Bound);

        // A well-formed stream many megabytes long (a greeting, READY, then large multi-frame messages), more than
        // the kernel buffers between the ends hold, in two rounds: in each, one end reads only once the other
        // direction has arrived whole, so the relay has to hold that direction's bytes and stop reading its source.
        var random = new Random(14);
        var up1 = Stream(random, [.. RawZmtpPeer.Greeting(), .. RawZmtpPeer.Ready()]);
        var up2 = Stream(random, []);
        var down1 = new byte[16 * 1024 * 1024];
        var down2 = new byte[16 * 1024 * 1024];
        random.NextBytes(down1);
        random.NextBytes(down2);

        Task sending = Task.WhenAll(peer.SendAsync(up1, SocketFlags.None), netmq.SendAsync(down1, SocketFlags.None));
        Assert.Equal(down1, await ReceiveAsync(peer, down1.Length).WaitAsync(Bound));
        Assert.Equal(up1, await ReceiveAsync(netmq, up1.Length).WaitAsync(Bound));
        await sending.WaitAsync(Bound);

        sending = Task.WhenAll(SendAndShutdownAsync(peer, up2), netmq.SendAsync(down2, SocketFlags.None));
        Assert.Equal(up2, await ReceiveToEndAsync(netmq).WaitAsync(Bound)); // ends when the peer's close is passed on
        Assert.Equal(down2, await ReceiveAsync(peer, down2.Length).WaitAsync(Bound));
        await sending.WaitAsync(Bound);

        // NetMQ closing after the peer's close ends the connection: the peer reads the end of the stream.
        netmq.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await peer.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Bound));
    }

    [Fact]
    public async Task SubscriberThatNeverReadsIsCutAtItsBudgetAndWhatWasHeldForItIsReleased()
    {
        var cuts = 0;
        var budget = new PeerByteBudget(maxQueuedBytes: 256 * 1024, maxTotalBytes: 1024 * 1024, () => Interlocked.Increment(ref cuts));
        using var guard = Start(budget);
        using var peer = await ConnectAsync(guard);
        using var netmq = await _backend.AcceptAsync().WaitAsync(Bound);
        await peer.SendAsync(RawZmtpPeer.Greeting().Concat(RawZmtpPeer.Ready("SUB")).ToArray(), SocketFlags.None);

        // NetMQ publishes far more than the budget; the peer reads nothing. The relay reads NetMQ as fast as it
        // writes, so NetMQ's writes go through until the peer is cut and the relay closes NetMQ's leg.
        var publishing = PublishUntilClosedAsync(netmq);

        Assert.True(await publishing.WaitAsync(Bound), "The relay should cut a subscriber that falls its budget behind.");
        Assert.Equal(1, Volatile.Read(ref cuts));
        await Poll.UntilAsync(() => budget.Total == 0, () => $"{budget.Total} bytes are still counted for a subscriber that is gone.", Bound);
    }

    [Fact]
    public async Task AnUnexpectedFaultOnTheRelayThreadEndsThatConnectionOnlyAndTheRelayGoesOn()
    {
        // The budget's callback runs on the relay's thread; here it throws what no socket call would.
        var budget = new PeerByteBudget(maxQueuedBytes: 64 * 1024, maxTotalBytes: 64 * 1024, () => throw new NotSupportedException("a fault of ours"));
        using var guard = Start(budget);
        using (var subscriber = await ConnectAsync(guard))
        using (var netmq = await _backend.AcceptAsync().WaitAsync(Bound))
        {
            await subscriber.SendAsync(RawZmtpPeer.Greeting().Concat(RawZmtpPeer.Ready("SUB")).ToArray(), SocketFlags.None);
            var publishing = PublishUntilClosedAsync(netmq);
            Assert.True(await publishing.WaitAsync(Bound), "The connection whose relay failed should have been closed.");
            await Poll.UntilAsync(() => budget.Total == 0, () => $"{budget.Total} bytes are still counted for a connection that is gone.", Bound);
        }

        // The same guard (one relay thread) still relays the next connection, both ways.
        using var peer = await ConnectAsync(guard);
        using var next = await _backend.AcceptAsync().WaitAsync(Bound);
        byte[] up = [.. RawZmtpPeer.Greeting(), .. RawZmtpPeer.Ready()];
        await peer.SendAsync(up, SocketFlags.None);
        Assert.Equal(up, await ReceiveAsync(next, up.Length).WaitAsync(Bound));
        await next.SendAsync(up, SocketFlags.None);
        Assert.Equal(up, await ReceiveAsync(peer, up.Length).WaitAsync(Bound));
    }

    [Fact]
    public async Task DisposingTheGuardCutsItsOpenConnectionsAndReleasesWhatWasHeldForThem()
    {
        var budget = new PeerByteBudget(maxQueuedBytes: 64 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024, () => { });
        var guard = Start(budget);
        using var subscriber = await ConnectAsync(guard);
        using var netmq = await _backend.AcceptAsync().WaitAsync(Bound);
        await subscriber.SendAsync(RawZmtpPeer.Greeting().Concat(RawZmtpPeer.Ready("SUB")).ToArray(), SocketFlags.None);
        var publishing = Task.Run(async () =>
        {
            try
            {
                await netmq.SendAsync(new byte[8 * 1024 * 1024], SocketFlags.None);
            }
            catch (SocketException)
            {
                // the relay closed its side
            }
        });
        await Poll.UntilAsync(() => budget.Total > 0, () => "The relay never held bytes for a subscriber that reads nothing.", Bound);

        guard.Dispose();

        Assert.Equal(0, budget.Total); // the loop has stopped, and ended every connection, when Dispose returns
        await ReceiveUntilClosedAsync(subscriber).WaitAsync(Bound); // the subscriber's connection was closed
        await publishing.WaitAsync(Bound);
        guard.Dispose(); // a second time is no fault
    }

    /// <summary>Reads until the end of the stream or a reset (what came before is not looked at).</summary>
    private static async Task ReceiveUntilClosedAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // reset: closed all the same
        }
    }

    [Fact]
    public async Task ARelayedSocketResetByItsPeerFaultsAsAReset()
    {
        using var near = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await near.ConnectAsync(_backend.LocalEndPoint!).WaitAsync(Bound);
        using (var far = await _backend.AcceptAsync().WaitAsync(Bound))
            far.LingerState = new LingerOption(true, 0); // closed with a reset
        await Poll.UntilAsync(() => near.Poll(0, SelectMode.SelectRead), () => "The reset never arrived.", Bound);

        var fault = Assert.Throws<SocketException>(() => LinuxSockets.Receive((int)near.Handle, new byte[16]));
        Assert.Equal(SocketError.ConnectionReset, fault.SocketErrorCode);
    }

    private ZmtpGuard Start(PeerByteBudget? subscriberBudget)
    {
        var limits = new GuardLimits(new ConnectionGate(ConnectionDoor.Zmq, 10, 10), MaxFrameBytes: 1024 * 1024, MaxMessageBytes: 64 * 1024 * 1024,
            HandshakeTimeout: Bound, subscriberBudget);
        var metrics = new GatewayMetrics(_services.GetRequiredService<IMeterFactory>());
        return ZmtpGuard.Start(new IPEndPoint(IPAddress.Loopback, 0), _backend.LocalEndPoint!, limits, metrics, NullLogger.Instance);
    }

    private static async Task<Socket> ConnectAsync(ZmtpGuard guard)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = SmallBuffer, SendBufferSize = SmallBuffer };
        await socket.ConnectAsync(guard.Endpoint).WaitAsync(Bound);
        return socket;
    }

    private static byte[] Stream(Random random, byte[] start)
    {
        var stream = new List<byte>(start);
        for (var i = 0; stream.Count < 16 * 1024 * 1024; i++)
        {
            var body = new byte[random.Next(1, 1024 * 1024)];
            random.NextBytes(body);
            stream.AddRange(RawZmtpPeer.Frame(body, more: i % 2 == 0));
        }
        stream.AddRange(RawZmtpPeer.Frame([], more: false)); // the last message ends
        return [.. stream];
    }

    private static async Task SendAndShutdownAsync(Socket socket, byte[] bytes)
    {
        await socket.SendAsync(bytes, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int length)
    {
        var received = new byte[length];
        for (var at = 0; at < length;)
        {
            var read = await socket.ReceiveAsync(received.AsMemory(at), SocketFlags.None);
            Assert.NotEqual(0, read);
            at += read;
        }
        return received;
    }

    private static async Task<byte[]> ReceiveToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[SmallBuffer];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            received.Write(buffer, 0, read);
        return received.ToArray();
    }

    /// <summary>NetMQ's side publishes up to 64 MiB; true once the relay closed it (a subscriber cut), false if all went through.</summary>
    private static Task<bool> PublishUntilClosedAsync(Socket netmq) => Task.Run(async () =>
    {
        var chunk = new byte[64 * 1024];
        try
        {
            for (var sent = 0L; sent < 64L * 1024 * 1024; sent += chunk.Length)
                await netmq.SendAsync(chunk, SocketFlags.None);
            return false;
        }
        catch (SocketException)
        {
            return true; // the relay closed its side
        }
    });
}
