using System.Diagnostics.Metrics;
using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Connections;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Realtime;

namespace MessageQueue.Gateway.Operations;

/// <summary>The gauges: read when metrics are collected (a scrape), never on a hot path.</summary>
internal sealed class GatewayGauges
{
    public GatewayGauges(GatewayMetrics metrics, BrowserPresence browsers, LiveUpdateFeed streams, ZmqSubscriptions zmq, OutboxCounts outbox,
        ConnectionBudget connections)
    {
        var meter = metrics.Meter;
        meter.CreateObservableGauge("messagequeue.browsers.connected", () => browsers.Connections, "{connection}",
            "Hub connections (browsers and other SignalR clients) open now.");
        meter.CreateObservableGauge("messagequeue.event_streams.open", () => streams.OpenStreams, "{stream}",
            "Server-sent event streams open now.");
        meter.CreateObservableGauge("messagequeue.zmq.subscriptions", () => zmq.Total, "{topic}",
            "Distinct topics ZeroMQ subscribers hold now.");
        meter.CreateObservableGauge("messagequeue.connections.open", () => PerDoor(connections, static gate => gate.Open), "{connection}",
            "Connections open now per door (zmq: both legacy ports; http: every HTTP connection, WebSockets included).");
        meter.CreateObservableGauge("messagequeue.connections.limit", () => PerDoor(connections, static gate => gate.Max), "{connection}",
            "The cap on open connections per door, sized from the open-files limit at start.");
        meter.CreateObservableGauge<int>("messagequeue.outbox.depth", () => Measure(outbox.Read()?.Pending), "{mail}",
            "Mails waiting to be sent, retries included.");
        meter.CreateObservableGauge<int>("messagequeue.outbox.awaiting_expansion", () => Measure(outbox.Read()?.AwaitingExpansion), "{mail}",
            "Confirmations not yet turned into a mail, and registrations whose updates wait for their next mail.");
        meter.CreateObservableGauge<int>("messagequeue.outbox.parked", () => Measure(outbox.Read()?.Parked), "{mail}",
            "Mails given up on (a permanent refusal or too many attempts).");
    }

    private static Measurement<int>[] PerDoor(ConnectionBudget budget, Func<ConnectionGate, int> read) =>
    [
        new(read(budget.Zmq), GatewayMetrics.ConnectionDoorTag(ConnectionDoor.Zmq)),
        new(read(budget.Http), GatewayMetrics.ConnectionDoorTag(ConnectionDoor.Http)),
    ];

    // No measurement when the store could not be read: a gap in the series, not a false zero.
    private static IEnumerable<Measurement<int>> Measure(int? value) => value is { } count ? [new Measurement<int>(count)] : [];
}
