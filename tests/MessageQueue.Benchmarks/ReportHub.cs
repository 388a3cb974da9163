namespace MessageQueue.Benchmarks;

/// <summary>The hub group's figures: the gateway against the minimal SignalR server in each GC mode, its SUB sockets, and the GC modes against each other.</summary>
internal sealed partial class Report
{
    private const double HubCeilingRatio = 1.25;

    private readonly List<Target> _hubTargets = [];
    private readonly List<string> _hubDetails = [];
    private bool _hasHubFigures;

    /// <summary>One dictionary of results per GC mode measured (server GC first when both are).</summary>
    public void Add(IReadOnlyList<IReadOnlyDictionary<ServerKind, HubResult>> byGcMode)
    {
        _hasHubFigures = true;
        foreach (var results in byGcMode)
            AddHub(results);
        if (byGcMode is [var server, var workstation] && server[ServerKind.Gateway].ServerGc && !workstation[ServerKind.Gateway].ServerGc)
            AddGcComparison(server[ServerKind.Gateway], workstation[ServerKind.Gateway]);
    }

    private void AddHub(IReadOnlyDictionary<ServerKind, HubResult> results)
    {
        var gateway = results[ServerKind.Gateway];
        var scenario = FigureNames.Hub(gateway.Client, gateway.Connections, gateway.ServerGc);
        var toSub = FigureNames.HubToSub(gateway.Client, gateway.Connections, gateway.ServerGc);
        _figures.Add(new(FigureNames.Delivered(scenario), FigureUnit.Fraction, Values(results, r => r.DeliveredFraction)));
        _figures.Add(new(FigureNames.P50(scenario), FigureUnit.Milliseconds, Values(results, r => r.ToBrowsers.P50Ms)));
        _figures.Add(new(FigureNames.P99(scenario), FigureUnit.Milliseconds, Values(results, r => r.ToBrowsers.P99Ms)));
        _figures.Add(new(FigureNames.Max(scenario), FigureUnit.Milliseconds, Values(results, r => r.ToBrowsers.MaxMs)));
        _figures.Add(new(FigureNames.P50(toSub), FigureUnit.Milliseconds, Values(results, r => r.ToSub.P50Ms)));
        _figures.Add(new(FigureNames.P99(toSub), FigureUnit.Milliseconds, Values(results, r => r.ToSub.P99Ms)));
        _figures.Add(new(FigureNames.RssPerConnection(scenario), FigureUnit.Kilobytes, Values(results, r => r.RssKilobytesPerConnection)));
        _figures.Add(new(FigureNames.RssPerConnectionAfter(scenario), FigureUnit.Kilobytes, Values(results, r => r.RssAfterKilobytesPerConnection)));
        _cpuFigures.Add(new(FigureNames.CpuPerDelivery(scenario), FigureUnit.CpuMicroseconds, Values(results, r => r.ServerCpuMicrosPerDelivery)));

        // The same updates as seen by the gateway's browsers and by its legacy subscribers.
        _comparisons.Add(new(FigureNames.P50(scenario), FigureUnit.Milliseconds, gateway.ToBrowsers.P50Ms, "same updates to SUB", gateway.ToSub.P50Ms));
        _comparisons.Add(new(FigureNames.P99(scenario), FigureUnit.Milliseconds, gateway.ToBrowsers.P99Ms, "same updates to SUB", gateway.ToSub.P99Ms));

        var mode = gateway.ServerGc ? "server GC" : "workstation GC";
        _hubTargets.Add(new($"hub, {mode}: every update reaches every connection on the gateway", FigureNames.Delivered(scenario), 1.0, AtLeast: true, OnGatewayValue: true));
        _hubTargets.Add(new(Invariant($"hub, {mode}: CPU per delivery <= {HubCeilingRatio}x minimal SignalR server"), FigureNames.CpuPerDelivery(scenario), HubCeilingRatio, AtLeast: false));
        _hubTargets.Add(new(Invariant($"hub, {mode}: p99 to browsers <= {HubCeilingRatio}x minimal SignalR server"), FigureNames.P99(scenario), HubCeilingRatio, AtLeast: false));

        _hubDetails.Add(Invariant($"{scenario}: {Each(results, DescribeHub)}; {Describe(Values(results, r => r.Cpu))}"));
    }

    private void AddGcComparison(HubResult server, HubResult workstation)
    {
        var scenario = FigureNames.Hub(workstation.Client, workstation.Connections, serverGc: false);
        var baseline = FigureNames.Hub(server.Client, server.Connections, serverGc: true);
        _comparisons.Add(new(FigureNames.CpuPerDelivery(scenario), FigureUnit.CpuMicroseconds, workstation.ServerCpuMicrosPerDelivery, baseline, server.ServerCpuMicrosPerDelivery));
        _comparisons.Add(new(FigureNames.P99(scenario), FigureUnit.Milliseconds, workstation.ToBrowsers.P99Ms, baseline, server.ToBrowsers.P99Ms));
        _comparisons.Add(new(FigureNames.RssPerConnection(scenario), FigureUnit.Kilobytes, workstation.RssKilobytesPerConnection, baseline, server.RssKilobytesPerConnection));
        _comparisons.Add(new(FigureNames.RssPerConnectionAfter(scenario), FigureUnit.Kilobytes, workstation.RssAfterKilobytesPerConnection, baseline, server.RssAfterKilobytesPerConnection));
    }

    private static string DescribeHub(HubResult r)
    {
        var heap = r.ManagedKilobytesPerConnection is { } managed
            ? Invariant($", live managed heap {managed:0.0} KB/conn. ({Megabytes(r.HeapDisconnected!.ManagedBytes)} without connections, {Megabytes(r.HeapConnected!.ManagedBytes)} with)")
            : "";
        var trouble = r.Closed > 0 || r.Duplicates > 0 ? Invariant($", {r.Closed} connections lost, {r.Duplicates} duplicates") : "";
        return Invariant($"({r.GcCheck}) {r.Probes} probes, {r.WarmupUpdates} warm-up and {r.Updates} measured updates, reply p50/p99 {Format(r.Reply.P50Ms, FigureUnit.Milliseconds)}/{Format(r.Reply.P99Ms, FigureUnit.Milliseconds)} ms, server JIT {r.ServerJitMicrosPerDelivery:0.0} of its {r.ServerCpuMicrosPerDelivery:0.0} µs CPU/delivery, generator {r.GeneratorCpuMicrosPerDelivery:0.0} µs CPU/delivery, RSS {Megabytes(r.RssBefore)} before, {Megabytes(r.RssConnected)} connected, {Megabytes(r.RssAfter)} after the updates{heap}{trouble}; phases (s) start and prewarm {r.Phases.Start:0.0}, open and probe {r.Phases.Open:0.0}, settle {r.Phases.Settle:0.0}, warm-up {r.Phases.Warmup:0.0}, measured {r.Phases.Measured:0.0}");
    }

    private static string Megabytes(long bytes) => Invariant($"{bytes / 1048576.0:0.0} MB");
}
