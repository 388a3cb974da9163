using System.Diagnostics;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>One door's updates: its reply, and when the ZeroMQ subscriber and the event stream had each one.</summary>
internal sealed record DoorDelivery(Latency Reply, Latency ToSub, Latency ToSse);

/// <summary>The delivery measurement on the gateway: legacy "3" and REST POST updates, alternating.</summary>
internal sealed record DeliveryResult(int UpdatesPerDoor, int Probes, DoorDelivery Legacy, DoorDelivery Rest, CpuWindow Cpu)
{
    /// <summary>Server CPU per update (both doors together): storing it, one PUB frame, one event.</summary>
    public double ServerCpuMicrosPerUpdate => Cpu.Server.TotalMicroseconds / (2 * UpdatesPerDoor);
}

/// <summary>
/// Update-to-reader latency on the gateway, from just before the request is sent to the moment a SUB socket has the
/// publication and an event-stream client has read the event: one update at a time, the next only once both have
/// it. Legacy "3" and REST POST updates alternate, so both doors see the same content sizes and the same machine.
/// </summary>
internal static class RestLatency
{
    public const string Subject = SubscriberLatency.Subject;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Settles both doors, the PUB socket and the event streams with updates on the other subjects.</summary>
    public static void Settle(ServerProcess gateway, int clientCount, BenchmarkOptions options)
    {
        string[] others = [.. LegacyFrames.Subjects.Where(s => s != Subject)];
        using var listeners = new SubscriberGroup(gateway.PublishEndpoint, subject: "", count: 1);
        var streams = new List<SseSubscriber>();
        try
        {
            streams.AddRange(others.Select(s => new SseSubscriber(gateway.HttpAddress, s)));
            var legacy = LoadChannels.Legacy(gateway, Workloads.Updates(others));
            var rest = LoadChannels.Rest(gateway, RestWorkloads.Updates(others));
            RequestLoad.Settle(gateway, client => client % 2 == 0 ? legacy(client) : rest(client), clientCount, options);
        }
        finally
        {
            foreach (var stream in streams)
                stream.Dispose();
        }
    }

    public static DeliveryResult Run(ServerProcess gateway, BenchmarkOptions options)
    {
        using var subscribers = new SubscriberGroup(gateway.PublishEndpoint, Subject, count: 1);
        using var stream = new SseSubscriber(gateway.HttpAddress, Subject);
        using var requester = new RequestSocket();
        requester.Options.Linger = TimeSpan.Zero;
        requester.Connect(gateway.ReplyEndpoint);
        using var http = HttpChannel.CreateClient(gateway.HttpAddress, Timeout);

        // The SUB socket misses what is published before its subscription reaches the PUB: probe until both readers have one.
        var probes = 0;
        var joining = Stopwatch.StartNew();
        do
        {
            if (joining.Elapsed > Timeout)
                throw new TimeoutException($"The subscriber or the event stream of {gateway.Name} got no probe within {Timeout.TotalSeconds} s (stream: {stream.Ended ?? "open"}).");
            SubscriberLatency.Send(requester, LegacyFrames.UpdateRequest(Subject, $"p{probes++}"), gateway);
        }
        while (!subscribers.WaitAllJoined(TimeSpan.FromMilliseconds(20)) || !stream.WaitJoined(TimeSpan.FromMilliseconds(20)));

        Samples legacy = new(options.FanoutUpdates), rest = new(options.FanoutUpdates);
        var warmupRounds = 2 * options.FanoutWarmupUpdates;
        CpuMeter? meter = null;
        for (var number = 0; number < warmupRounds + 2 * options.FanoutUpdates; number++)
        {
            if (number == warmupRounds)
                meter = new CpuMeter(gateway);
            var viaRest = number % 2 == 1;
            var text = $"m{number}";
            // Both requests are built before the clock starts; one of them is sent.
            var legacyRequest = LegacyFrames.UpdateRequest(Subject, text);
            var restUpdate = RestWorkloads.Update(Subject, text);
            using var restRequest = restUpdate.ToRequest();

            using var toSub = subscribers.Expect(number);
            using var toSse = stream.Expect(number);
            var sentAt = toSub.SentAt = toSse.SentAt = Stopwatch.GetTimestamp();
            if (viaRest)
                Post(http, restRequest, restUpdate, gateway);
            else
                SubscriberLatency.Send(requester, legacyRequest, gateway);
            var replyTicks = Stopwatch.GetTimestamp() - sentAt;
            if (!toSub.WaitComplete(Timeout) || !toSse.WaitComplete(Timeout))
                throw new TimeoutException($"Update {text} ({(viaRest ? "REST" : "legacy")}) reached the subscriber {toSub.Arrivals} and the event stream {toSse.Arrivals} times within {Timeout.TotalSeconds} s (stream: {stream.Ended ?? "open"}).");
            if (number >= warmupRounds)
                (viaRest ? rest : legacy).Add(replyTicks, toSub.Latencies[0], toSse.Latencies[0]);
        }
        return new DeliveryResult(options.FanoutUpdates, probes, legacy.ToDelivery(), rest.ToDelivery(), meter!.Stop());
    }

    private static void Post(HttpClient http, HttpRequestMessage request, HttpExchange update, ServerProcess gateway)
    {
        using var response = http.Send(request);
        if (update.Check(response) is { } wrong)
            throw new InvalidOperationException($"{gateway.Name} refused REST update {update.Path}: {wrong}");
    }

    private sealed class Samples(int capacity)
    {
        private readonly List<long> _reply = new(capacity), _toSub = new(capacity), _toSse = new(capacity);

        public void Add(long reply, long toSub, long toSse)
        {
            _reply.Add(reply);
            _toSub.Add(toSub);
            _toSse.Add(toSse);
        }

        public DoorDelivery ToDelivery() =>
            new(Latency.FromTicks([.. _reply]), Latency.FromTicks([.. _toSub]), Latency.FromTicks([.. _toSse]));
    }
}
