using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Legacy.Guard;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Security;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Gateway.Zmq;
using Microsoft.Extensions.Options;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// The legacy ZeroMQ door: a ROUTER socket that answers REQ clients (replies may go out of order, so a slow
/// store write for one client never holds up another) and an XPUB socket for subscribers: to SUB clients it is a PUB
/// socket, and it tells the gateway which topics they hold. A <see cref="ZmqSocketHost"/> owns both sockets on its
/// poller thread (guards, Curve, teardown); other threads reach them only through the <see cref="ZmqOutbox"/>.
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
    private ZmqSocketHost? _host;
    private RouterSocket? _router;
    private XPublisherSocket? _publisher;
    private int _inFlight;
    private bool _draining;
    private Task? _drain;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var curve = _options.Curve.ServerCertificate();
        _host = new ZmqSocketHost(new ZmqHostSettings("zmq-door", TimeSpan.FromMilliseconds(_options.LingerMilliseconds), curve, _options.DisableGuardForMeasurement),
            metrics, logger);
        var maxFrameBytes = (long)_options.HardMaxRequestBytes + CurveOverhead;
        var handshakeTimeout = TimeSpan.FromSeconds(_options.HandshakeTimeoutSeconds);

        _router = new RouterSocket();
        _router.Options.MaxMsgSize = _options.HardMaxRequestBytes;
        var requests = new GuardLimits(connections.Zmq, maxFrameBytes, maxFrameBytes + EnvelopeRoom, handshakeTimeout);
        endpoints.ReplyEndpoint = _host.Bind(_router, $"{ZmqOptions.SectionName}:{nameof(ZmqOptions.ReplyEndpoint)}", _options.ReplyEndpoint, requests);

        _publisher = new XPublisherSocket();
        _publisher.Options.MaxMsgSize = _options.MaxRequestBytes; // subscriptions are short; a peer sending more is cut off
        _publisher.Options.SendHighWatermark = _options.PublishHighWatermark;
        var subscriptions = new GuardLimits(connections.Zmq, MaxSubscriptionBytes + CurveOverhead, MaxSubscriptionBytes + CurveOverhead + ZmtpStreamCheck.FrameCost,
            handshakeTimeout, new PeerByteBudget(_options.MaxSubscriberBytes, _options.MaxSubscriberBytesTotal, SubscriberCut));
        endpoints.PublishEndpoint = _host.Bind(_publisher, $"{ZmqOptions.SectionName}:{nameof(ZmqOptions.PublishEndpoint)}", _options.PublishEndpoint, subscriptions);

        _router.ReceiveReady += OnRequests;
        _publisher.ReceiveReady += OnSubscriptions;
        _host.Poll(outbox.Frames, Send);
        _host.Start();
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

    /// <summary>First of the doors to stop: read no more requests and answer the ones in flight.</summary>
    /// <remarks>
    /// A host may be stopped twice at once (a test host stops it while its entry point does too): both callers
    /// share one drain, and the socket host shares its close.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
            return _drain ??= DrainAsync(cancellationToken);
    }

    /// <summary>
    /// After every service has stopped, the store writer and the fan-out included: publish what they handed over
    /// last, then close the sockets (<see cref="ZmqSocketHost.CloseAsync"/>).
    /// </summary>
    public Task StoppedAsync(CancellationToken cancellationToken) => _host?.CloseAsync() ?? Task.CompletedTask;

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_host is not { Started: true } host)
            return;
        endpoints.Listening = false;
        host.StopAccepting();

        // ConfigureAwait(false): a host stopped synchronously must not need its caller's context to finish.
        await host.InvokeAsync(BeginDraining).ConfigureAwait(false);
        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.StoppedWithRequestsInFlight(logger, Volatile.Read(ref _inFlight));
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _host?.Dispose();

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

    private void Send(OutgoingFrame outgoing)
    {
        if (outgoing.IsPublication)
        {
            SendOwned(_publisher!, outgoing.Frame, more: false);
            return;
        }
        SendReply(outgoing.Envelope!, outgoing.Frame);
        if (--_inFlight == 0 && _draining)
            _drained.TrySetResult();
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
        SendOwned(_router!, reply, more: false);
    }

    /// <summary>
    /// Sends a frame nobody changes afterwards without copying it: SendFrame would copy it into a new buffer first (a
    /// whole content window, 64 KiB, for every publication).
    /// </summary>
    private static void SendOwned(NetMQSocket socket, byte[] frame, bool more)
    {
        var message = new Msg();
        message.InitGC(frame, frame.Length);
        socket.Send(ref message, more);
        message.Close();
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
