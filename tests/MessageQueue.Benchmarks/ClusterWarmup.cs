using System.Diagnostics;

namespace MessageQueue.Benchmarks;

/// <summary>
/// When a cluster's one-at-a-time warm-up is over: after at least the configured warm-up updates, once every
/// instance's JIT is quiet, or at the latest after <see cref="MaxFactor"/> times as many updates or the settle's
/// longest time (at most 10 s). An instance that only relays (B) tiers up its own code as slowly as the one posted to.
/// </summary>
internal sealed class ClusterWarmup
{
    /// <summary>The most warm-up updates, as a multiple of the configured ones: what the update numbering must hold.</summary>
    public const int MaxFactor = 10;

    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(10);

    private readonly GatewayCluster _cluster;
    private readonly int _minimum;
    private readonly TimeSpan _longest;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Stopwatch _check = Stopwatch.StartNew();

    public ClusterWarmup(GatewayCluster cluster, int minimum, BenchmarkOptions options)
    {
        _cluster = cluster;
        _minimum = minimum;
        _longest = options.SettleMaximum < Longest ? options.SettleMaximum : Longest;
        cluster.JitQuiet(); // starts each instance's count from now
    }

    /// <summary>Whether the warm-up is over after <paramref name="updates"/> updates.</summary>
    public bool Done(int updates)
    {
        if (updates < _minimum)
            return false;
        if (updates >= MaxFactor * _minimum || _clock.Elapsed >= _longest)
            return true;
        if (_check.Elapsed < CheckEvery)
            return false;
        _check.Restart();
        return _cluster.JitQuiet();
    }
}
