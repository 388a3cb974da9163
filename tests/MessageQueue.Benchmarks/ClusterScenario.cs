using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The cluster group: 1, 2 and 3 gateway instances on one PostgreSQL server (a database each) and one Redis (a channel
/// each), all running throughout and measured in turns, so other processes on a shared machine weigh on each alike.
/// Updates are posted on the first instance (A) and read on the last (C) through a SUB socket, an event stream and a
/// hub connection: durable updates/s with 16 legacy and 16 REST clients, then the latency of one update at a time,
/// then one update to N hub connections spread over 3 instances against the same N on one. The single instance,
/// where A is C, is the baseline: the difference is the relay through Redis.
/// </summary>
internal static class ClusterScenario
{
    public static readonly IReadOnlyList<int> Sizes = [1, 2, 3];

    private static readonly (RequestKind Kind, int Clients)[] Loads = [(RequestKind.Update, 16), (RequestKind.RestUpdate, 16)];

    private static readonly TimeSpan LaterWarmup = TimeSpan.FromSeconds(0.5);
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(60);

    private static readonly IReadOnlyList<string> LoadSubjects = [.. LegacyFrames.Subjects.Where(s => s != ClusterLatency.Subject)];

    public static void WriteSetup(BenchmarkOptions options)
    {
        Console.WriteLine(Invariant($"- cluster: {string.Join(", ", Sizes)} gateway instances on one PostgreSQL server of the benchmark's own (as the store group's; a database per cluster) and one redis-server on a loopback port (a Bus:Channel per cluster), all started at once and measured in turns; updates posted on the first instance (A), read on the last (C; A itself when alone, the baseline)"));
        Console.WriteLine(Invariant($"- cluster loads: legacy type 3 and REST POST with {Loads[0].Clients} clients on A going round {string.Join(", ", LoadSubjects)}, while C has a SUB socket on every subject and an event stream and a hub connection on each of those subjects; {options.ClusterRounds} window(s) per load on each cluster in turns (later ones with {LaterWarmup.TotalSeconds:0.#} s warm-up), the median reported; after each window, the time until C's subjects reach A's last sequence numbers (GET /api/subjects) is C's backlog"));
        Console.WriteLine(Invariant($"- cluster latency: a SUB socket, an event stream and a lean hub connection on '{ClusterLatency.Subject}' (untouched by the loads) on C and the same three on A; legacy and REST updates on A alternating, one at a time, the next once all six have it; the hop is, update by update, C's reader's latency minus A's; a subscriber of the cluster's Redis channel in this generator stamps each relayed commit, splitting the way into A's part and C's; at least {options.FanoutWarmupUpdates} warm-up per door (more while an instance's JIT is busy) then {options.FanoutUpdates} measured per door"));
        Console.WriteLine(Invariant($"- cluster fan-out: {options.HubConnections:N0} lean hub connections on '{ClusterFanout.Subject}', all on one instance, then spread evenly over {Sizes[^1]}; legacy updates on A one at a time, the next once every connection has it; at least {options.FanoutWarmupUpdates} warm-up (more while an instance's JIT is busy) then {options.FanoutUpdates} measured"));
        Console.WriteLine("- cluster CPU: each instance's process by thread, redis-server, PostgreSQL's processes by role (every cluster's: the idle ones only reconcile, one small query a second each), from /proc over the measured window; Redis's PUBLISH calls and bytes in and out from INFO (the reading's own traffic left out); PostgreSQL's write transactions (from the next transaction id), WAL bytes (pg_current_wal_lsn) and each statement's calls in the cluster's database (pg_stat_statements, BEGIN and COMMIT included, loaded for this group only)");
    }

    public static ClusterResult Run(BenchmarkOptions options)
    {
        HubScenarios.EnsureDescriptors(options.HubConnections);
        using var database = PostgreSqlCluster.Start(statements: true);
        using var redis = RedisServer.Start();
        var clusters = new Dictionary<int, GatewayCluster>();
        try
        {
            foreach (var size in Sizes)
                clusters[size] = GatewayCluster.Start(size, database, redis, options);

            var loads = new List<ClusterLoad>();
            var readers = new List<LoadReaders>();
            try
            {
                foreach (var cluster in clusters.Values)
                    readers.Add(new LoadReaders(cluster.Last));
                // Settled on C, which A's load reaches through the relay; A's own path warms up on the way.
                foreach (var cluster in clusters.Values)
                    RequestLoad.Settle(cluster.Last, Channels(cluster.First, RequestKind.Update), BenchmarkRun.SettlingClients, options);
                foreach (var (kind, clients) in Loads)
                {
                    var rounds = Enumerable.Range(0, options.ClusterRounds).Select(round =>
                    {
                        var windowOptions = round == 0 ? options : options with { Warmup = LaterWarmup };
                        // Dictionary order is insertion order: 1, 2, then 3 instances, in every round.
                        return (IReadOnlyDictionary<int, ClusterLoadWindow>)clusters.ToDictionary(c => c.Key, c => Measure(c.Value, kind, clients, windowOptions));
                    }).ToList();
                    loads.Add(new ClusterLoad(kind, clients, rounds));
                }
            }
            finally
            {
                foreach (var reader in readers)
                    reader.Dispose();
            }

            var delivery = clusters.ToDictionary(c => c.Key, c => Logged(c.Value, ClusterLatency.Run(c.Value, options)));
            var fanout = new[] { Sizes[0], Sizes[^1] }.ToDictionary(size => size, size => Logged(clusters[size], ClusterFanout.Run(clusters[size], options.HubConnections, options)));
            return new ClusterResult(database.Version, redis.Version, Sizes, loads, delivery, fanout);
        }
        finally
        {
            foreach (var cluster in clusters.Values)
                cluster.Dispose();
        }
    }

    private static ClusterLoadWindow Measure(GatewayCluster cluster, RequestKind kind, int clients, BenchmarkOptions options)
    {
        var probe = new ClusterProbe(cluster);
        var load = RequestLoad.Run(cluster.First, Channels(cluster.First, kind), clients, options, probe);
        var result = new ClusterLoadWindow(load, probe.Window!, cluster.CatchUp(CatchUpTimeout));
        var window = result.Window;
        Console.WriteLine(Invariant($"  {FigureNames.Load(kind, clients),-36} {cluster.Name,-11} {load.RequestsPerSecond,7:N0} req/s  p50 {load.Latency.P50Ms:0.000} ms  p99 {load.Latency.P99Ms:0.000} ms  gateways {Micros(window.Gateways, load.Requests):0} + redis {Micros(window.Redis, load.Requests):0} + database {Micros(window.DatabaseTotal, load.Requests):0} µs CPU/update  C behind by {result.CatchUp.TotalMilliseconds:0} ms"));
        return result;
    }

    private static Func<int, IRequestChannel> Channels(ServerProcess first, RequestKind kind) => kind == RequestKind.Update
        ? LoadChannels.Legacy(first, Workloads.Updates(LoadSubjects))
        : LoadChannels.Rest(first, RestWorkloads.Updates(LoadSubjects));

    private static ClusterDelivery Logged(GatewayCluster cluster, ClusterDelivery result)
    {
        foreach (var (door, latencies) in new[] { ("legacy type 3", result.Legacy), ("REST POST", result.Rest) })
        {
            Console.WriteLine(Invariant($"  {door + " on A, to C",-36} {cluster.Name,-11} p50/p99 ms: SUB {latencies.ToSub.P50Ms:0.000}/{latencies.ToSub.P99Ms:0.000}  event stream {latencies.ToSse.P50Ms:0.000}/{latencies.ToSse.P99Ms:0.000}  hub {latencies.ToHub.P50Ms:0.000}/{latencies.ToHub.P99Ms:0.000}  reply {latencies.Reply.P50Ms:0.000}/{latencies.Reply.P99Ms:0.000}; hop over A's readers p50: SUB {latencies.HopSub.P50Ms:0.000}, event stream {latencies.HopSse.P50Ms:0.000}, hub {latencies.HopHub.P50Ms:0.000}; to the relay p50 {latencies.ToRelay.P50Ms:0.000}, from it to C's hub {latencies.RelayToHub.P50Ms:0.000}  ({result.WarmupUpdates} warm-up)"));
        }
        return result;
    }

    private static ClusterFanoutResult Logged(GatewayCluster cluster, ClusterFanoutResult r)
    {
        Console.WriteLine(Invariant($"  {$"hub fan-out to {r.Connections:N0} connections",-36} {cluster.Name,-11} p50 {r.ToConnections.P50Ms:0.00} ms  p99 {r.ToConnections.P99Ms:0.00} ms  max {r.ToConnections.MaxMs:0.00} ms  last connection p50 {r.ToLast.P50Ms:0.00} ms  delivered {r.Delivered:N0}/{r.Expected:N0}  gateways {Micros(r.Window.Gateways, r.Updates):0} µs CPU/update  ({r.WarmupUpdates} warm-up)"));
        return r;
    }

    private static double Micros(TimeSpan cpu, int updates) => cpu.TotalMicroseconds / Math.Max(1, updates);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>What reads the loads' updates on the last instance: a SUB socket on every subject, an event stream and a hub connection per load subject.</summary>
    private sealed class LoadReaders : IDisposable
    {
        private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);

        private readonly SubscriberGroup _subscriber;
        private readonly List<IDisposable> _readers = [];

        public LoadReaders(ServerProcess last)
        {
            _subscriber = new SubscriberGroup(last.PublishEndpoint, subject: "", count: 1);
            try
            {
                foreach (var subject in LoadSubjects)
                {
                    _readers.Add(new SseSubscriber(last.HttpAddress, subject));
                    _readers.Add(HubClients.Open(HubClientKind.Lean, last.HttpAddress, subject, count: 1, capacity: 1, OpenTimeout));
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            foreach (var reader in _readers)
                reader.Dispose();
            _subscriber.Dispose();
        }
    }
}
