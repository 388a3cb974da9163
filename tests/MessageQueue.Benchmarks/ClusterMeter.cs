using System.Diagnostics;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Where the CPU went during a window over a whole cluster, and what its shared servers carried: each instance by
/// thread (A first), Redis, PostgreSQL's processes by role, this generator, the rest; Redis's messages and bytes,
/// PostgreSQL's write transactions and WAL bytes, and how many times each statement ran in the cluster's database.
/// </summary>
internal sealed record ClusterWindow(
    TimeSpan Elapsed,
    IReadOnlyList<CpuWindow> Instances,
    TimeSpan Redis,
    IReadOnlyDictionary<string, TimeSpan> Database,
    TimeSpan Generator,
    TimeSpan Others,
    TimeSpan Steal,
    BusTraffic Bus,
    StoreCounters Store,
    IReadOnlyDictionary<string, long> Statements)
{
    /// <summary>Every gateway process together.</summary>
    public TimeSpan Gateways => Instances.Aggregate(TimeSpan.Zero, (sum, i) => sum + i.Server);

    public TimeSpan DatabaseTotal => Database.Values.Aggregate(TimeSpan.Zero, (sum, cpu) => sum + cpu);

    public double Cores(TimeSpan cpu) => cpu / Elapsed;
}

/// <summary>Takes a cluster's readings at the start of a window and gives the <see cref="ClusterWindow"/> at its end.</summary>
internal sealed class ClusterMeter
{
    private readonly GatewayCluster _cluster;
    private readonly (BusTraffic, long, long) _bus;
    private readonly StoreCounters _store;
    private readonly Dictionary<string, long> _statements;
    private readonly CpuMeter[] _instances;
    private readonly TimeSpan _redis;
    private readonly Dictionary<int, (string Name, long Ticks)> _database;
    private readonly TimeSpan _generator;
    private readonly (long Busy, long Steal) _machine;
    private readonly long _started;

    public ClusterMeter(GatewayCluster cluster)
    {
        _cluster = cluster;
        // The counters first and the CPU last, so that reading the counters (psql is a process) is outside the CPU window.
        _bus = cluster.Redis.ReadTraffic();
        _store = cluster.Database.ReadCounters();
        _statements = cluster.Database.ReadStatements(cluster.DatabaseName);
        _instances = [.. cluster.Instances.Select(i => new CpuMeter(i))];
        _redis = cluster.Redis.CpuTime;
        _database = cluster.Database.ReadCpu();
        _generator = Process.GetCurrentProcess().TotalProcessorTime;
        _machine = ProcCpu.Machine();
        _started = Stopwatch.GetTimestamp();
    }

    public ClusterWindow Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        var instances = _instances.Select(m => m.Stop()).ToList();
        var redis = _cluster.Redis.CpuTime - _redis;
        var database = _cluster.Database.CpuSince(_database);
        var generator = Process.GetCurrentProcess().TotalProcessorTime - _generator;
        var machine = ProcCpu.Machine();
        var bus = _cluster.Redis.TrafficSince(_bus);
        var store = _cluster.Database.ReadCounters() - _store;
        var statements = _cluster.Database.ReadStatements(_cluster.DatabaseName)
            .ToDictionary(s => s.Key, s => s.Value - _statements.GetValueOrDefault(s.Key), StringComparer.Ordinal);
        var known = instances.Aggregate(TimeSpan.Zero, (sum, i) => sum + i.Server) + redis + generator
            + database.Values.Aggregate(TimeSpan.Zero, (sum, cpu) => sum + cpu);
        var others = ProcCpu.FromTicks(machine.Busy - _machine.Busy) - known;
        return new ClusterWindow(elapsed, instances, redis, database, generator, others < TimeSpan.Zero ? TimeSpan.Zero : others,
            ProcCpu.FromTicks(machine.Steal - _machine.Steal), bus, store, statements);
    }
}

/// <summary>A <see cref="ClusterMeter"/> started and stopped by a load run at the edges of its measured window.</summary>
internal sealed class ClusterProbe(GatewayCluster cluster) : IWindowProbe
{
    private ClusterMeter? _meter;

    public ClusterWindow? Window { get; private set; }

    public void Begin() => _meter = new ClusterMeter(cluster);

    public void End() => Window = _meter?.Stop();
}
