using System.Text.Json.Serialization;
using MessageQueue.Gateway.Operations;
using NetMQ;

namespace MessageQueue.Gateway.Ingest;

/// <summary>What a source is doing, for <c>/health/ready</c> and the dashboard.</summary>
internal sealed partial class IngestSource
{
    private readonly UpdateRate _storedRate;
    private readonly UpdateRate _droppedRate;
    private readonly LogThrottle _rateLines = new();
    private int _peers;
    private long _lastMessageTicks; // a long, not a DateTimeOffset?, so that another thread never reads half of it

    /// <summary>When it last read a message (any message, stored or not).</summary>
    public DateTimeOffset? LastMessageAt => Volatile.Read(ref _lastMessageTicks) is > 0 and var ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Connections up: publishers a sub source reaches, PUSH peers connected to a pull source.</summary>
    public int Peers => Volatile.Read(ref _peers);

    // Called on the poller thread. A refused or dropped connection reports Disconnected without Accepted or Connected
    // only where it never counted, hence the floor at zero.
    private void CountPeers(SocketEvents e)
    {
        if (e is SocketEvents.Connected or SocketEvents.Accepted)
            Volatile.Write(ref _peers, _peers + 1);
        else if (e is SocketEvents.Disconnected)
            Volatile.Write(ref _peers, Math.Max(0, _peers - 1));
    }

    /// <summary>The source now, as the overview and readiness show it; read off the poller thread, so a moment stale at worst.</summary>
    public IngestSourceStatus Status() => new(
        Name,
        _options.IsPull ? IngestSourceOptions.KindPull : IngestSourceOptions.KindSub,
        Endpoints,
        _held.Count > 0 || WindowFull ? IngestSourceStatus.StoreBusy : _rateWait ? IngestSourceStatus.RateLimited : IngestSourceStatus.Reading,
        Peers,
        _storedRate.PerMinute(1, 1)[0],
        _droppedRate.PerMinute(1, 1)[0],
        LastMessageAt);
}

/// <summary>One ingest source at a glance.</summary>
/// <param name="Name">Its Ingest:Sources:N:Name.</param>
/// <param name="Kind"><c>sub</c> or <c>pull</c>.</param>
/// <param name="Endpoints">Where it reads: the endpoint a pull source bound, those a sub source connects to.</param>
/// <param name="State"><c>reading</c>; <c>store-busy</c> (a pull source holding what the store refused, its peers waiting);
/// <c>rate-limited</c> (a pull source over its rate, waiting a moment).</param>
/// <param name="Peers">Connections up: publishers a sub source reaches, PUSH peers of a pull source.</param>
/// <param name="StoredLastMinute">Messages stored as updates in the last minute.</param>
/// <param name="DroppedLastMinute">Messages dropped in the last minute (the reasons are on <c>/metrics</c>).</param>
/// <param name="LastMessageAt">When it last read a message.</param>
public sealed record IngestSourceStatus(
    string Name, string Kind, string Endpoints, string State, int Peers, int StoredLastMinute, int DroppedLastMinute, DateTimeOffset? LastMessageAt)
{
    public const string Reading = "reading";
    public const string StoreBusy = "store-busy";
    public const string RateLimited = "rate-limited";

    /// <summary>A sub source reaching none of its publishers: ZeroMQ reconnects, the gateway is degraded meanwhile.</summary>
    [JsonIgnore]
    public bool Disconnected => Kind == IngestSourceOptions.KindSub && Peers == 0;
}
