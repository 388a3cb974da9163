using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>Collects every figure and prints them as Markdown tables, ready for the README, with the targets.</summary>
internal sealed partial class Report(IReadOnlyList<ServerKind> servers)
{
    private static readonly Target[] Targets =
    [
        new("list with 16 clients: throughput >= 0.9x minimal",
            FigureNames.Throughput(FigureNames.Load(RequestKind.List, 16)), 0.9, AtLeast: true),
        new("durable updates with 16 clients: throughput >= 0.5x minimal",
            FigureNames.Throughput(FigureNames.Load(RequestKind.Update, 16)), 0.5, AtLeast: true),
        new("update to 100 subscribers: p99 <= 1.5x minimal's p99",
            FigureNames.P99(FigureNames.Fanout(100)), 1.5, AtLeast: false),
    ];

    private readonly List<Figure> _figures = [];
    private readonly List<Figure> _cpuFigures = [];
    private readonly List<string> _cpuDetails = [];
    private readonly List<string> _fanoutDetails = [];
    private bool _hasRestFigures;

    public void Add(RequestKind kind, int clients, IReadOnlyDictionary<ServerKind, LoadResult> results)
    {
        var scenario = FigureNames.Load(kind, clients);
        _hasRestFigures |= kind is RequestKind.RestList or RequestKind.RestUpdate;
        _figures.Add(new(FigureNames.Throughput(scenario), FigureUnit.RequestsPerSecond, Values(results, r => r.RequestsPerSecond)));
        _figures.Add(new(FigureNames.P50(scenario), FigureUnit.Milliseconds, Values(results, r => r.Latency.P50Ms)));
        _figures.Add(new(FigureNames.P99(scenario), FigureUnit.Milliseconds, Values(results, r => r.Latency.P99Ms)));
        _cpuFigures.Add(new(FigureNames.CpuPerRequest(scenario), FigureUnit.CpuMicroseconds, Values(results, r => r.ServerCpuMicrosPerRequest)));

        var growth = kind == RequestKind.Update
            ? Invariant($"; each subject's content grew by about {Each(results, r => Kilobytes(r.AnsweredInAllPhases * (Workloads.UpdateText.Length + 1) / LegacyFrames.Subjects.Count))}")
            : "";
        _cpuDetails.Add(Invariant($"{scenario}: {Describe(Values(results, r => r.Cpu))}; server JIT while measured {Each(results, r => Invariant($"{r.ServerJitCpu.TotalSeconds:0.00} s"))}{growth}"));
    }

    public void Add(int subscribers, IReadOnlyDictionary<ServerKind, FanoutResult> results)
    {
        var scenario = FigureNames.Fanout(subscribers);
        _figures.Add(new(FigureNames.P50(scenario), FigureUnit.Milliseconds, Values(results, r => r.Delivery.P50Ms)));
        _figures.Add(new(FigureNames.P99(scenario), FigureUnit.Milliseconds, Values(results, r => r.Delivery.P99Ms)));
        _fanoutDetails.Add(Invariant($"{scenario}: update reply p50/p99 {Each(results, r => Invariant($"{Format(r.Reply.P50Ms, FigureUnit.Milliseconds)}/{Format(r.Reply.P99Ms, FigureUnit.Milliseconds)} ms"))}; CPU per update, server {Each(results, r => Invariant($"{r.ServerCpuMicrosPerUpdate:0} µs"))}, generator {Each(results, r => Invariant($"{r.GeneratorCpuMicrosPerUpdate:0} µs"))}; {Describe(Values(results, r => r.Cpu))}"));
    }

    public bool AllTargetsPass => Targets.Concat(_hubTargets).All(t => Find(t.FigureName) is not { } figure || t.Passes(figure)) && GuardTargetsPass;

    public void Write(TextWriter output)
    {
        output.WriteLine("Ratio = gateway / minimal: above 1 is better for requests/s, below 1 is better for latency and CPU.");
        if (_hasRestFigures)
            output.WriteLine("In the REST rows, minimal is the minimal ASP.NET Core app (same routes and JSON shapes, fixed answers, nothing stored).");
        if (_hasHubFigures)
            output.WriteLine("In the hub rows, minimal is the minimal SignalR server (a hub that only joins groups, the minimal NetMQ door broadcasting each update to the group; no store).");
        output.WriteLine();
        WriteTable(output, _figures);
        output.WriteLine();
        WriteComparisons(output);
        output.WriteLine("CPU cost (all server threads, during the measured window):");
        output.WriteLine();
        WriteTable(output, _cpuFigures);
        output.WriteLine();
        foreach (var line in _cpuDetails.Concat(_guardDetails).Concat(_fanoutDetails).Concat(_comparisonDetails).Concat(_hubDetails))
            output.WriteLine($"- {line}");
        output.WriteLine();
        output.WriteLine("Targets:");
        foreach (var target in Targets.Concat(_hubTargets))
        {
            var figure = Find(target.FigureName);
            var verdict = figure is null ? "NOT MEASURED" : target.Passes(figure) ? "PASS" : "FAIL";
            var ratio = figure is null ? ""
                : target.OnGatewayValue ? Invariant($" (gateway {Format(target.Checked(figure), figure.Unit)})")
                : Invariant($" (ratio {figure.Ratio:0.00}x)");
            output.WriteLine($"- {verdict}: {target.Description}{ratio}");
        }
        WriteGuardTargets(output);
    }

    private void WriteTable(TextWriter output, List<Figure> figures)
    {
        var extra = servers.Where(s => s is not (ServerKind.Gateway or ServerKind.Minimal)).ToList();
        output.WriteLine("| scenario | gateway | minimal | ratio |" + string.Concat(extra.Select(s => $" {ServerLauncher.Label(s)} |")));
        output.WriteLine("|---|---:|---:|---:|" + string.Concat(extra.Select(_ => "---:|")));
        foreach (var figure in figures)
        {
            var cells = new[] { ServerKind.Gateway, ServerKind.Minimal }.Select(s => Format(figure.Values[s], figure.Unit))
                .Append(Invariant($"{figure.Ratio:0.00}x"))
                .Concat(extra.Select(s => figure.Values.TryGetValue(s, out var value) ? Format(value, figure.Unit) : "-"));
            output.WriteLine($"| {figure.Name} | {string.Join(" | ", cells)} |");
        }
    }

    private Figure? Find(string name) => _figures.Find(f => f.Name == name) ?? _cpuFigures.Find(f => f.Name == name);

    private static Dictionary<ServerKind, TValue> Values<T, TValue>(IReadOnlyDictionary<ServerKind, T> results, Func<T, TValue> value) =>
        results.ToDictionary(r => r.Key, r => value(r.Value));

    /// <summary>Cores busy during the window: each server with its busiest threads, the generator, and anything else.</summary>
    private static string Describe(IReadOnlyDictionary<ServerKind, CpuWindow> windows)
    {
        var servers = Each(windows, w => Invariant($"{w.Cores(w.Server):0.00} ({string.Join(", ", w.ServerThreads
            .Where(t => w.Cores(t.Value) >= 0.01).OrderByDescending(t => t.Value).Take(5)
            .Select(t => Invariant($"{t.Key} {w.Cores(t.Value):0.00}")))})"));
        return Invariant($"cores busy, server {servers}; generator {Each(windows, w => Invariant($"{w.Cores(w.Generator):0.00}"))}; other processes {Each(windows, w => Invariant($"{w.Cores(w.Others):0.00}"))}; steal {Each(windows, w => Invariant($"{w.Cores(w.Steal):0.00}"))}");
    }

    private static string Each<T>(IReadOnlyDictionary<ServerKind, T> results, Func<T, string> describe) =>
        string.Join(", ", results.Select(r => $"{ServerLauncher.Label(r.Key)} {describe(r.Value)}"));

    public static string Format(double value, FigureUnit unit) => unit switch
    {
        FigureUnit.RequestsPerSecond => value.ToString("N0", CultureInfo.InvariantCulture),
        FigureUnit.CpuMicroseconds or FigureUnit.Kilobytes => value.ToString("0.0", CultureInfo.InvariantCulture),
        FigureUnit.Fraction => value.ToString("0.0000", CultureInfo.InvariantCulture),
        _ => value.ToString(value < 1 ? "0.000" : value < 100 ? "0.00" : "0", CultureInfo.InvariantCulture),
    };

    private static string Kilobytes(long bytes) => Invariant($"{bytes / 1024.0:0.#} KB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
