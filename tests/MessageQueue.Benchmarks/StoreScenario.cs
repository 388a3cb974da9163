using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>The two stores of one gateway: its SQLite file, and a PostgreSQL server on the same machine.</summary>
internal enum StoreKind
{
    Sqlite,
    PostgreSql,
}

/// <summary>One load measured on both stores, a window on each per round.</summary>
internal sealed record StoreLoad(RequestKind Kind, int Clients, IReadOnlyList<IReadOnlyDictionary<StoreKind, LoadResult>> Rounds)
{
    /// <summary>Each store's window with the median requests/s (the upper one of an even count).</summary>
    public IReadOnlyDictionary<StoreKind, LoadResult> Results { get; } = new[] { StoreKind.Sqlite, StoreKind.PostgreSql }.ToDictionary(
        store => store, store => Rounds.Select(r => r[store]).OrderBy(r => r.RequestsPerSecond).ElementAt(Rounds.Count / 2));
}

/// <summary>The store group's measurements: the loads, then an update's way to one SUB socket, on each store.</summary>
internal sealed record StoreResult(string PostgreSqlVersion, IReadOnlyList<StoreLoad> Loads, IReadOnlyDictionary<StoreKind, FanoutResult> Delivery);

/// <summary>
/// One gateway on SQLite against one on PostgreSQL (a cluster the benchmark starts for the group, fsync on, default
/// synchronous_commit), both running side by side and measured in turns, SQLite first, so other processes on a
/// shared machine weigh on both alike (and a few rounds of that, the median reported): durable updates through the legacy door with 1 and 16 clients and through
/// REST with 16, then update-to-SUB latency. The loads go round every subject but the latency's, which so starts
/// equal on both; the content window keeps an update's cost independent of how much the others have grown.
/// </summary>
internal static class StoreScenario
{
    private static readonly (RequestKind Kind, int Clients)[] Loads = [(RequestKind.Update, 1), (RequestKind.Update, 16), (RequestKind.RestUpdate, 16)];

    private static readonly TimeSpan LaterWarmup = TimeSpan.FromSeconds(0.5);

    private static readonly IReadOnlyList<string> LoadSubjects = [.. LegacyFrames.Subjects.Where(s => s != SubscriberLatency.Subject)];

    public static void WriteSetup(BenchmarkOptions options)
    {
        Console.WriteLine("- store: one gateway on SQLite (WAL, synchronous=FULL) and one on PostgreSQL (a cluster of the benchmark's own on a loopback port: initdb defaults, fsync on, synchronous_commit on; stopped and deleted at the end), both running throughout; each measured in turn, SQLite first");
        Console.WriteLine(Invariant($"- store loads: legacy type 3 with {string.Join(" and ", Loads.Where(l => l.Kind == RequestKind.Update).Select(l => l.Clients))} clients, REST POST with {string.Join(" and ", Loads.Where(l => l.Kind == RequestKind.RestUpdate).Select(l => l.Clients))}, going round {string.Join(", ", LoadSubjects)}; each gateway settled first with email register/unregister on both doors (store writes, no content growth)"));
        Console.WriteLine(Invariant($"- store rounds: {options.StoreRounds} windows per load on each store, taking turns (later rounds with {LaterWarmup.TotalSeconds:0.#} s warm-up); each store's figures are its window with the median requests/s, and every round's ratio is listed"));
        Console.WriteLine(Invariant($"- store latency: one SUB socket on '{SubscriberLatency.Subject}' (untouched by the loads), {options.FanoutWarmupUpdates} warm-up then {options.FanoutUpdates} measured legacy updates, one at a time"));
        Console.WriteLine("- store CPU: the gateway's process, and PostgreSQL's postmaster with every server process (its children, by role from their titles; those that ended within the window from the postmaster's reaped-children time), from /proc over the measured window");
    }

    public static StoreResult Run(BenchmarkOptions options)
    {
        using var cluster = PostgreSqlCluster.Start();
        using var sqlite = ServerLauncher.StartStoreGateway(options, cluster: null);
        using var postgres = ServerLauncher.StartStoreGateway(options, cluster);
        var gateways = new Dictionary<StoreKind, ServerProcess> { [StoreKind.Sqlite] = sqlite, [StoreKind.PostgreSql] = postgres };
        foreach (var gateway in gateways.Values)
            RequestLoad.Settle(gateway, BothDoors(gateway), BenchmarkRun.SettlingClients, options);

        List<StoreLoad> loads = [];
        foreach (var (kind, clients) in Loads)
        {
            var rounds = Enumerable.Range(0, options.StoreRounds).Select(round =>
            {
                // The first round's warm-up brings the load's own path up; later ones only need their clients connected.
                var windowOptions = round == 0 ? options : options with { Warmup = LaterWarmup };
                // Dictionary order is insertion order: SQLite, then PostgreSQL, in every round.
                return (IReadOnlyDictionary<StoreKind, LoadResult>)gateways.ToDictionary(g => g.Key, g =>
                    Logged(g.Value, FigureNames.Load(kind, clients), RequestLoad.Run(g.Value, Channels(g.Value, kind), clients, windowOptions)));
            }).ToList();
            loads.Add(new StoreLoad(kind, clients, rounds));
        }
        var delivery = gateways.ToDictionary(g => g.Key, g =>
        {
            var result = SubscriberLatency.Run(g.Value, 1, options);
            Console.WriteLine(Invariant($"  {FigureNames.Fanout(1),-36} {g.Value.Name,-8} p50 {result.Delivery.P50Ms:0.000} ms  p99 {result.Delivery.P99Ms:0.000} ms  max {result.Delivery.MaxMs:0.000} ms  gateway {result.ServerCpuMicrosPerUpdate:0} µs + database {result.Cpu.Database.TotalMicroseconds / result.Updates:0} µs CPU/update"));
            return result;
        });
        return new StoreResult(cluster.Version, loads, delivery);
    }

    /// <summary>Half the clients on each door, registering and unregistering: the store's path, every subject unchanged.</summary>
    private static Func<int, IRequestChannel> BothDoors(ServerProcess gateway) => client => client % 2 == 0
        ? LoadChannels.Legacy(gateway, Workloads.EmailChurn)(client)
        : LoadChannels.Rest(gateway, RestWorkloads.EmailChurn)(client);

    private static Func<int, IRequestChannel> Channels(ServerProcess gateway, RequestKind kind) => kind == RequestKind.Update
        ? LoadChannels.Legacy(gateway, Workloads.Updates(LoadSubjects))
        : LoadChannels.Rest(gateway, RestWorkloads.Updates(LoadSubjects));

    private static LoadResult Logged(ServerProcess gateway, string scenario, LoadResult result)
    {
        Console.WriteLine(Invariant($"  {scenario,-36} {gateway.Name,-8} {result.RequestsPerSecond,9:N0} req/s  p50 {result.Latency.P50Ms:0.000} ms  p99 {result.Latency.P99Ms:0.000} ms  gateway {result.ServerCpuMicrosPerRequest:0.0} µs + database {result.Cpu.Database.TotalMicroseconds / Math.Max(1, result.Requests):0.0} µs CPU/req"));
        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
