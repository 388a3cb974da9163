using System.Text.Json.Serialization;
using MessageQueue.Gateway.Ingest;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>What an instance says of itself at each heartbeat: who listens on its doors and how busy it is.</summary>
/// <param name="UpdatesPerMinute">Its doors' accepted updates, as the overview's chart counts them (same points).</param>
/// <param name="Subjects">Only the subjects with a listener on this instance, by name.</param>
/// <param name="Sources">Its ingest sources (null from a version before them).</param>
internal sealed record InstanceReport(
    int Browsers, int ZmqSubscribers, int EventStreams, int[] UpdatesPerMinute, Dictionary<string, SubjectListeners> Subjects,
    IReadOnlyList<IngestSourceStatus>? Sources = null)
{
    /// <summary>
    /// False for a report some other version wrote without one of these fields: the serializer reads a missing field
    /// as null rather than refuse it, and the overview would fail on it for every dashboard.
    /// </summary>
    [JsonIgnore]
    public bool IsWhole => UpdatesPerMinute is not null && Subjects is not null && Subjects.Values.All(s => s is not null);
}

internal sealed record SubjectListeners(int Browsers, int ZmqSubscribers, int EventStreams);

/// <summary>Another live instance, as its last heartbeat described it.</summary>
internal sealed record PeerInstance(string Name, DateTimeOffset StartedAt, InstanceReport Report);

[JsonSerializable(typeof(InstanceReport))]
internal sealed partial class PresenceJson : JsonSerializerContext;

/// <summary>
/// The other live instances, as <see cref="InstanceHeartbeat"/> last read them from the store. When it could not read
/// them for longer than an instance may stay silent, nobody is assumed alive: an overview then shows this instance
/// alone rather than counts that may be long gone.
/// </summary>
internal sealed class ClusterPresence(TimeProvider clock)
{
    private volatile Heard? _heard;

    private sealed record Heard(IReadOnlyList<PeerInstance> Peers, DateTimeOffset At, TimeSpan ValidFor);

    public void Update(IReadOnlyList<PeerInstance> peers, TimeSpan validFor) => _heard = new(peers, clock.GetUtcNow(), validFor);

    public IReadOnlyList<PeerInstance> Peers() =>
        _heard is { } heard && clock.GetUtcNow() - heard.At <= heard.ValidFor ? heard.Peers : [];
}
