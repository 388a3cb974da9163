using MessageQueue.Gateway.Hosting;
using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Legacy.Guard;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Security;
using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// The legacy ZeroMQ door: a ROUTER socket that answers REQ clients (replies may go out of order, so a slow
/// store write for one client never holds up another) and an XPUB socket for subscribers: to SUB clients it is a PUB
/// socket, and it tells the gateway which topics they hold. One poller thread owns both sockets; other threads reach
/// them only through the <see cref="ZmqOutbox"/>.
/// </summary>
internal sealed partial class ZmqDoor(
    LegacyRequestHandler handler,
    ZmqOutbox outbox,
    ZmqEndpoints endpoints,
    ZmqSubscriptions subscriptions,
    DoorTelemetry telemetry,
    BacklogMetrics backlog,
    ConnectionBudget connections,
    GatewayMetrics metrics,
    IOptions<ZmqOptions> options,
    ILogger<ZmqDoor> logger) : IHostedLifecycleService, IDisposable
{
    private const int MaxFramesPerRequest = 64;
    private const int RequestsPerWakeup = 256;

    /// <summary>What CurveZMQ adds around a message (a MESSAGE command's name, nonce, MAC and flags), so the guard's cap does not cut what NetMQ would take.</summary>
    private const int CurveOverhead = 64;

    /// <summary>Room in a whole message for what comes besides its body: a routing envelope's frames (up to 255 bytes each).</summary>
    private const int EnvelopeRoom = MaxFramesPerRequest * (255 + ZmtpStreamCheck.FrameCost);

    /// <summary>A SUB peer sends only subscriptions: a byte, then a topic (a subject's name, or a prefix of one).</summary>
    private const int MaxSubscriptionBytes = 1024;

    private readonly ZmqOptions _options = options.Value;
    private readonly LogThrottle _subscriberCuts = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<byte[]> _frames = [];
    private readonly Lock _stopGate = new();
    private RouterSocket? _router;
    private XPublisherSocket? _publisher;
    private NetMQPoller? _poller;
    private ZmtpGuard? _replyGuard;
    private ZmtpGuard? _publishGuard;
    private bool _socketsClosed;
    private int _inFlight;
    private bool _draining;
    private Task? _drain;
    private Task? _close;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var curve = _options.Curve.ServerCertificate();
        _router = new RouterSocket();
        ServeCurve(_router, curve);
        _router.Options.Linger = TimeSpan.FromMilliseconds(_options.LingerMilliseconds);
        _router.Options.MaxMsgSize = _options.HardMaxRequestBytes;
        _router.Options.Backlog = ZmtpGuard.Backlog; // NetMQ's 100 would leave the guard's legs waiting in SYN-SENT, holding their caps
        var maxFrameBytes = (long)_options.HardMaxRequestBytes + CurveOverhead;
        var handshakeTimeout = TimeSpan.FromSeconds(_options.HandshakeTimeoutSeconds);
        var requests = new GuardLimits(connections.Zmq, maxFrameBytes, maxFrameBytes + EnvelopeRoom, handshakeTimeout);
        endpoints.ReplyEndpoint = Bind(_router, $"{ZmqOptions.SectionName}:{nameof(ZmqOptions.ReplyEndpoint)}", _options.ReplyEndpoint, requests, out _replyGuard);

        _publisher = new XPublisherSocket();
        ServeCurve(_publisher, curve);
        _publisher.Options.MaxMsgSize = _options.MaxRequestBytes; // subscriptions are short; a peer sending more is cut off
        _publisher.Options.Linger = TimeSpan.FromMilliseconds(_options.LingerMilliseconds);
        _publisher.Options.Backlog = ZmtpGuard.Backlog;
        _publisher.Options.SendHighWatermark = _options.PublishHighWatermark;
        var subscriptions = new GuardLimits(connections.Zmq, MaxSubscriptionBytes + CurveOverhead, MaxSubscriptionBytes + CurveOverhead + ZmtpStreamCheck.FrameCost,
            handshakeTimeout, new PeerByteBudget(_options.MaxSubscriberBytes, _options.MaxSubscriberBytesTotal, SubscriberCut));
        endpoints.PublishEndpoint = Bind(_publisher, $"{ZmqOptions.SectionName}:{nameof(ZmqOptions.PublishEndpoint)}", _options.PublishEndpoint, subscriptions, out _publishGuard);

        _router.ReceiveReady += OnRequests;
        _publisher.ReceiveReady += OnSubscriptions;
        outbox.Queue.ReceiveReady += OnOutgoing;
        _poller = [_router, _publisher, outbox.Queue];
        _poller.RunAsync("zmq-door");
        endpoints.Listening = true;
        Log.Listening(logger, endpoints.ReplyEndpoint, endpoints.PublishEndpoint);
        if (_options.DisableGuardForMeasurement)
            Log.Unguarded(logger);
        if (curve is not null)
            Log.CurveOn(logger, curve.PublicKeyZ85[..8]);
        else if (!Exposure.IsLoopbackZmqEndpoint(endpoints.ReplyEndpoint) || !Exposure.IsLoopbackZmqEndpoint(endpoints.PublishEndpoint))
            Log.OpenToNetwork(logger);
        return Task.CompletedTask;
    }

    /// <summary>Binds <paramref name="socket"/> behind its guard; a port in use ends start-up with one line naming <paramref name="setting"/>.</summary>
    private string Bind(NetMQSocket socket, string setting, string endpoint, GuardLimits limits, out ZmtpGuard? guard)
    {
        try
        {
            if (_options.DisableGuardForMeasurement)
            {
                guard = null;
                socket.Bind(endpoint);
                return socket.Options.LastEndpoint ?? endpoint;
            }
            return ZmtpGuard.BindBehind(socket, endpoint, limits, metrics, logger, out guard);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or NetMQException)
        {
            throw StartupFailure.ZmqBindFailure(setting, endpoint, e);
        }
    }

    /// <summary>Makes the socket a CURVE server (before it binds); <paramref name="certificate"/> null leaves it plain.</summary>
    private static void ServeCurve(NetMQSocket socket, NetMQCertificate? certificate)
    {
        if (certificate is null)
            return;
        socket.Options.CurveServer = true;
        socket.Options.CurveCertificate = certificate;
    }

    /// <summary>First of the doors to stop: read no more requests and answer the ones in flight.</summary>
    /// <remarks>
    /// A host may be stopped twice at once (a test host stops it while its entry point does too): both callers
    /// share one drain and one close, so neither goes on to dispose the sockets under the other.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
            return _drain ??= DrainAsync(cancellationToken);
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
            return _close ??= CloseAsync();
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_poller is null)
            return;
        endpoints.Listening = false;
        _replyGuard?.StopAccepting();
        _publishGuard?.StopAccepting();

        // ConfigureAwait(false): a host stopped synchronously must not need its caller's context to finish.
        await Task.Factory.StartNew(BeginDraining, CancellationToken.None, TaskCreationOptions.None, _poller).ConfigureAwait(false);
        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.StoppedWithRequestsInFlight(logger, Volatile.Read(ref _inFlight));
        }
    }

    /// <summary>
    /// After every service has stopped, the store writer and the fan-out included: publish what they handed over
    /// last, then close the sockets with a bounded linger, and the guards' connections once NetMQ has closed its side.
    /// </summary>
    private async Task CloseAsync()
    {
        if (_poller is null)
            return;
        await Task.Factory.StartNew(SendQueued, CancellationToken.None, TaskCreationOptions.None, _poller).ConfigureAwait(false);
        outbox.Close();
        _poller.Stop();
        CloseSockets();
        var grace = TimeSpan.FromMilliseconds(_options.LingerMilliseconds) + TimeSpan.FromSeconds(1);
        await Task.WhenAll(_replyGuard?.StopAsync(grace) ?? Task.CompletedTask, _publishGuard?.StopAsync(grace) ?? Task.CompletedTask)
            .ConfigureAwait(false);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        CloseSockets();
        _replyGuard?.Dispose();
        _publishGuard?.Dispose();
    }

    private void CloseSockets()
    {
        if (_socketsClosed)
            return;
        _socketsClosed = true;
        _poller?.Dispose();
        _router?.Dispose();
        _publisher?.Dispose();
    }

    private void SubscriberCut()
    {
        backlog.SubscriberCut();
        if (_subscriberCuts.ShouldLog(out var suppressed))
            Log.SubscriberCut(logger, _options.MaxSubscriberBytes, _options.MaxSubscriberBytesTotal, suppressed);
    }

    private void BeginDraining()
    {
        _router!.ReceiveReady -= OnRequests;
        _draining = true;
        if (_inFlight == 0)
            _drained.TrySetResult();
    }

    private void OnRequests(object? sender, NetMQSocketEventArgs e)
    {
        // Take a bounded number per wake-up so queued replies and publications get their turn.
        for (var i = 0; i < RequestsPerWakeup && ReceiveRequest(out var envelope, out var body); i++)
        {
            if (body is null)
            {
                telemetry.Request(Door.Zmq, RequestOutcome.Refused);
                SendReply(envelope, LegacyRequestHandler.MalformedEnvelope());
                continue;
            }

            ValueTask<byte[]> pending;
            try
            {
                pending = handler.Handle(body);
            }
            catch (Exception ex)
            {
                telemetry.Request(Door.Zmq, RequestOutcome.Error);
                Log.HandlerFailed(logger, ex);
                pending = new(LegacyRequestHandler.ServerError(LegacyRequest.PeekType(body)));
            }

            if (pending.IsCompletedSuccessfully)
            {
                SendReply(envelope, pending.Result);
            }
            else
            {
                _inFlight++;
                _ = ReplyWhenDoneAsync(envelope, body, pending);
            }
        }
    }

    private async Task ReplyWhenDoneAsync(byte[][] envelope, byte[] request, ValueTask<byte[]> pending)
    {
        byte[] reply;
        try
        {
            // Not back onto the poller's synchronization context: the reply goes through the outbox.
            reply = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            telemetry.Request(Door.Zmq, RequestOutcome.Error);
            Log.HandlerFailed(logger, ex);
            reply = LegacyRequestHandler.ServerError(LegacyRequest.PeekType(request));
        }
        outbox.Reply(envelope, reply);
    }

    private void OnSubscriptions(object? sender, NetMQSocketEventArgs e)
    {
        while (_publisher!.TryReceiveFrameBytes(TimeSpan.Zero, out var message))
            subscriptions.Apply(message);
    }

    private void OnOutgoing(object? sender, NetMQQueueEventArgs<OutgoingFrame> e) => SendQueued();

    private void SendQueued()
    {
        while (outbox.Queue.TryDequeue(out var outgoing, TimeSpan.Zero))
        {
            if (outgoing.IsPublication)
            {
                _publisher!.SendFrame(outgoing.Frame);
                continue;
            }
            SendReply(outgoing.Envelope!, outgoing.Frame);
            if (--_inFlight == 0 && _draining)
                _drained.TrySetResult();
        }
    }

    /// <summary>
    /// Reads one whole message: the routing envelope up to the empty delimiter a REQ peer adds, then the body,
    /// which must be exactly one frame (body is null otherwise). A DEALER peer without a delimiter is answered too.
    /// </summary>
    private bool ReceiveRequest(out byte[][] envelope, out byte[]? body)
    {
        envelope = [];
        body = null;
        _frames.Clear();
        bool more;
        var router = _router!;
        if (!router.TryReceiveFrameBytes(TimeSpan.Zero, out var frame, out more))
            return false;
        _frames.Add(frame!);
        var tooManyFrames = false;
        while (more)
        {
            frame = router.ReceiveFrameBytes(out more);
            if (_frames.Count < MaxFramesPerRequest)
                _frames.Add(frame);
            else
                tooManyFrames = true;
        }

        var delimiter = _frames.FindIndex(1, static f => f.Length == 0);
        var envelopeLength = delimiter < 0 ? 1 : delimiter + 1;
        envelope = new byte[envelopeLength][];
        _frames.CopyTo(0, envelope, 0, envelopeLength);
        if (!tooManyFrames && _frames.Count == envelopeLength + 1)
            body = _frames[^1];
        return true;
    }

    private void SendReply(byte[][] envelope, byte[] reply)
    {
        // A peer that left before its reply is simply unknown to the ROUTER, which drops the reply.
        foreach (var frame in envelope)
            _router!.SendMoreFrame(frame);
        _router!.SendFrame(reply);
    }

    private static partial class Log
    {
        [LoggerMessage(3000, LogLevel.Information, "Legacy ZeroMQ door answering on {ReplyEndpoint}, publishing on {PublishEndpoint}")]
        public static partial void Listening(ILogger logger, string replyEndpoint, string publishEndpoint);

        [LoggerMessage(3001, LogLevel.Error, "A legacy request failed unexpectedly; the client got a server error reply")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);

        [LoggerMessage(3002, LogLevel.Warning, "Stopped with {Count} legacy requests still unanswered")]
        public static partial void StoppedWithRequestsInFlight(ILogger logger, int count);

        // Only the start of the public key: NetMQ admits every client that knows it, so it is worth keeping close.
        [LoggerMessage(3003, LogLevel.Information, "Legacy ZeroMQ door requires CurveZMQ, server public key {ServerKeyStart}...; clients are admitted by knowing that key (NetMQ cannot check their own)")]
        public static partial void CurveOn(ILogger logger, string serverKeyStart);

        [LoggerMessage(3004, LogLevel.Warning, "Legacy ZeroMQ door is open to other machines without CurveZMQ (Auth:AllowAnonymous)")]
        public static partial void OpenToNetwork(ILogger logger);

        [LoggerMessage(3005, LogLevel.Warning, "Legacy ZeroMQ door runs WITHOUT its ZMTP guard (Zmq:DisableGuardForMeasurement): for measurement only, a malformed frame can end this process")]
        public static partial void Unguarded(ILogger logger);

        [LoggerMessage(3030, LogLevel.Information, "Disconnected a ZeroMQ subscriber more than {MaxBytes} bytes behind (Zmq:MaxSubscriberBytes), or behind while all subscribers held more than {MaxTotalBytes} (Zmq:MaxSubscriberBytesTotal); {Suppressed} more since the last line")]
        public static partial void SubscriberCut(ILogger logger, long maxBytes, long maxTotalBytes, long suppressed);
    }
}
