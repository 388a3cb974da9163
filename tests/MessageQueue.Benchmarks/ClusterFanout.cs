using System.Diagnostics;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The browser fan-out on one cluster: N hub connections on one subject spread evenly over its instances, updates
/// posted on the first; <see cref="ToConnections"/> over every delivery, <see cref="ToLast"/> the time until the last
/// connection had each update.
/// </summary>
internal sealed record ClusterFanoutResult(
    int Connections, int Probes, int WarmupUpdates, int Updates, long Expected, long Delivered, int Closed, int Duplicates,
    Latency ToConnections, Latency ToLast, Latency Reply, ClusterWindow Window)
{
    public double DeliveredFraction => Expected == 0 ? 0 : (double)Delivered / Expected;
}

/// <summary>
/// Opens the connections (the lean hub clients of the hub group) spread over the instances, A first, probes until
/// each has one, then posts legacy updates on A one at a time, the next once every connection has the previous one.
/// </summary>
internal static class ClusterFanout
{
    public const string Subject = SubscriberLatency.Subject;

    private const int MaxTimeouts = 3;

    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(10);

    public static ClusterFanoutResult Run(GatewayCluster cluster, int connections, BenchmarkOptions options)
    {
        var first = cluster.First;
        var capacity = ClusterWarmup.MaxFactor * options.FanoutWarmupUpdates + options.FanoutUpdates;
        var groups = new List<HubClients>();
        try
        {
            for (var i = 0; i < cluster.Size; i++)
            {
                // The first instances take one more when the connections do not divide evenly.
                var count = connections / cluster.Size + (i < connections % cluster.Size ? 1 : 0);
                groups.Add(HubClients.Open(HubClientKind.Lean, cluster.Instances[i].HttpAddress, Subject, count, capacity, OpenTimeout));
            }
            using var requester = new RequestSocket();
            requester.Options.Linger = TimeSpan.Zero;
            requester.Connect(first.ReplyEndpoint);

            var probes = 0;
            var joining = Stopwatch.StartNew();
            do
            {
                if (joining.Elapsed > ProbeTimeout)
                    throw new TimeoutException($"Not every hub connection of {cluster.Name} had a probe within {ProbeTimeout.TotalSeconds} s.");
                SubscriberLatency.Send(requester, LegacyFrames.UpdateRequest(Subject, $"p{probes++}"), first);
            }
            while (!groups.All(g => g.WaitAllJoined(TimeSpan.FromMilliseconds(100))));

            var timeouts = 0;
            var number = 0;
            var warmup = new ClusterWarmup(cluster, options.FanoutWarmupUpdates, options);
            while (!warmup.Done(number) && timeouts < MaxTimeouts)
                Post(number++);
            if (timeouts >= MaxTimeouts)
                throw new TimeoutException($"The hub connections of {cluster.Name} timed out {MaxTimeouts} times during the warm-up.");
            var firstMeasured = number;
            var replies = new List<long>(options.FanoutUpdates);
            var toLast = new List<long>(options.FanoutUpdates);
            var meter = new ClusterMeter(cluster);
            while (number < firstMeasured + options.FanoutUpdates && timeouts < MaxTimeouts)
            {
                var n = number++;
                replies.Add(Post(n));
                var arrivals = groups.SelectMany(g => g.Latencies(n, n + 1)).ToArray();
                if (arrivals.Length > 0)
                    toLast.Add(arrivals.Max());
            }
            var window = meter.Stop();
            var measured = number - firstMeasured;
            return new ClusterFanoutResult(connections, probes, firstMeasured, measured, (long)measured * connections,
                groups.Sum(g => Enumerable.Range(firstMeasured, measured).Sum(n => (long)g.Delivered(n))),
                groups.Sum(g => g.Closed), groups.Sum(g => g.Duplicates),
                Latency.FromTicks([.. groups.SelectMany(g => g.Latencies(firstMeasured, number))]),
                Latency.FromTicks([.. toLast]), Latency.FromTicks([.. replies]), window);

            // One update to every connection, timed from just before its request; returns the reply's time.
            long Post(int n)
            {
                var request = LegacyFrames.UpdateRequest(Subject, $"m{n}");
                var sentAt = Stopwatch.GetTimestamp();
                foreach (var group in groups)
                    group.Sent(n, sentAt);
                SubscriberLatency.Send(requester, request, first);
                var reply = Stopwatch.GetTimestamp() - sentAt;
                // Waited one group after another: the last to complete decides, and each has its own deadline.
                if (!groups.All(g => g.WaitComplete(n, UpdateTimeout)))
                {
                    timeouts++;
                    Console.WriteLine($"  update m{n} on {cluster.Name}: {groups.Sum(g => g.Delivered(n))} of {connections} hub connections within {UpdateTimeout.TotalSeconds:0} s{(groups.Select(g => g.Failure).FirstOrDefault(f => f is not null) is { } failure ? $" (first failure: {failure})" : "")}");
                }
                return reply;
            }
        }
        finally
        {
            foreach (var group in groups)
                group.Dispose();
        }
    }
}
