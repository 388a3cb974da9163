using System.Diagnostics.Metrics;

namespace MessageQueue.Gateway.Operations;

/// <summary>
/// What the budgets on queued bytes did, and what failed after a commit: peers cut for falling too far behind,
/// updates a sink recovered from the store, writes the store refused. Counters on the gateway's meter.
/// </summary>
public sealed class BacklogMetrics
{
    private readonly Counter<long> _subscribersCut;
    private readonly Counter<long> _recovered;
    private readonly Counter<long> _storeWriteFailures;

    public BacklogMetrics(GatewayMetrics metrics)
    {
        var meter = metrics.Meter;
        _subscribersCut = meter.CreateCounter<long>("messagequeue.zmq.subscribers_cut", "{connection}",
            "ZeroMQ subscribers disconnected for falling more than Zmq:MaxSubscriberBytes behind.");
        _recovered = meter.CreateCounter<long>("messagequeue.fanout.recovered", "{update}",
            "Updates a sink failed to hand on after their commit and later handed on from the store, per sink.");
        _storeWriteFailures = meter.CreateCounter<long>("messagequeue.store.write_failures", "{write}",
            "Commits (and idle probe writes) the store refused with a storage error: disk full, read-only, I/O.");
    }

    public void SubscriberCut() => _subscribersCut.Add(1);

    public void Recovered(in KeyValuePair<string, object?> sinkTag, int updates) => _recovered.Add(updates, sinkTag);

    public void StoreWriteFailed() => _storeWriteFailures.Add(1);
}
