using System.Diagnostics;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Watches a .NET server's background JIT: the CPU time of its tiered-compilation thread (".NET Tiered Com...").
/// A freshly started gateway keeps that thread busy for many seconds of load (ASP.NET Core, EF Core and SQLite
/// code going through tier 0, instrumented and optimised tiers); measuring before it is quiet measures the JIT.
/// Processes without such a thread (the pyzmq server, or no /proc) always look quiet.
/// </summary>
internal sealed class JitWatch(int processId)
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan QuietBudget = TimeSpan.FromMilliseconds(10);

    private Dictionary<int, long> _seen = [];

    /// <summary>
    /// Returns once at least <paramref name="minimum"/> has passed and the JIT used at most 2% of a core over the
    /// last half second, or once <paramref name="maximum"/> has passed. Tells how long it took and whether it got quiet.
    /// </summary>
    public (TimeSpan Elapsed, bool Quiet) WaitUntilQuiet(TimeSpan minimum, TimeSpan maximum)
    {
        var clock = Stopwatch.StartNew();
        Thread.Sleep(minimum);
        CpuSinceLastCall();
        while (clock.Elapsed < maximum)
        {
            Thread.Sleep(Window);
            if (CpuSinceLastCall() <= QuietBudget)
                return (clock.Elapsed, true);
        }
        return (clock.Elapsed, false);
    }

    /// <summary>JIT CPU time since the previous call; a thread that appeared since then counts in full.</summary>
    public TimeSpan CpuSinceLastCall()
    {
        var now = ProcCpu.Threads(processId)
            .Where(t => t.Value.Name.StartsWith(".NET Tiered", StringComparison.Ordinal))
            .ToDictionary(t => t.Key, t => t.Value.Ticks);
        var ticks = now.Sum(t => Math.Max(0, t.Value - _seen.GetValueOrDefault(t.Key)));
        _seen = now;
        return ProcCpu.FromTicks(ticks);
    }
}
