namespace MessageQueue.Benchmarks;

/// <summary>The gateway against itself in the same run: the REST door against the legacy one, the event stream against SUB.</summary>
internal sealed partial class Report
{
    private const string LegacyToSub = "legacy type 3 to SUB";
    private const string LegacyToSse = "legacy type 3 to event stream";
    private const string RestToSub = "REST POST to SUB";
    private const string RestToSse = "REST POST to event stream";

    private readonly List<Comparison> _comparisons = [];
    private readonly List<string> _comparisonDetails = [];

    /// <summary>REST updates against the gateway's legacy updates at the same concurrency (each on a fresh gateway).</summary>
    public void AddLegacyContext(int clients, LoadResult rest, LoadResult legacy)
    {
        var scenario = FigureNames.Load(RequestKind.RestUpdate, clients);
        var baseline = FigureNames.Load(RequestKind.Update, clients);
        _comparisons.Add(new(FigureNames.Throughput(scenario), FigureUnit.RequestsPerSecond, rest.RequestsPerSecond, baseline, legacy.RequestsPerSecond));
        _comparisons.Add(new(FigureNames.P50(scenario), FigureUnit.Milliseconds, rest.Latency.P50Ms, baseline, legacy.Latency.P50Ms));
        _comparisons.Add(new(FigureNames.P99(scenario), FigureUnit.Milliseconds, rest.Latency.P99Ms, baseline, legacy.Latency.P99Ms));
        _comparisons.Add(new(FigureNames.CpuPerRequest(scenario), FigureUnit.CpuMicroseconds, rest.ServerCpuMicrosPerRequest, baseline, legacy.ServerCpuMicrosPerRequest));
    }

    public void Add(DeliveryResult result)
    {
        AddLatencies(RestToSub, result.Rest.ToSub, LegacyToSub, result.Legacy.ToSub);
        AddLatencies(RestToSse, result.Rest.ToSse, RestToSub, result.Rest.ToSub);
        AddLatencies(LegacyToSse, result.Legacy.ToSse, LegacyToSub, result.Legacy.ToSub);
        AddLatencies("REST POST reply (201)", result.Rest.Reply, "legacy type 3 reply", result.Legacy.Reply);
        var cpu = new Dictionary<ServerKind, CpuWindow> { [ServerKind.Gateway] = result.Cpu };
        _comparisonDetails.Add(Invariant($"update to SUB and event stream: {result.UpdatesPerDoor} measured updates per door, alternating, after {result.Probes} probes; gateway CPU per update {result.ServerCpuMicrosPerUpdate:0} µs; {Describe(cpu)}"));
    }

    private void AddLatencies(string scenario, Latency value, string baseline, Latency baselineValue)
    {
        _comparisons.Add(new(FigureNames.P50(scenario), FigureUnit.Milliseconds, value.P50Ms, baseline, baselineValue.P50Ms));
        _comparisons.Add(new(FigureNames.P99(scenario), FigureUnit.Milliseconds, value.P99Ms, baseline, baselineValue.P99Ms));
        _comparisons.Add(new(FigureNames.Max(scenario), FigureUnit.Milliseconds, value.MaxMs, baseline, baselineValue.MaxMs));
    }

    private void WriteComparisons(TextWriter output)
    {
        if (_comparisons.Count == 0)
            return;
        output.WriteLine("The gateway against itself (same run): ratio = figure / the figure it is compared with.");
        output.WriteLine();
        output.WriteLine("| scenario (gateway) | value | compared with | its value | ratio |");
        output.WriteLine("|---|---:|---|---:|---:|");
        foreach (var c in _comparisons)
            output.WriteLine($"| {c.Name} | {Format(c.Value, c.Unit)} | {c.Baseline} | {Format(c.BaselineValue, c.Unit)} | {Invariant($"{c.Ratio:0.00}x")} |");
        output.WriteLine();
    }
}
