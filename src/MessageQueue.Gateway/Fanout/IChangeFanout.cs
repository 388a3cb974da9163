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

    /// <summary>Delivers one change. Called for one change at a time, in publish order.</summary>
    ValueTask DeliverAsync(SubjectChange change, CancellationToken cancellationToken);
}
