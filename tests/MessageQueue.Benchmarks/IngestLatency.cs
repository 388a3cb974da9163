using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>One server's run of updates, one at a time, from a PUSH publisher to its WebSocket clients.</summary>
internal sealed record DeliveryRun(int WarmupUpdates, int Updates, long Delivered, long Expected, int Probes, Latency ToClients, CpuWindow Cpu)
{
    /// <summary>The server's CPU (every thread, or every Pushpin process) over the measured updates, per delivery.</summary>
    public double CpuMicrosPerDelivery => Cpu.Server.TotalMicroseconds / Math.Max(1, Delivered);
}

/// <summary>The latency part of the ingest group: the gateway (ingest → hub) and Pushpin (PUSH input → WebSocket).</summary>
internal sealed record IngestLatencyResult(int Connections, DeliveryRun Gateway, DeliveryRun Pushpin);

/// <summary>
/// End-to-end latency from a ZeroMQ PUSH publisher in this generator to N WebSocket clients: the gateway's <c>pull</c>
/// source fanned out to lean SignalR clients on one subject, against Pushpin's PUSH input fanned out to WebSocket
/// clients its GRIP backend subscribed to one channel. The same marker text ("m42") in each server's own publish
/// format; one update at a time, the next once every client has it. One server at a time, its clients closed after.
/// </summary>
internal static class IngestLatency
{
    public const string Subject = SubscriberLatency.Subject;
    private const int MaxTimeouts = 3;
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan JitWindow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan JitQuiet = TimeSpan.FromMilliseconds(10);

    public static IngestLatencyResult Run(ServerProcess gateway, string pullEndpoint, PushpinServer pushpin, BenchmarkOptions options)
    {
        var capacity = MaxWarmup(options) + options.FanoutUpdates;
        var connections = options.HubConnections;
        DeliveryRun onGateway, onPushpin;
        using (var clients = HubClients.Open(HubClientKind.Lean, gateway.HttpAddress, Subject, connections, capacity, OpenTimeout))
        using (var publisher = new IngestPublisher(pullEndpoint, PlainMessage))
        {
            onGateway = Measure("gateway", clients, publisher, () => new CpuMeter(gateway).Stop, () => gateway.Jit.CpuSinceLastCall() > JitQuiet, options);
        }
        using (var clients = HubClients.Open(new PushpinClients(connections, capacity), pushpin.HttpAddress, PushpinServer.Channel, OpenTimeout))
        using (var publisher = new IngestPublisher(pushpin.PushEndpoint, PushpinMessage))
        {
            onPushpin = Measure("pushpin", clients, publisher, () => new PushpinMeter(pushpin).Stop, () => false, options);
        }
        return new IngestLatencyResult(connections, onGateway, onPushpin);
    }

    public static int MaxWarmup(BenchmarkOptions options) => 10 * options.FanoutWarmupUpdates;

    /// <summary>The gateway's plain format: the topic names the subject, the last frame is the text.</summary>
    public static NetMQMessage PlainMessage(string text)
    {
        var message = new NetMQMessage();
        message.Append(Subject);
        message.Append(text);
        return message;
    }

    /// <summary>Pushpin's ZeroMQ publish format: <c>J</c> then a JSON item with the text as a WebSocket message.</summary>
    private static NetMQMessage PushpinMessage(string text)
    {
        var item = JsonSerializer.Serialize(new { channel = PushpinServer.Channel, formats = new Dictionary<string, object> { ["ws-message"] = new { content = text } } });
        var message = new NetMQMessage();
        message.Append(Encoding.UTF8.GetBytes("J" + item));
        return message;
    }

    private static DeliveryRun Measure(string name, HubClients clients, IngestPublisher publisher, Func<Func<CpuWindow>> startMeter, Func<bool> jitBusy, BenchmarkOptions options)
    {
        var probes = Probe(name, clients, publisher);
        var number = 0;
        var timeouts = 0;
        // Warm-up: at least the configured updates, then on while the server's JIT is busy (within the limit).
        var jitCheck = Stopwatch.StartNew();
        jitBusy();
        while (number < MaxWarmup(options))
        {
            Post(name, clients, publisher, number++, ref timeouts);
            if (number < options.FanoutWarmupUpdates || jitCheck.Elapsed < JitWindow)
                continue;
            if (!jitBusy())
                break;
            jitCheck.Restart();
        }
        var first = number;
        var stop = startMeter();
        while (number < first + options.FanoutUpdates && timeouts < MaxTimeouts)
            Post(name, clients, publisher, number++, ref timeouts);
        var cpu = stop();
        if (timeouts >= MaxTimeouts)
            throw new TimeoutException($"{MaxTimeouts} updates through {name} did not reach every client within {UpdateTimeout.TotalSeconds} s{(clients.Failure is { } failure ? $" (first failure: {failure})" : "")}.");
        var measured = number - first;
        var delivered = Enumerable.Range(first, measured).Sum(n => (long)clients.Delivered(n));
        var run = new DeliveryRun(first, measured, delivered, (long)measured * clients.Count, probes, Latency.FromTicks(clients.Latencies(first, number)), cpu);
        Console.WriteLine(Invariant($"  ingest latency, {clients.Count:N0} WebSockets    {name,-8} p50 {run.ToClients.P50Ms:0.00} ms  p99 {run.ToClients.P99Ms:0.00} ms  max {run.ToClients.MaxMs:0.00} ms  delivered {run.Delivered:N0}/{run.Expected:N0}  server {run.CpuMicrosPerDelivery:0.0} µs CPU/delivery  ({run.WarmupUpdates} warm-up, {probes} probes)"));
        return run;
    }

    /// <summary>One update to every client, timed from just before it is sent.</summary>
    private static void Post(string name, HubClients clients, IngestPublisher publisher, int number, ref int timeouts)
    {
        clients.Sent(number, Stopwatch.GetTimestamp());
        publisher.Send($"m{number}");
        if (clients.WaitComplete(number, UpdateTimeout))
            return;
        timeouts++;
        Console.WriteLine(Invariant($"  update m{number} through {name}: {clients.Delivered(number)} of {clients.Count} clients within {UpdateTimeout.TotalSeconds:0} s{(clients.Failure is { } failure ? $" (first failure: {failure})" : "")}"));
    }

    /// <summary>Sends probes until every client has one: its subscription is in place and the PUSH socket connected.</summary>
    private static int Probe(string name, HubClients clients, IngestPublisher publisher)
    {
        var probes = 0;
        var joining = Stopwatch.StartNew();
        do
        {
            if (joining.Elapsed > ProbeTimeout)
                throw new TimeoutException($"Not every client of {name} had a probe within {ProbeTimeout.TotalSeconds} s{(clients.Failure is { } failure ? $" (first failure: {failure})" : "")}.");
            publisher.Send($"p{probes++}");
        }
        while (!clients.WaitAllJoined(TimeSpan.FromMilliseconds(200)));
        return probes;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A PUSH socket connected to a server's PULL input, sending each text in that server's format.</summary>
internal sealed class IngestPublisher : IDisposable
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private readonly PushSocket _socket = new();
    private readonly Func<string, NetMQMessage> _format;

    public IngestPublisher(string endpoint, Func<string, NetMQMessage> format)
    {
        _format = format;
        _socket.Options.Linger = TimeSpan.Zero;
        _socket.Connect(endpoint);
    }

    public void Send(string text)
    {
        if (!_socket.TrySendMultipartMessage(SendTimeout, _format(text)))
            throw new TimeoutException($"The server took no message for {SendTimeout.TotalSeconds} s.");
    }

    public void Dispose() => _socket.Dispose();
}
