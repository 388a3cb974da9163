using System.Diagnostics;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Latency percentiles by the nearest-rank method over every raw sample (Stopwatch ticks). A run keeps at most
/// a few million samples, so sorting them all is exact and cheaper than a histogram dependency.
/// </summary>
internal readonly record struct Latency(int Samples, double P50Ms, double P99Ms, double MaxMs)
{
    public static Latency FromTicks(long[] ticks)
    {
        if (ticks.Length == 0)
            return new Latency(0, double.NaN, double.NaN, double.NaN);
        Array.Sort(ticks);
        return new Latency(ticks.Length, AtRank(ticks, 0.50), AtRank(ticks, 0.99), ToMilliseconds(ticks[^1]));
    }

    private static double AtRank(long[] sorted, double quantile)
    {
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return ToMilliseconds(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)]);
    }

    private static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
