using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Fanout;

/// <summary>
/// The one path from an accepted update to every door. The store writer calls <see cref="Publish"/> after the
/// update is committed, in sequence order per subject; an implementation delivers it to every
/// <see cref="IUpdateSink"/> in that order. It must not block the caller. Today the sinks are in this process;
/// a distributed implementation relays through a bus to the sinks of every instance.
/// </summary>
public interface IUpdateFanout
{
    void Publish(SubjectUpdate update);
}

/// <summary>A door that shows updates to its clients (ZeroMQ PUB, SignalR groups, the email outbox).</summary>
public interface IUpdateSink
{
    /// <summary>A short name for logs and metrics.</summary>
    string Name { get; }

    /// <summary>Delivers one update. Called for one update at a time, in publish order.</summary>
    ValueTask DeliverAsync(SubjectUpdate update, CancellationToken cancellationToken);
}
