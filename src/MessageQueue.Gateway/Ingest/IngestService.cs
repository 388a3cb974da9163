using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Legacy.Guard;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Gateway.Zmq;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// Runs the ingest sources: one <see cref="ZmqSocketHost"/> (one poller thread) owns their sockets, a <c>pull</c>
/// source's bound behind the ZMTP guard (and a CURVE server with the legacy door's key), a <c>sub</c> source's
/// connected out. Registered after the legacy door, so it starts once that door's PUB endpoint is known (the loop
/// check) and stops before the store writer, which then commits what the sources handed it last.
/// </summary>
/// <remarks>
/// Seams left for later steps: a <c>sub</c> source runs on every instance (the scale-out lease that would give it to
/// one instance at a time goes in <see cref="StartAsync"/>); per-source rate limits and readiness go in <see cref="IngestSource"/>.
/// </remarks>
internal sealed partial class IngestService(
    SubjectService service,
    SubjectValidator validator,
    ZmqEndpoints zmqEndpoints,
    ConnectionBudget connections,
    GatewayMetrics metrics,
    DoorTelemetry telemetry,
    TimeProvider time,
    IOptions<IngestOptions> options,
    IOptions<SubjectOptions> subjectOptions,
    IOptions<ZmqOptions> zmqOptions,
    IOptions<StoreOptions> storeOptions,
    ILogger<IngestService> logger) : IHostedService, IDisposable
{
    /// <summary>What CurveZMQ adds around a message, as for the legacy door.</summary>
    private const int CurveOverhead = 64;

    private readonly ZmqHostQueue<Action> _completions = new();
    private volatile IngestSource[] _sources = []; // replaced, never changed, so that a health check may read it during start
    private readonly Lock _stopGate = new();
    private ZmqSocketHost? _host;
    private Task? _stop;

    /// <summary>The sources by name, once started (tests read a pull source's bound endpoint here).</summary>
    public IReadOnlyDictionary<string, string> Endpoints => _sources.ToDictionary(s => s.Name, s => s.Endpoints);

    /// <summary>Every source as it is now, in configuration order (none before start).</summary>
    public IReadOnlyList<IngestSourceStatus> Statuses() => [.. _sources.Select(s => s.Status())];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var sources = options.Value.Sources;
        if (sources.Count == 0)
            return Task.CompletedTask;
        RefuseLoops(sources);

        var zmq = zmqOptions.Value;
        var hardMax = options.Value.HardMaxFrameBytes;
        _host = new ZmqSocketHost(new ZmqHostSettings("zmq-ingest", TimeSpan.Zero, zmq.Curve.ServerCertificate()), metrics, logger);
        var frame = (long)hardMax + CurveOverhead;
        var limits = new GuardLimits(connections.Zmq, frame, 2 * (frame + ZmtpStreamCheck.FrameCost), TimeSpan.FromSeconds(zmq.HandshakeTimeoutSeconds));
        var store = storeOptions.Value;
        var share = Math.Max(1, store.MaxQueuedChanges / 2 / sources.Count);
        for (var i = 0; i < sources.Count; i++)
        {
            // Together the sources fill at most half the store's queue, so the other doors always find room; a pull
            // source needs no more than two batches waiting to keep the writer busy (its peers wait meanwhile).
            var window = sources[i].IsPull ? Math.Min(2 * store.MaxBatchSize, share) : share;
            var decoder = new IngestDecoder(sources[i], validator, subjectOptions.Value);
            var source = new IngestSource(sources[i], decoder, service, _completions, metrics, telemetry, time, window, logger);
            source.Open(_host, limits, hardMax, i);
            source.StartReading();
            _sources = [.. _sources, source];
            Log.Reading(logger, source.Name, sources[i].Kind, source.Endpoints, sources[i].Subject is { Length: > 0 } fixedSubject ? fixedSubject : "subjects named by topics");
        }
        _host.Poll(_completions, static action => action());
        _host.Start();
        return Task.CompletedTask;
    }

    /// <remarks>
    /// A host may be stopped twice at once (a test host stops it while its entry point does too): both callers share
    /// one stop, so the second never reaches a poller the first has disposed.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
            return _stop ??= StopSourcesAsync();
    }

    private async Task StopSourcesAsync()
    {
        if (_host is not { Started: true } host)
            return;
        host.StopAccepting();
        // ConfigureAwait(false): a host stopped synchronously must not need its caller's context to finish.
        await host.InvokeAsync(() =>
        {
            foreach (var source in _sources)
            {
                if (source.Stop() is > 0 and var lost)
                    Log.StoppedHolding(logger, source.Name, lost);
            }
        }).ConfigureAwait(false);
        await host.CloseAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _host?.Dispose();
        _completions.Dispose();
    }

    /// <summary>The configuration check cannot see a PUB endpoint bound on port 0; the bound one is known now.</summary>
    private void RefuseLoops(List<IngestSourceOptions> sources)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i].IsPull)
                continue;
            var key = $"{IngestOptions.SectionName}:{nameof(IngestOptions.Sources)}:{i}";
            var loop = sources[i].AllEndpoints.FirstOrDefault(e => OwnEndpoint.IsSame(e, zmqEndpoints.PublishEndpoint));
            if (loop is not null)
                throw new OptionsValidationException(IngestOptions.SectionName, typeof(IngestOptions), [IngestOptionsValidator.LoopMessage(key, loop)]);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9000, LogLevel.Information, "Ingest source {Source} ({Kind}) reading {Endpoints} into {Subject}")]
        public static partial void Reading(ILogger logger, string source, string kind, string endpoints, string subject);

        [LoggerMessage(9001, LogLevel.Warning, "Ingest source {Source} stopped with {Count} messages read but not stored (the store was refusing them)")]
        public static partial void StoppedHolding(ILogger logger, string source, int count);
    }
}
