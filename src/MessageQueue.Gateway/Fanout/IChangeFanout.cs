using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Fanout;

/// <summary>
/// The one path from a committed change to every door: the change stream. The store writer calls
/// <see cref="Publish"/> after each commit with its changes in commit order, once the catalog has taken them; an
/// implementation hands them to every <see cref="IChangeSink"/> in that order. It must not block the caller. Today
/// the sinks are in this process; a distributed implementation relays through a bus to the sinks of every instance.
/// </summary>
public interface IChangeFanout
{
    void Publish(SubjectChange change);
}

/// <summary>A door that shows changes to its clients (ZeroMQ PUB, SignalR groups, event streams).</summary>
public interface IChangeSink
{
    /// <summary>A short name for logs and metrics.</summary>
    string Name { get; }

    /// <summary>
    /// True when <see cref="DeliverAsync"/> only hands the change to queues of the sink's own, completes before it
    /// returns and never waits: the fan-out then calls it on the publishing thread rather than from a delivery loop,
    /// one thread hop fewer per change. False for a sink whose delivery does work that must not hold up the publisher.
    /// </summary>
    bool EnqueuesOnly => false;

    /// <summary>
    /// Whether the change gives this sink anything to do right now (an update of a subject nobody here watches does
    /// not). Asked on the publishing thread, so a sink with nobody to show a change to costs it no hop; it must be
    /// cheap and thread safe.
    /// </summary>
    bool Wants(SubjectChange change) => true;

    /// <summary>Delivers one change. Called for one change at a time, in publish order.</summary>
    ValueTask DeliverAsync(SubjectChange change, CancellationToken cancellationToken);
}
