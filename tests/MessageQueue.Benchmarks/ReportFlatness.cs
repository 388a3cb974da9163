using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>The flatness group's report: the last thousand updates of an old subject against its first thousand.</summary>
internal static class ReportFlatness
{
    public const double MaxRatio = 1.2;

    public static bool Passes(FlatnessResult result) => result.CpuRatio <= MaxRatio && result.P99Ratio <= MaxRatio;

    public static void Write(TextWriter output, FlatnessResult result)
    {
        var first = $"first {FlatnessScenario.Window:N0}";
        var last = $"last {FlatnessScenario.Window:N0}";
        output.WriteLine(Invariant($"Flatness: {FlatnessScenario.Updates:N0} updates of 1 KiB to one subject, one at a time, one SUB socket (ratio = last / first):"));
        output.WriteLine();
        output.WriteLine($"| figure | {first} | {last} | ratio |");
        output.WriteLine("|---|---:|---:|---:|");
        output.WriteLine(Invariant($"| server CPU per update (µs) | {result.FirstCpuMicros:0} | {result.LastCpuMicros:0} | {result.CpuRatio:0.00}x |"));
        output.WriteLine(Invariant($"| update to SUB p50 (ms) | {result.First.P50Ms:0.000} | {result.Last.P50Ms:0.000} | {result.Last.P50Ms / result.First.P50Ms:0.00}x |"));
        output.WriteLine(Invariant($"| update to SUB p99 (ms) | {result.First.P99Ms:0.000} | {result.Last.P99Ms:0.000} | {result.P99Ratio:0.00}x |"));
        output.WriteLine();
        output.WriteLine($"- threads, {first}: {Threads(result.FirstCpu)}");
        output.WriteLine($"- threads, {last}: {Threads(result.LastCpu)}");
        output.WriteLine($"- {(Passes(result) ? "PASS" : "FAIL")}: CPU per update and p99 of the last {FlatnessScenario.Window:N0} within {MaxRatio}x of the first");
    }

    private static string Threads(CpuWindow window) => string.Join(", ", window.ServerThreads
        .Where(t => t.Value.TotalMicroseconds / FlatnessScenario.Window >= 5)
        .OrderByDescending(t => t.Value)
        .Select(t => Invariant($"{t.Key} {t.Value.TotalMicroseconds / FlatnessScenario.Window:0} µs")));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
