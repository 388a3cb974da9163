using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>The soak group's report: the load held per door, and whether memory and handles stay flat.</summary>
internal static class ReportSoak
{
    public static void Write(TextWriter output, SoakResult result)
    {
        var samples = result.Samples;
        if (samples.Count < 6)
        {
            output.WriteLine("Soak: too few samples for a verdict (run it for at least 30 s).");
            return;
        }
        var first = samples[0];
        var last = samples[^1];
        var seconds = last.Seconds - first.Seconds;
        output.WriteLine(Invariant($"Soak: {last.Seconds:0} s, {samples.Count} samples; load held (per second, from the first sample to the last):"));
        output.WriteLine();
        output.WriteLine("| traffic | per second | total |");
        output.WriteLine("|---|---:|---:|");
        foreach (var kind in SoakCounts.Kinds)
            output.WriteLine(Invariant($"| {kind} | {(last.Counts[kind] - first.Counts[kind]) / seconds:N1} | {last.Counts[kind]:N0} |"));
        output.WriteLine(Invariant($"| updates acknowledged, all doors | {(SoakScenario.Updates(last.Counts) - SoakScenario.Updates(first.Counts)) / seconds:N1} | {SoakScenario.Updates(last.Counts):N0} |"));
        output.WriteLine();

        // Thirds of the run: the first is warm-up; the last is compared with the middle.
        var third = samples.Count / 3;
        var middle = samples.Skip(third).Take(third).ToList();
        var end = samples.Skip(2 * third).ToList();
        output.WriteLine("Flatness (the last third of the run against the middle third; slope by least squares over both):");
        output.WriteLine();
        output.WriteLine("| resource | middle third mean | last third mean | ratio | slope per minute |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        Row(output, "RSS (MB)", middle, end, s => SoakScenario.Mb(s.Proc.ResidentBytes));
        if (result.HeapSampled && samples.All(s => s.GcHeapBytes is not null))
            Row(output, "GC heap after last collection (MB)", middle, end, s => SoakScenario.Mb(s.GcHeapBytes!.Value));
        else
            output.WriteLine("| GC heap | not sampled (dotnet tool restore installs dotnet-counters) | | | |");
        Row(output, "threads", middle, end, s => s.Proc.Threads);
        Row(output, "open file descriptors", middle, end, s => s.Proc.OpenFiles);
    }

    private static void Row(TextWriter output, string name, List<SoakSample> middle, List<SoakSample> end, Func<SoakSample, double> value)
    {
        var a = middle.Average(value);
        var b = end.Average(value);
        var both = middle.Concat(end).ToList();
        output.WriteLine(Invariant($"| {name} | {a:0.0} | {b:0.0} | {b / a:0.000}x | {Slope(both.Select(s => (s.Seconds / 60, value(s))).ToList()):+0.00;-0.00} |"));
    }

    private static double Slope(List<(double X, double Y)> points)
    {
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var den = points.Sum(p => (p.X - mx) * (p.X - mx));
        return den == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / den;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
