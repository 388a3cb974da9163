using System.Collections.Concurrent;
using MessageQueue.Gateway.Legacy.Guard;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Gateway.Zmq;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// One ingest source: its socket (owned by the ingest's <see cref="ZmqSocketHost"/>, touched only on its poller thread),
/// the decoding of its messages and their way into the application service, like every door's.
/// </summary>
/// <remarks>
/// Back-pressure: a source has at most a window of updates waiting for the store (a share of its queue, so that the
/// other doors find room); a <c>pull</c> source with a full window reads nothing until one is answered, a <c>sub</c>
/// source drops. When the store refuses an update as busy or unavailable, a <c>pull</c> source holds it and stops
/// reading (ZeroMQ then queues up to the high-water marks, and PUSH peers wait), retrying until the store takes it, then
/// reads on. A <c>sub</c> source cannot make a publisher wait: it keeps reading and counts what it drops. Updates go to
/// the store in the order read; only one the store failed to commit after taking it is retried behind later ones.
/// While a subject is being created the source reads nothing, so the update that asked for it is stored first.
/// </remarks>
internal sealed partial class IngestSource
{
    private const int MessagesPerWakeup = 256;
    private const int MaxFramesKept = 3; // enough to tell [topic, payload] from more
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(1);

    private readonly IngestSourceOptions _options;
    private readonly IngestDecoder _decoder;
    private readonly SubjectService _service;
    private readonly ZmqHostQueue<Action> _completions;
    private readonly ConcurrentQueue<(IngestMessage Message, Task<SubjectResult<SubjectUpdate>> Done)> _posted = new();
    private readonly Action _takePosted;
    private int _postedSignalled;
    private readonly GatewayMetrics _metrics;
    private readonly DoorTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _sourceTag;
    private readonly string _origin;
    private readonly LogThrottle[] _dropLines = Enum.GetValues<IngestDrop>().Select(_ => new LogThrottle()).ToArray();
    private readonly LogThrottle _pauseLines = new();
    private readonly List<byte[]> _frames = new(MaxFramesKept);
    private readonly Queue<IngestMessage> _held = new();
    private readonly SourceRateLimit _rate;
    private readonly TimeProvider _time;
    private NetMQSocket? _socket;
    private bool _reading;
    private bool _stopped;
    private bool _retryQueued;
    private bool _retryTimed;
    private bool _rateWait;
    private int _creating;
    private readonly int _window;
    private int _inFlight; // posted, not yet answered by the store
    private TimeSpan _retryDelay = FirstRetry;

    public IngestSource(IngestSourceOptions options, IngestDecoder decoder, SubjectService service, ZmqHostQueue<Action> completions,
        GatewayMetrics metrics, DoorTelemetry telemetry, TimeProvider time, int window, ILogger logger)
    {
        _window = window;
        _telemetry = telemetry;
        _time = time;
        _rate = new SourceRateLimit(options.MaxMessagesPerSecond, options.MaxBytesPerSecond, time);
        _storedRate = new UpdateRate(time);
        _droppedRate = new UpdateRate(time);
        _options = options;
        _decoder = decoder;
        _service = service;
        _completions = completions;
        _takePosted = TakePosted;
        _metrics = metrics;
        _logger = logger;
        _sourceTag = GatewayMetrics.SourceTag(options.Name);
        _origin = options.Origin;
    }

    public string Name => _options.Name;

    /// <summary>Where it reads: the endpoint bound (a port 0 resolved) or those connected to.</summary>
    public string Endpoints { get; private set; } = "";

    /// <summary>
    /// Makes the socket and binds (pull, behind the guard) or connects it (sub, through outgoing guards), before the
    /// host starts; a <paramref name="leased"/> sub source connects only once it holds its lease.
    /// </summary>
    public void Open(ZmqSocketHost host, GuardLimits limits, int hardMaxFrameBytes, int index, bool leased)
    {
        _leased = leased && !_options.IsPull;
        if (_options.IsPull)
        {
            var pull = new PullSocket();
            Configure(pull, hardMaxFrameBytes);
            host.Monitor(pull, SocketEvents.Accepted | SocketEvents.Disconnected, CountPeers);
            var setting = $"{IngestOptions.SectionName}:{nameof(IngestOptions.Sources)}:{index}:{nameof(IngestSourceOptions.Endpoint)}";
            Endpoints = host.Bind(pull, setting, _options.AllEndpoints.Single(), limits);
            _socket = pull;
        }
        else
        {
            OpenSub(host, new OutgoingLimits(limits.MaxFrameBytes, limits.MaxMessageBytes, limits.HandshakeTimeout), hardMaxFrameBytes);
        }
    }

    private void Configure(NetMQSocket socket, int hardMaxFrameBytes)
    {
        socket.Options.ReceiveHighWatermark = _options.ReceiveHighWatermark;
        socket.Options.MaxMsgSize = hardMaxFrameBytes;
    }

    /// <summary>Starts reading (on the poller thread, or before the host starts).</summary>
    public void StartReading() => Resume();

    /// <summary>Reads nothing more (on the poller thread); what was read and not stored is given up.</summary>
    public int Stop()
    {
        _stopped = true;
        Pause();
        var lost = _held.Count;
        _held.Clear();
        return lost;
    }

    private void Resume()
    {
        if (_reading || _stopped || _held.Count > 0 || _creating > 0 || _rateWait || WindowFull)
            return;
        _socket!.ReceiveReady += OnReady;
        _reading = true;
    }

    private void Pause()
    {
        if (!_reading)
            return;
        _socket!.ReceiveReady -= OnReady;
        _reading = false;
    }

    private void OnReady(object? sender, NetMQSocketEventArgs e)
    {
        // A bounded number per wake-up, so the completions and the other sources get their turn.
        for (var i = 0; i < MessagesPerWakeup && _reading; i++)
        {
            if (WindowFull)
            {
                WaitForStore();
                return;
            }
            if (_options.IsPull && !_rate.Allows())
            {
                WaitForRate();
                return;
            }
            if (!TryRead(out var frameCount, out var bytes))
                return;
            Volatile.Write(ref _lastMessageTicks, _time.GetUtcNow().UtcTicks);
            if (StandingBy)
            {
                Drop(IngestDrop.Standby); // read after the lease was lost: another instance may store it
                continue;
            }
            if (!_rate.Allows())
            {
                Drop(IngestDrop.RateLimited);
                continue;
            }
            _rate.Take(bytes);
            try
            {
                if (_decoder.TryDecode(_frames, frameCount, out var message, out var drop, out var detail))
                    Take(message);
                else
                    Drop(drop, detail);
            }
            catch (Exception ex)
            {
                Drop(IngestDrop.Error, ex.GetType().Name);
                Log.Failed(_logger, Name, ex);
            }
        }
    }

    /// <summary>Reads one whole message, keeping its first frames; false when none is waiting.</summary>
    private bool TryRead(out int frameCount, out int bytes)
    {
        _frames.Clear();
        frameCount = 0;
        bytes = 0;
        var socket = _socket!;
        if (!socket.TryReceiveFrameBytes(TimeSpan.Zero, out var frame, out var more))
            return false;
        _frames.Add(frame!);
        frameCount = 1;
        bytes = frame!.Length;
        while (more)
        {
            frame = socket.ReceiveFrameBytes(out more);
            bytes += frame.Length;
            if (++frameCount <= MaxFramesKept)
                _frames.Add(frame);
        }
        return true;
    }

    /// <summary>A decoded message: into its subject, made first where the source may create subjects; held when the store is busy.</summary>
    private void Take(IngestMessage message)
    {
        if (!TrySubmit(message))
            Hold(message);
    }

    /// <summary>False only when a pull source's update was refused at once as busy (nothing else was done with it).</summary>
    private bool TrySubmit(IngestMessage message)
    {
        if (!_service.GetSubject(message.Subject).Succeeded)
        {
            if (_options.CreateSubjects)
                Create(message);
            else
                Drop(IngestDrop.UnknownSubject, message.Subject);
            return true;
        }
        if (!_options.IsPull && _inFlight >= _window)
        {
            Drop(IngestDrop.Busy, $"{_inFlight} updates of this source already wait for the store");
            return true;
        }
        var posting = _service.PostUpdateAsync(message.Subject, message.Text, _origin, message.IdempotencyKey);
        if (posting.IsCompletedSuccessfully)
        {
            var result = posting.Result;
            if (_options.IsPull && result.Error?.Kind == SubjectErrorKind.Unavailable)
                return false;
            Posted(message, result);
            return true;
        }
        _inFlight++;
        posting.ContinueWith(static (done, state) =>
        {
            var (source, message) = ((IngestSource, IngestMessage))state!;
            source.HandOver(message, done);
        }, (this, message), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>
    /// On the thread that completed the post (the store writer's, a whole batch in a row): queued for the poller, which
    /// is woken once per run of completions, not once per update, so the writer does not pay a socket signal per update.
    /// </summary>
    private void HandOver(IngestMessage message, Task<SubjectResult<SubjectUpdate>> done)
    {
        _posted.Enqueue((message, done));
        if (Interlocked.Exchange(ref _postedSignalled, 1) == 0)
            _completions.Enqueue(_takePosted);
    }

    /// <summary>On the poller thread: every post completed since the last wake-up, in order.</summary>
    private void TakePosted()
    {
        Volatile.Write(ref _postedSignalled, 0); // before reading: a post completed from now on signals again
        while (_posted.TryDequeue(out var posted))
            Posted(posted.Message, posted.Done);
    }

    private void Posted(IngestMessage message, Task<SubjectResult<SubjectUpdate>> done)
    {
        _inFlight--; // the window has room again
        if (_held.Count > 0)
            ScheduleRetry(TimeSpan.Zero);
        else
            Resume();
        if (done.IsCompletedSuccessfully)
            Posted(message, done.Result);
        else
            Drop(IngestDrop.Error, done.Exception?.InnerException?.GetType().Name);
    }

    private void Posted(IngestMessage message, SubjectResult<SubjectUpdate> result)
    {
        if (result.Succeeded)
        {
            if (result.Value!.IsRepeat)
            {
                _metrics.IngestedRepeated(_sourceTag); // stored before under its id: nothing was stored nor delivered now
            }
            else
            {
                _metrics.IngestedStored(_sourceTag);
                _telemetry.Accepted(result.Value); // an update like any door's: counted per door and on the overview's chart
                _storedRate.Record();
            }
            if (_held.Count > 0 && _creating == 0)
                ScheduleRetry(TimeSpan.Zero); // the store took one: it may take the held ones too
            return;
        }
        switch (result.Error!.Kind)
        {
            case SubjectErrorKind.Unavailable when _options.IsPull:
                Hold(message);
                break;
            case SubjectErrorKind.Unavailable:
                Drop(IngestDrop.Busy, result.Error.Message);
                break;
            case SubjectErrorKind.SubjectNotFound:
                Drop(IngestDrop.UnknownSubject, message.Subject);
                break;
            case SubjectErrorKind.TooLarge:
                Drop(IngestDrop.TooLarge, result.Error.Message);
                break;
            default:
                Drop(IngestDrop.Refused, result.Error.Message);
                break;
        }
    }

    /// <summary>Creates the message's subject, reading nothing meanwhile, then stores the message.</summary>
    private void Create(IngestMessage message)
    {
        _creating++;
        Pause();
        _service.CreateSubjectAsync(message.Subject, null).ContinueWith(static (done, state) =>
        {
            var (source, message) = ((IngestSource, IngestMessage))state!;
            source._completions.Enqueue(() => source.Created(message, done));
        }, (this, message), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Created(IngestMessage message, Task<SubjectResult<SubjectSnapshot>> done)
    {
        _creating--;
        if (_stopped)
            return;
        var result = done.IsCompletedSuccessfully ? done.Result : new SubjectError(SubjectErrorKind.Unavailable, "The subject could not be created.");
        if (result.Succeeded)
            Log.Created(_logger, Name, message.Subject);
        if (result.Succeeded || _service.GetSubject(message.Subject).Succeeded)
            Take(message); // created, by this message or meanwhile by another door
        else if (result.Error!.Kind == SubjectErrorKind.Unavailable && _options.IsPull)
            Hold(message);
        else if (result.Error.Kind == SubjectErrorKind.Unavailable)
            Drop(IngestDrop.Busy, result.Error.Message);
        else
            Drop(IngestDrop.CreateRefused, result.Error.Message);
        if (_held.Count > 0)
            ScheduleRetry(TimeSpan.Zero);
        Resume();
    }

    private void Drop(IngestDrop reason, string? detail = null)
    {
        _metrics.IngestDropped(_sourceTag, reason);
        _droppedRate.Record();
        if (_dropLines[(int)reason].ShouldLog(out var suppressed))
            Log.Dropped(_logger, Name, reason, detail ?? "", suppressed);
    }
}
