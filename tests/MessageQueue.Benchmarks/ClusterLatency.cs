using System.Diagnostics;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// One door's updates posted on the first instance: its reply, when each reader on the last instance had each one,
/// the hop (how much later than the same kind of reader on the first instance, update by update), when the relayed
/// commit reached a Redis subscriber, and from then to each reader on the last instance.
/// </summary>
internal sealed record ReaderLatencies(
    Latency Reply, Latency ToSub, Latency ToSse, Latency ToHub, Latency HopSub, Latency HopSse, Latency HopHub,
    Latency ToRelay, Latency RelayToSub, Latency RelayToSse, Latency RelayToHub);

/// <summary>The latency run on one cluster: legacy and REST updates, with what the whole cluster spent on them.</summary>
internal sealed record ClusterDelivery(int UpdatesPerDoor, int WarmupUpdates, int Probes, ReaderLatencies Legacy, ReaderLatencies Rest, ClusterWindow Window)
{
    public int Updates => 2 * UpdatesPerDoor;
}

/// <summary>
/// Update-to-reader latency across instances: one update at a time posted on the first instance (A), legacy type 3
/// and REST POST alternating, timed from just before its request to the moment a SUB socket, an event stream and a
/// hub connection on the last instance (C) each have it, and the same three readers on A, and a subscriber of the
/// Redis channel in this generator (<see cref="RelayTap"/>); the next only once all seven have it. With one instance,
/// A is C: the baseline without the Redis hop (its two sets of readers on one instance).
/// </summary>
internal static class ClusterLatency
{
    public const string Subject = SubscriberLatency.Subject;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static ClusterDelivery Run(GatewayCluster cluster, BenchmarkOptions options)
    {
        var (first, last) = (cluster.First, cluster.Last);
        var capacity = 2 * (ClusterWarmup.MaxFactor * options.FanoutWarmupUpdates + options.FanoutUpdates);
        using var near = new Readers(first, capacity);
        using var far = new Readers(last, capacity);
        using var requester = new RequestSocket();
        requester.Options.Linger = TimeSpan.Zero;
        requester.Connect(first.ReplyEndpoint);
        using var http = HttpChannel.CreateClient(first.HttpAddress, Timeout);
        using var tap = new RelayTap(cluster.Redis, cluster.Channel);

        // The SUB sockets miss what is published before their subscriptions reach the PUB: probe until every reader has one.
        var probes = 0;
        var joining = Stopwatch.StartNew();
        do
        {
            if (joining.Elapsed > Timeout)
                throw new TimeoutException($"The readers on {first.Name} and {last.Name} got no probe posted on {first.Name} within {Timeout.TotalSeconds} s ({near.State}; {far.State}).");
            SubscriberLatency.Send(requester, LegacyFrames.UpdateRequest(Subject, $"p{probes++}"), first);
        }
        while (!near.Joined() || !far.Joined());

        var number = 0;
        var warmup = new ClusterWarmup(cluster, 2 * options.FanoutWarmupUpdates, options);
        while (!warmup.Done(number))
            Post(number++, null);
        var warmupUpdates = number;
        Samples legacy = new(options.FanoutUpdates), rest = new(options.FanoutUpdates);
        var meter = new ClusterMeter(cluster);
        var tapBytes = tap.Bytes;
        for (var measured = 0; measured < 2 * options.FanoutUpdates; measured++, number++)
            Post(number, number % 2 == 1 ? rest : legacy);
        var window = meter.Stop();
        // What Redis sent the tap is the generator's, not the cluster's.
        window = window with { Bus = window.Bus with { BytesOut = window.Bus.BytesOut - (tap.Bytes - tapBytes) } };
        return new ClusterDelivery(options.FanoutUpdates, warmupUpdates, probes, legacy.ToLatencies(), rest.ToLatencies(), window);

        void Post(int n, Samples? samples)
        {
            var viaRest = n % 2 == 1;
            var text = $"m{n}";
            // Both requests are built before the clock starts; one of them is sent.
            var legacyRequest = LegacyFrames.UpdateRequest(Subject, text);
            var restUpdate = RestWorkloads.Update(Subject, text);
            using var restRequest = restUpdate.ToRequest();

            var sentAt = Stopwatch.GetTimestamp();
            using var nearRound = near.Expect(n, sentAt);
            using var farRound = far.Expect(n, sentAt);
            using var relayed = tap.Expect(n, sentAt);
            if (viaRest)
                PostRest(http, restRequest, restUpdate, first);
            else
                SubscriberLatency.Send(requester, legacyRequest, first);
            var replyTicks = Stopwatch.GetTimestamp() - sentAt;
            if (!nearRound.Wait(Timeout) || !farRound.Wait(Timeout) || !relayed.WaitComplete(Timeout))
                throw new TimeoutException($"Update {text} ({(viaRest ? "REST" : "legacy")}) posted on {first.Name} did not reach every reader and the relay within {Timeout.TotalSeconds} s ({near.State}; {far.State}; relay {tap.Ended ?? "subscribed"}).");
            samples?.Add(replyTicks, nearRound.Latencies(), farRound.Latencies(), relayed.Latencies[0]);
        }
    }

    private static void PostRest(HttpClient http, HttpRequestMessage request, HttpExchange update, ServerProcess gateway)
    {
        using var response = http.Send(request);
        if (update.Check(response) is { } wrong)
            throw new InvalidOperationException($"{gateway.Name} refused REST update {update.Path}: {wrong}");
    }

    /// <summary>A SUB socket, an event stream and a lean hub connection on one instance, all on the subject.</summary>
    private sealed class Readers : IDisposable
    {
        private static readonly TimeSpan JoinWait = TimeSpan.FromMilliseconds(20);

        private readonly ServerProcess _instance;
        private readonly SubscriberGroup _sub;
        private readonly SseSubscriber _sse;
        private readonly HubClients _hub;

        public Readers(ServerProcess instance, int capacity)
        {
            _instance = instance;
            _sub = new SubscriberGroup(instance.PublishEndpoint, Subject, count: 1);
            try
            {
                _sse = new SseSubscriber(instance.HttpAddress, Subject);
                _hub = HubClients.Open(HubClientKind.Lean, instance.HttpAddress, Subject, count: 1, capacity, Timeout);
            }
            catch
            {
                _sse?.Dispose();
                _sub.Dispose();
                throw;
            }
        }

        public string State => $"{_instance.Name}: stream {_sse.Ended ?? "open"}, hub {_hub.Failure ?? "open"}";

        public bool Joined() => _sub.WaitAllJoined(JoinWait) && _sse.WaitJoined(JoinWait) && _hub.WaitAllJoined(JoinWait);

        /// <summary>Starts waiting for update <paramref name="number"/>, sent at <paramref name="sentAt"/>; call just before sending it.</summary>
        public Round Expect(int number, long sentAt)
        {
            var sub = _sub.Expect(number);
            var sse = _sse.Expect(number);
            sub.SentAt = sse.SentAt = sentAt;
            _hub.Sent(number, sentAt);
            return new Round(number, sub, sse, _hub);
        }

        public void Dispose()
        {
            _hub.Dispose();
            _sse.Dispose();
            _sub.Dispose();
        }
    }

    /// <summary>One update awaited by one instance's three readers.</summary>
    private sealed class Round(int number, SubscriberGroup.Round sub, SubscriberGroup.Round sse, HubClients hub) : IDisposable
    {
        public bool Wait(TimeSpan timeout) => sub.WaitComplete(timeout) && sse.WaitComplete(timeout) && hub.WaitComplete(number, timeout);

        /// <summary>Ticks from the request to the SUB socket, the event stream and the hub connection.</summary>
        public (long Sub, long Sse, long Hub) Latencies() => (sub.Latencies[0], sse.Latencies[0], hub.Latencies(number, number + 1)[0]);

        public void Dispose()
        {
            sub.Dispose();
            sse.Dispose();
        }
    }

    private sealed class Samples(int capacity)
    {
        private readonly List<long> _reply = new(capacity), _toSub = new(capacity), _toSse = new(capacity), _toHub = new(capacity);
        private readonly List<long> _hopSub = new(capacity), _hopSse = new(capacity), _hopHub = new(capacity);
        private readonly List<long> _toRelay = new(capacity), _relayToSub = new(capacity), _relayToSse = new(capacity), _relayToHub = new(capacity);

        public void Add(long reply, (long Sub, long Sse, long Hub) near, (long Sub, long Sse, long Hub) far, long relay)
        {
            _toRelay.Add(relay);
            _relayToSub.Add(far.Sub - relay);
            _relayToSse.Add(far.Sse - relay);
            _relayToHub.Add(far.Hub - relay);
            _reply.Add(reply);
            _toSub.Add(far.Sub);
            _toSse.Add(far.Sse);
            _toHub.Add(far.Hub);
            _hopSub.Add(far.Sub - near.Sub);
            _hopSse.Add(far.Sse - near.Sse);
            _hopHub.Add(far.Hub - near.Hub);
        }

        public ReaderLatencies ToLatencies() => new(
            Latency.FromTicks([.. _reply]), Latency.FromTicks([.. _toSub]), Latency.FromTicks([.. _toSse]), Latency.FromTicks([.. _toHub]),
            Latency.FromTicks([.. _hopSub]), Latency.FromTicks([.. _hopSse]), Latency.FromTicks([.. _hopHub]),
            Latency.FromTicks([.. _toRelay]), Latency.FromTicks([.. _relayToSub]), Latency.FromTicks([.. _relayToSse]), Latency.FromTicks([.. _relayToHub]));
    }
}
