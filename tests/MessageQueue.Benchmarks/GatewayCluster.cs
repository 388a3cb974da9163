using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace MessageQueue.Benchmarks;

/// <summary>
/// N gateway instances behaving as one: a PostgreSQL database and a Redis channel of their own on the group's shared
/// servers. Updates are posted on <see cref="First"/> (A) and read on <see cref="Last"/> (C; A itself when alone).
/// </summary>
internal sealed class GatewayCluster : IDisposable
{
    private static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan JitQuietBudget = TimeSpan.FromMilliseconds(10);

    private readonly List<ServerProcess> _instances = [];

    private GatewayCluster(int size, PostgreSqlCluster database, RedisServer redis)
    {
        Size = size;
        Database = database;
        Redis = redis;
        Channel = Invariant($"messagequeue:bench:{size}");
        DatabaseName = Invariant($"mq_cluster_{size}");
    }

    public int Size { get; }
    public PostgreSqlCluster Database { get; }
    public RedisServer Redis { get; }
    public string Channel { get; }
    public string DatabaseName { get; }
    public IReadOnlyList<ServerProcess> Instances => _instances;
    public ServerProcess First => _instances[0];
    public ServerProcess Last => _instances[^1];

    public string Name => Invariant($"{Size} instance{(Size == 1 ? "" : "s")}");

    /// <summary>Starts the instances one after another on a new database, and returns once each listens on the channel.</summary>
    public static GatewayCluster Start(int size, PostgreSqlCluster database, RedisServer redis, BenchmarkOptions options)
    {
        var cluster = new GatewayCluster(size, database, redis);
        try
        {
            var connectionString = database.CreateDatabase(cluster.DatabaseName);
            for (var i = 0; i < size; i++)
                cluster._instances.Add(ServerLauncher.StartClusterGateway(options, Invariant($"c{size}-{(char)('A' + i)}"), connectionString, redis, cluster.Channel));
            // An instance subscribes in the background once started: until then, what others commit reaches it only
            // through the store's reconciliation, a second late.
            var waiting = Stopwatch.StartNew();
            while (redis.Subscribers(cluster.Channel) < size)
            {
                if (waiting.Elapsed > SubscribeTimeout)
                    throw new TimeoutException($"Not every instance of {cluster.Name} subscribed to {cluster.Channel} within {SubscribeTimeout.TotalSeconds} s.");
                Thread.Sleep(50); // polled: the gateways say nothing when their subscription is in place
            }
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How long, from now, until the last instance has every update the first one committed (by each subject's last
    /// sequence number over REST): the relay's backlog once a load has stopped. Zero for one instance.
    /// </summary>
    public TimeSpan CatchUp(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (Size == 1)
            return TimeSpan.Zero;
        using var first = HttpChannel.CreateClient(First.HttpAddress, timeout);
        using var last = HttpChannel.CreateClient(Last.HttpAddress, timeout);
        var target = Sequences(first);
        while (Sequences(last).Any(s => s.Value < target.GetValueOrDefault(s.Key)))
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{Last.Name} was still behind {First.Name} {timeout.TotalSeconds} s after the load.");
            Thread.Sleep(5); // polled: nothing tells the generator when an instance has applied what it heard
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// Whether every instance's background JIT used at most 10 ms since the previous call (at least half a second
    /// earlier): a warm-up goes on until it is, as the other groups settle.
    /// </summary>
    public bool JitQuiet() => _instances.Select(i => i.Jit.CpuSinceLastCall()).ToList().All(cpu => cpu <= JitQuietBudget);

    public void Dispose()
    {
        foreach (var instance in _instances)
            instance.Dispose();
    }

    private static Dictionary<string, long> Sequences(HttpClient http) =>
        (http.GetFromJsonAsync<List<SubjectSequence>>(RestWorkloads.SubjectsPath).GetAwaiter().GetResult() ?? [])
            .ToDictionary(s => s.Name, s => s.LastSequence, StringComparer.Ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record SubjectSequence(string Name, long LastSequence);
}
