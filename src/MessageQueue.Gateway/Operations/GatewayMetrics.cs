using System.Diagnostics;
using System.Diagnostics.Metrics;
using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Ingest;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Operations;

/// <summary>How a door's request ended: answered, refused (the caller's mistake) or failed (the gateway's).</summary>
public enum RequestOutcome
{
    Ok,
    Refused,
    Error,
}

/// <summary>How one attempt to send a mail ended.</summary>
public enum MailOutcome
{
    Sent,
    Retried,
    Parked,

    /// <summary>The whole mail was sent but the server's answer never came: it may have been delivered.</summary>
    Unknown,
}

/// <summary>
/// The gateway's meter and the instruments recorded on hot paths. Each recording is one Add or Record with tags
/// made once (no allocation); with nobody listening it costs an enabled check. The gauges read on collection
/// live in <see cref="GatewayGauges"/>.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "MessageQueue.Gateway";

    private static readonly KeyValuePair<string, object?>[] DoorTags = [Tag("door", "zmq"), Tag("door", "rest"), Tag("door", "hub")];
    private static readonly KeyValuePair<string, object?>[] OutcomeTags = [Tag("outcome", "ok"), Tag("outcome", "refused"), Tag("outcome", "error")];
    private static readonly KeyValuePair<string, object?>[] MailTags = [Tag("outcome", "sent"), Tag("outcome", "retried"), Tag("outcome", "parked"), Tag("outcome", "unknown")];
    private static readonly KeyValuePair<string, object?>[] ConnectionDoorTags = [Tag("door", "zmq"), Tag("door", "http")];
    private static readonly KeyValuePair<string, object?>[] RefusalTags = [Tag("reason", "door_full"), Tag("reason", "address_full"), Tag("reason", "accept_failed")];
    private static readonly KeyValuePair<string, object?> Overflow = Tag("reason", "overflow");
    private static readonly KeyValuePair<string, object?> Failed = Tag("reason", "failed");
    private static readonly KeyValuePair<string, object?> IngestStored = Tag("outcome", "stored");
    private static readonly KeyValuePair<string, object?> IngestDroppedTag = Tag("outcome", "dropped");
    private static readonly KeyValuePair<string, object?> IngestRepeatedTag = Tag("outcome", "repeated");
    private static readonly KeyValuePair<string, object?>[] IngestDropTags = [Tag("reason", "empty"), Tag("reason", "too_large"), Tag("reason", "invalid_utf8"),
        Tag("reason", "frames"), Tag("reason", "unmatched_topic"), Tag("reason", "bad_subject"), Tag("reason", "unknown_subject"), Tag("reason", "create_refused"),
        Tag("reason", "refused"), Tag("reason", "busy"), Tag("reason", "rate_limited"), Tag("reason", "error"),
        Tag("reason", "tnetstring"), Tag("reason", "bad_item"), Tag("reason", "no_channel"), Tag("reason", "no_content"), Tag("reason", "standby")];
    private static readonly KeyValuePair<string, object?>[] IngestPauseTags = [Tag("reason", "store"), Tag("reason", "rate")];
    private static readonly KeyValuePair<string, object?>[] IngestConnectionTags = [Tag("outcome", "closed"), Tag("outcome", "unreachable"),
        Tag("outcome", "handshake_failed"), Tag("outcome", "violation")]; // in the order of OutgoingOutcome

    private static readonly double[] LatencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Counter<long> _requests;
    private readonly Counter<long> _accepted;
    private readonly Histogram<double> _fanoutDuration;
    private readonly Histogram<double> _storeWait;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _undelivered;
    private readonly Counter<long> _mailAttempts;
    private readonly Counter<long> _connectionsRefused;
    private readonly Counter<long> _ingested;
    private readonly Counter<long> _ingestPauses;
    private readonly Counter<long> _ingestLeases;
    private readonly Counter<long> _ingestConnections;
    private readonly Counter<long> _seenLive;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        _requests = Meter.CreateCounter<long>("messagequeue.requests", "{request}",
            "Requests answered per door (zmq, rest, hub) and outcome (ok, refused, error).");
        _accepted = Meter.CreateCounter<long>("messagequeue.updates.accepted", "{update}",
            "Updates stored and handed to the fan-out, per door they came in by.");
        _fanoutDuration = Meter.CreateHistogram("messagequeue.fanout.duration", "s",
            "From an update's commit to a sink having handed it on (queued to its sockets), per sink.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _storeWait = Meter.CreateHistogram("messagequeue.store.wait", "s",
            "From a change's submission to the start of the commit that takes it (the wait for the store writer).", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _commitDuration = Meter.CreateHistogram("messagequeue.store.commit.duration", "s",
            "One commit of the store writer, from its start to durable (one disk flush for every change in it).", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _batchSize = Meter.CreateHistogram<int>("messagequeue.store.commit.changes", "{change}",
            "Changes committed together in one commit (group commit).", tags: null,
            new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        _undelivered = Meter.CreateCounter<long>("messagequeue.fanout.undelivered", "{update}",
            "Updates a sink did not hand on: dropped from its full queue (overflow) or lost to an error (failed).");
        _mailAttempts = Meter.CreateCounter<long>("messagequeue.email.attempts", "{attempt}",
            "Attempts to send a mail since start, by outcome: sent, retried (failed, will retry), parked (given up).");
        _connectionsRefused = Meter.CreateCounter<long>("messagequeue.connections.refused", "{connection}",
            "Connections closed as soon as they were accepted, per door (zmq, http) and reason (door_full, address_full), and accepts that failed (accept_failed).");
        _ingested = Meter.CreateCounter<long>("messagequeue.ingest.messages", "{message}",
            "Messages read from ZeroMQ ingest sources, per source and outcome: stored, repeated (a Pushpin item whose id was stored before), "
            + "or dropped with a reason (empty, too_large, invalid_utf8, frames, "
            + "unmatched_topic, bad_subject, unknown_subject, create_refused, refused, busy, rate_limited, error, tnetstring, bad_item, no_channel, no_content, standby).");
        _ingestPauses = Meter.CreateCounter<long>("messagequeue.ingest.pauses", "{pause}",
            "Times a pull ingest source stopped reading (its PUSH peers wait meanwhile), per source and reason: the store was busy or unavailable (store), or the source was over its rate limit (rate).");
        _ingestLeases = Meter.CreateCounter<long>("messagequeue.ingest.leases", "{lease}",
            "Times this instance took a sub ingest source's lease (several instances on PostgreSQL): it reads the source from then on, the others stand by.");
        _ingestConnections = Meter.CreateCounter<long>("messagequeue.ingest.connections", "{connection}",
            "Connections of sub ingest sources to their publishers, through the outgoing ZMTP guard, per source and how they ended: closed (after a handshake), "
            + "unreachable, handshake_failed, or violation (the publisher's bytes broke ZMTP and the guard cut it).");
        _seenLive = Meter.CreateCounter<long>("messagequeue.email.seen_live", "{range}",
            "Runs of updates that pages reported received, by outcome: marked (an address's mark moved over it: not mailed), "
            + "dropped (too many waiting: mailed as usual).");
    }

    /// <summary>The meter, for the gauges that share it.</summary>
    public Meter Meter { get; }

    public static KeyValuePair<string, object?> DoorTag(Door door) => DoorTags[(int)door];

    public void Request(Door door, RequestOutcome outcome) => _requests.Add(1, DoorTags[(int)door], OutcomeTags[(int)outcome]);

    public void Accepted(string origin) => _accepted.Add(1, Tag("door", origin));

    /// <summary>A sink handed on an update published at <paramref name="publishedAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void FannedOut(in KeyValuePair<string, object?> sinkTag, long publishedAt) =>
        _fanoutDuration.Record(Stopwatch.GetElapsedTime(publishedAt).TotalSeconds, sinkTag);

    /// <summary>A commit that started at <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp) took <paramref name="changes"/> changes.</summary>
    public void Committed(long startedAt, int changes)
    {
        _commitDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        _batchSize.Record(changes);
    }

    /// <summary>A change submitted at <paramref name="submittedAt"/> was taken by the commit that started at <paramref name="startedAt"/>.</summary>
    public void WaitedForStore(long submittedAt, long startedAt) =>
        _storeWait.Record(Stopwatch.GetElapsedTime(submittedAt, startedAt).TotalSeconds);

    public void Dropped(in KeyValuePair<string, object?> sinkTag) => _undelivered.Add(1, sinkTag, Overflow);

    public void SinkFailed(in KeyValuePair<string, object?> sinkTag) => _undelivered.Add(1, sinkTag, Failed);

    public void ConnectionRefused(ConnectionDoor door, ConnectionRefusal reason) =>
        _connectionsRefused.Add(1, ConnectionDoorTags[(int)door], RefusalTags[(int)reason]);

    public static KeyValuePair<string, object?> ConnectionDoorTag(ConnectionDoor door) => ConnectionDoorTags[(int)door];

    /// <summary>The tag naming an ingest source, made once per source.</summary>
    public static KeyValuePair<string, object?> SourceTag(string source) => Tag("source", source);

    public void IngestedStored(in KeyValuePair<string, object?> sourceTag) => _ingested.Add(1, sourceTag, IngestStored);

    /// <summary>A message the store already had under its idempotency key: not stored again, nor delivered.</summary>
    public void IngestedRepeated(in KeyValuePair<string, object?> sourceTag) => _ingested.Add(1, sourceTag, IngestRepeatedTag);

    public void IngestDropped(in KeyValuePair<string, object?> sourceTag, IngestDrop reason) =>
        _ingested.Add(1, sourceTag, IngestDroppedTag, IngestDropTags[(int)reason]);

    public void IngestPaused(in KeyValuePair<string, object?> sourceTag, IngestPause reason) => _ingestPauses.Add(1, sourceTag, IngestPauseTags[(int)reason]);

    public void IngestLeaseTaken(in KeyValuePair<string, object?> sourceTag) => _ingestLeases.Add(1, sourceTag);
    internal void IngestConnectionEnded(in KeyValuePair<string, object?> sourceTag, Legacy.Guard.OutgoingOutcome outcome) =>
        _ingestConnections.Add(1, sourceTag, IngestConnectionTags[(int)outcome]);

    public void MailAttempt(MailOutcome outcome) => _mailAttempts.Add(1, MailTags[(int)outcome]);

    /// <summary>Seen-live runs: <c>marked</c> (a mark moved over them) or <c>dropped</c> (past the budget).</summary>
    public void SeenLive(string outcome, long runs) => _seenLive.Add(runs, Tag("outcome", outcome));

    /// <summary>The tag naming a sink, made once per sink.</summary>
    public static KeyValuePair<string, object?> SinkTag(string sink) => Tag("sink", sink);

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
