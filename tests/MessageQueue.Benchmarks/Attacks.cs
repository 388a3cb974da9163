using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>What an attack is aimed at: the gateway's doors, the admin key, how many connections to open, when to stop.</summary>
internal sealed record AttackTarget(ServerProcess Gateway, string ApiKey, int Connections, long MaxBytes, IPAddress Source, CancellationToken Stop);

/// <summary>One attack: it runs until <see cref="AttackTarget.Stop"/>, then lets go of everything and says what it did.</summary>
internal sealed record Attack(string Name, string Description, Func<AttackTarget, string> Run);

/// <summary>
/// The attacks of issue 13 that a peer can make without credentials (or with a key but bad input), each from this
/// process over loopback. None reads the gateway's answers beyond what it must: the point is what the gateway holds.
/// </summary>
internal static class Attacks
{
    /// <summary>The subject the never-reading subscriber's stream is posted to (created by the scenario with the admin key).</summary>
    public const string FloodSubject = "Flood";

    private const int FloodUpdatesPerSecond = 100;
    private const int RefusedCallsPerSecond = 100;
    private const int MultipartFrameBytes = 1024 * 1024;

    public static IReadOnlyList<Attack> All { get; } =
    [
        new("idle REQ connections", "TCP connections to the legacy REQ port, opened as fast as they are accepted and left idle", t => IdleConnections(Endpoint(t.Gateway.ReplyEndpoint), t)),
        new("idle PUB connections", "the same to the PUB port", t => IdleConnections(Endpoint(t.Gateway.PublishEndpoint), t)),
        new("slow HTTP headers", "slowloris: HTTP connections to Kestrel, each sending a header line one byte a second", SlowHeaders),
        new("unfinished multipart", "a raw ZMTP peer on the REQ port sending 1 MiB frames with MORE and never the last frame (reconnecting if cut)", UnfinishedMultipart),
        new("never-reading SUB", string.Create(CultureInfo.InvariantCulture, $"a SUB socket subscribed to everything that never reads (receive high-water mark 1), while {FloodUpdatesPerSecond} updates/s of 1 KB go to one subject"), NeverReadingSubscriber),
        new("refused hub calls", string.Create(CultureInfo.InvariantCulture, $"{RefusedCallsPerSecond} hub calls/s (RateLimiting's default rate), refused: half PostUpdate without a key, half with a key and an invalid subject name"), RefusedHubCalls),
    ];

    private static IPEndPoint Endpoint(string zmqEndpoint)
    {
        var uri = new Uri(zmqEndpoint.Replace("tcp://", "http://", StringComparison.Ordinal));
        return new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
    }

    private static IPEndPoint Endpoint(Uri http) => new(IPAddress.Parse(http.Host), http.Port);

    /// <summary>A connection attempt from the target's source address, of at most a second; null when refused or not accepted in time.</summary>
    private static Socket? Connect(IPEndPoint endpoint, AttackTarget target)
    {
        var stop = target.Stop;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (!target.Source.Equals(IPAddress.Loopback))
                socket.Bind(new IPEndPoint(target.Source, 0));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            socket.ConnectAsync(endpoint, timeout.Token).AsTask().GetAwaiter().GetResult();
            return socket;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Closes with a reset, so thousands of closes leave no TIME_WAIT behind.</summary>
    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        socket.Dispose();
    }

    /// <summary>True when the peer has closed the connection (readable with nothing to read, or an error).</summary>
    private static bool ClosedByPeer(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static string IdleConnections(IPEndPoint endpoint, AttackTarget target)
    {
        var sockets = new List<Socket>(target.Connections);
        var failed = 0;
        var clock = Stopwatch.StartNew();
        var opening = TimeSpan.Zero;
        while (sockets.Count < target.Connections && !target.Stop.IsCancellationRequested)
        {
            if (Connect(endpoint, target) is { } socket)
            {
                sockets.Add(socket);
                opening = clock.Elapsed;
                continue;
            }
            failed++;
            target.Stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50));
        }
        target.Stop.WaitHandle.WaitOne();
        var open = sockets.Count(s => !ClosedByPeer(s));
        sockets.ForEach(Abort);
        return Invariant($"{sockets.Count:N0} of {target.Connections:N0} opened (the last {opening.TotalSeconds:0.0} s in), {failed:N0} attempts failed; {open:N0} still open at the end");
    }

    private static string SlowHeaders(AttackTarget target)
    {
        var endpoint = Endpoint(target.Gateway.HttpAddress);
        var start = Encoding.ASCII.GetBytes($"GET /api/subjects HTTP/1.1\r\nHost: {endpoint}\r\nX-Slow: ");
        var sockets = new List<Socket>(target.Connections);
        int failed = 0, cut = 0;
        var clock = Stopwatch.StartNew();
        var opening = TimeSpan.Zero;
        var trickle = Stopwatch.StartNew();
        while (!target.Stop.IsCancellationRequested)
        {
            // Open up to the count (again, for those the gateway cut), then one more byte on each, once a second.
            while (sockets.Count < target.Connections && !target.Stop.IsCancellationRequested && trickle.Elapsed < TimeSpan.FromSeconds(1))
            {
                if (Connect(endpoint, target) is not { } socket)
                {
                    failed++;
                    target.Stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50));
                    continue;
                }
                try
                {
                    socket.Send(start);
                    socket.Blocking = false;
                    sockets.Add(socket);
                }
                catch (SocketException)
                {
                    cut++;
                    Abort(socket);
                }
            }
            if (sockets.Count == target.Connections && opening == TimeSpan.Zero)
                opening = clock.Elapsed;
            if (trickle.Elapsed < TimeSpan.FromSeconds(1))
                target.Stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1) - trickle.Elapsed);
            trickle.Restart();
            for (var i = sockets.Count - 1; i >= 0; i--)
            {
                try
                {
                    sockets[i].Send("a"u8);
                }
                catch (SocketException ex) when (ex.SocketErrorCode != SocketError.WouldBlock)
                {
                    cut++;
                    Abort(sockets[i]);
                    sockets.RemoveAt(i);
                }
            }
        }
        cut += sockets.Count(ClosedByPeer);
        var held = sockets.Count(s => !ClosedByPeer(s));
        sockets.ForEach(Abort);
        var opened = opening == TimeSpan.Zero ? "never all open" : Invariant($"all open in {opening.TotalSeconds:0.0} s");
        return Invariant($"{held:N0} of {target.Connections:N0} held at the end ({opened}), {failed:N0} attempts failed, {cut:N0} cut by the gateway");
    }

    private static string UnfinishedMultipart(AttackTarget target)
    {
        var endpoint = Endpoint(target.Gateway.ReplyEndpoint);
        var frame = new byte[9 + MultipartFrameBytes];
        frame[0] = 0x03; // MORE and LONG: an eight-byte size follows
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(1), MultipartFrameBytes);
        long sent = 0;
        int connections = 0, cut = 0, failed = 0;
        while (!target.Stop.IsCancellationRequested && sent < target.MaxBytes)
        {
            if (Connect(endpoint, target) is not { } socket)
            {
                failed++;
                target.Stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50));
                continue;
            }
            connections++;
            using var stream = new NetworkStream(socket, ownsSocket: false);
            try
            {
                // A REQ peer's greeting and READY, then the empty delimiter frame, then the body that never ends.
                stream.WriteAsync(Zmtp.Hello("REQ"), target.Stop).AsTask().GetAwaiter().GetResult();
                stream.WriteAsync(new byte[] { 0x01, 0x00 }, target.Stop).AsTask().GetAwaiter().GetResult();
                while (sent < target.MaxBytes)
                {
                    stream.WriteAsync(frame, target.Stop).AsTask().GetAwaiter().GetResult();
                    sent += MultipartFrameBytes;
                }
            }
            catch (IOException)
            {
                cut++;
            }
            catch (OperationCanceledException)
            {
                // The attack's time is up.
            }
            Abort(socket);
        }
        if (!target.Stop.IsCancellationRequested)
            target.Stop.WaitHandle.WaitOne();
        return Invariant($"{sent / (1024.0 * 1024):N0} MiB sent in frames of 1 MiB over {connections} connection(s), {cut} cut by the gateway, {failed} attempts failed{(sent >= target.MaxBytes ? " (stopped at the --attack-max-rss budget)" : "")}");
    }

    private static string NeverReadingSubscriber(AttackTarget target)
    {
        using var subscriber = new SubscriberSocket();
        subscriber.Options.Linger = TimeSpan.Zero;
        subscriber.Options.ReceiveHighWatermark = 1;
        subscriber.Options.ReceiveBuffer = 4096;
        subscriber.Connect(target.Gateway.PublishEndpoint);
        subscriber.Subscribe("");

        var text = new string('x', 1023);
        RequestSocket? requester = null;
        int accepted = 0, refused = 0, timedOut = 0;
        var interval = TimeSpan.FromSeconds(1.0 / FloodUpdatesPerSecond);
        var clock = Stopwatch.StartNew();
        var due = TimeSpan.Zero;
        try
        {
            while (!target.Stop.IsCancellationRequested)
            {
                requester ??= Requester(target.Gateway.ReplyEndpoint);
                if (!requester.TrySendFrame(TimeSpan.FromSeconds(2), LegacyFrames.UpdateRequest(FloodSubject, text))
                    || !requester.TryReceiveFrameString(TimeSpan.FromSeconds(2), out var reply))
                {
                    timedOut++;
                    requester.Dispose();
                    requester = null;
                    continue;
                }
                if (reply == LegacyFrames.Success)
                    accepted++;
                else
                    refused++;
                due += interval;
                var ahead = due - clock.Elapsed;
                if (ahead > TimeSpan.Zero)
                    target.Stop.WaitHandle.WaitOne(ahead);
            }
        }
        finally
        {
            requester?.Dispose();
        }
        return Invariant($"{accepted:N0} updates of 1 KB accepted ({refused} refused, {timedOut} timed out); the subject's content, which each publication carries, reached about {(accepted + 1) / 1024.0:0.0} MB");
    }

    private static RequestSocket Requester(string endpoint)
    {
        var socket = new RequestSocket();
        socket.Options.Linger = TimeSpan.Zero;
        socket.Connect(endpoint);
        return socket;
    }

    private static string RefusedHubCalls(AttackTarget target)
    {
        var url = new Uri(target.Gateway.HttpAddress, "/hubs/subjects");
        var anonymous = new HubConnectionBuilder().WithUrl(url).Build();
        var keyed = new HubConnectionBuilder().WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(target.ApiKey)).Build();
        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        var accepted = 0;
        try
        {
            anonymous.StartAsync(target.Stop).WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            keyed.StartAsync(target.Stop).WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            var interval = TimeSpan.FromSeconds(1.0 / RefusedCallsPerSecond);
            var clock = Stopwatch.StartNew();
            var due = TimeSpan.Zero;
            for (var n = 0; !target.Stop.IsCancellationRequested; n++)
            {
                var (hub, subject) = n % 2 == 0 ? (anonymous, "React") : (keyed, "no such/subject");
                try
                {
                    hub.InvokeAsync<object>("PostUpdate", subject, "x").WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                    accepted++;
                }
                catch (HubException ex)
                {
                    // "An unexpected error occurred invoking 'PostUpdate' on the server. HubException: unauthorized: ..."
                    var reason = ex.Message[(ex.Message.LastIndexOf("HubException: ", StringComparison.Ordinal) is var at and >= 0 ? at + 14 : 0)..];
                    reason = reason.Split(':')[0];
                    refusals[reason] = refusals.GetValueOrDefault(reason) + 1;
                }
                due += interval;
                var ahead = due - clock.Elapsed;
                if (ahead > TimeSpan.Zero)
                    target.Stop.WaitHandle.WaitOne(ahead);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or HttpRequestException or IOException or InvalidOperationException)
        {
            refusals[$"connection lost ({ex.GetType().Name})"] = 1;
        }
        finally
        {
            anonymous.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            keyed.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        }
        var total = refusals.Values.Sum();
        return Invariant($"{total:N0} calls refused ({string.Join(", ", refusals.Select(r => Invariant($"{r.Key} {r.Value:N0}")))}), {accepted} accepted");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>ZMTP 3.0 as a peer opens it, by hand (NULL mechanism): enough to reach the door's message framing.</summary>
internal static class Zmtp
{
    /// <summary>The 64-byte greeting, then a READY command naming the socket type.</summary>
    public static byte[] Hello(string socketType)
    {
        var greeting = new byte[64];
        greeting[0] = 0xFF;
        greeting[9] = 0x7F;
        greeting[10] = 3;
        "NULL"u8.CopyTo(greeting.AsSpan(12));
        var body = new List<byte> { 5 };
        body.AddRange("READY"u8.ToArray());
        body.Add((byte)"Socket-Type".Length);
        body.AddRange("Socket-Type"u8.ToArray());
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, socketType.Length);
        body.AddRange(length);
        body.AddRange(Encoding.ASCII.GetBytes(socketType));
        return [.. greeting, 0x04, (byte)body.Count, .. body];
    }
}
