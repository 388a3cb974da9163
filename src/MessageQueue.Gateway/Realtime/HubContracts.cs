using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Ingest;

namespace MessageQueue.Gateway.Realtime;

/// <summary>What the hub sends to browsers.</summary>
public interface ISubjectsClient
{
    /// <summary>An accepted update of a subject the connection subscribed to, in sequence order.</summary>
    Task Update(UpdateResource update);

    /// <summary>A subscribed subject was deleted; the connection is no longer subscribed to it.</summary>
    Task SubjectDeleted(string subject);

    /// <summary>The operations view, every Hub:OverviewIntervalMilliseconds to connections that watch it.</summary>
    Task Overview(Overview overview);
}

/// <summary>The answer to Subscribe: the subject's state and what the caller missed since its position.</summary>
/// <param name="Subject">The subject's name.</param>
/// <param name="Content">The content as of <paramref name="LastSequence"/>, within the content window.</param>
/// <param name="LastSequence">Live updates continue after this sequence number; ignore any at or below it.</param>
/// <param name="LastUpdatedAt">When the newest update was accepted; null before the first.</param>
/// <param name="EmailCount">How many email addresses are registered on it.</param>
/// <param name="Updates">The updates after the caller's position up to <paramref name="LastSequence"/>, oldest first.</param>
/// <param name="Gap">True when <paramref name="Updates"/> does not start right after the caller's position (it missed more
/// than Hub:MaxReplayUpdates, or its position is past the subject's newest update): start again from the content.</param>
/// <param name="SubjectId">Which subject of that name this is: one deleted and created again gets a new id. A client
/// whose position came from another id must take the answer as a gap, whatever <paramref name="Gap"/> says.</param>
/// <param name="MaxContentBytes">The content window (Subjects:MaxContentBytes): a client that appends live updates to
/// <paramref name="Content"/> drops whole lines from the front beyond it, as the gateway does.</param>
public sealed record Subscription(
    string Subject, string Content, long LastSequence, DateTimeOffset? LastUpdatedAt, int EmailCount,
    IReadOnlyList<UpdateResource> Updates, bool Gap, int SubjectId, int MaxContentBytes);

/// <summary>A subject in the list, with who is listening right now.</summary>
/// <param name="Name">The subject's name.</param>
/// <param name="LastSequence">Sequence number of its newest update; 0 before the first.</param>
/// <param name="LastUpdatedAt">When its newest update was accepted; null before the first.</param>
/// <param name="EmailCount">How many email addresses are registered on it.</param>
/// <param name="Browsers">Hub connections subscribed to it.</param>
/// <param name="ZmqSubscribers">Distinct ZeroMQ topics held that match it, as the XPUB socket reports them (two clients on one topic count once).</param>
/// <param name="EventStreams">Server-sent event streams open on it (the REST door).</param>
public sealed record SubjectPresence(string Name, long LastSequence, DateTimeOffset? LastUpdatedAt, int EmailCount, int Browsers, int ZmqSubscribers, int EventStreams);

/// <summary>The gateway at a glance: every live instance summed (each instance's doors as its last heartbeat told).</summary>
/// <param name="Subjects">Every subject with its presence.</param>
/// <param name="Browsers">Hub connections open.</param>
/// <param name="ZmqSubscribers">Distinct ZeroMQ topics held, per instance, summed.</param>
/// <param name="EventStreams">Server-sent event streams open.</param>
/// <param name="UpdatesPerMinute">Updates accepted in the minute before each point, oldest first, one point every
/// <paramref name="StepSeconds"/>; the last point is the minute up to now.</param>
/// <param name="StepSeconds">Seconds between points of <paramref name="UpdatesPerMinute"/>.</param>
/// <param name="Instances">The live instances, this one first.</param>
public sealed record Overview(
    IReadOnlyList<SubjectPresence> Subjects, int Browsers, int ZmqSubscribers, int EventStreams, IReadOnlyList<int> UpdatesPerMinute, int StepSeconds,
    IReadOnlyList<InstanceSummary> Instances);

/// <summary>One live gateway instance in the overview.</summary>
/// <param name="Name">Its Instance:Name.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="IsThis">True for the instance that answered.</param>
/// <param name="Browsers">Hub connections open on it.</param>
/// <param name="ZmqSubscribers">Distinct ZeroMQ topics held on it.</param>
/// <param name="EventStreams">Server-sent event streams open on it.</param>
/// <param name="UpdatesLastMinute">Updates its doors accepted in the last minute.</param>
/// <param name="Sources">Its ZeroMQ ingest sources.</param>
public sealed record InstanceSummary(
    string Name, DateTimeOffset StartedAt, bool IsThis, int Browsers, int ZmqSubscribers, int EventStreams, int UpdatesLastMinute,
    IReadOnlyList<IngestSourceStatus> Sources);
