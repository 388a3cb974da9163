namespace MessageQueue.Benchmarks;

/// <summary>One load window on one cluster: the first instance's figures, the whole cluster's, and how far the last instance lagged behind at the end.</summary>
internal sealed record ClusterLoadWindow(LoadResult Load, ClusterWindow Window, TimeSpan CatchUp);

/// <summary>One load measured on every cluster, a window on each per round.</summary>
internal sealed record ClusterLoad(RequestKind Kind, int Clients, IReadOnlyList<IReadOnlyDictionary<int, ClusterLoadWindow>> Rounds)
{
    /// <summary>Each cluster's window with the median requests/s (the upper one of an even count), by number of instances.</summary>
    public IReadOnlyDictionary<int, ClusterLoadWindow> Results { get; } = Rounds[0].Keys.ToDictionary(
        size => size, size => Rounds.Select(r => r[size]).OrderBy(r => r.Load.RequestsPerSecond).ElementAt(Rounds.Count / 2));
}

/// <summary>The cluster group's measurements, each by number of instances (1 is the baseline).</summary>
internal sealed record ClusterResult(
    string PostgreSqlVersion,
    string RedisVersion,
    IReadOnlyList<int> Sizes,
    IReadOnlyList<ClusterLoad> Loads,
    IReadOnlyDictionary<int, ClusterDelivery> Delivery,
    IReadOnlyDictionary<int, ClusterFanoutResult> Fanout);
