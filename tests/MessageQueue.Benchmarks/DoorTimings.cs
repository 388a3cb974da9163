using System.Collections.Concurrent;
using System.Diagnostics;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Every paced request of the legitimate load, by kind: when it started, how long it took, whether it succeeded;
/// so any window of the run (before an attack, during it) can be cut out afterwards.
/// </summary>
internal sealed class DoorTimings
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(long Started, long Ticks, bool Ok)>> _samples = new(StringComparer.Ordinal);

    public void Record(string kind, long started, bool ok) =>
        _samples.GetOrAdd(kind, _ => new()).Enqueue((started, Stopwatch.GetTimestamp() - started, ok));

    /// <summary>The requests of one kind that started between two Stopwatch timestamps.</summary>
    public DoorWindow Window(string kind, long from, long to)
    {
        var inWindow = _samples.TryGetValue(kind, out var samples)
            ? samples.Where(s => s.Started >= from && s.Started < to).ToList()
            : [];
        var seconds = (to - from) / (double)Stopwatch.Frequency;
        return new DoorWindow(
            inWindow.Count(s => s.Ok),
            inWindow.Count(s => !s.Ok),
            seconds,
            Latency.FromTicks([.. inWindow.Where(s => s.Ok).Select(s => s.Ticks)]));
    }
}

/// <summary>What one door's clients got in a window: answered requests, failures (refused, timed out, not connected), latency of the answered.</summary>
internal sealed record DoorWindow(int Succeeded, int Failed, double Seconds, Latency Latency)
{
    public double PerSecond => Seconds > 0 ? Succeeded / Seconds : 0;
}
