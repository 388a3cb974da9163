namespace MessageQueue.Benchmarks;

/// <summary>The ZMTP guard's own cost: the same list load on the gateway with its guard on and off, in the same run.</summary>
internal sealed partial class Report
{
    private const string GuardOff = "same, guard off";

    /// <summary>The guard may cost at most this share of what the door costs without it, per list request (issue 14).</summary>
    private const double GuardCeilingRatio = 0.3;

    private const int GuardTargetClients = 16;

    private readonly List<(string Description, double Ratio)> _guardTargets = [];
    private readonly List<string> _guardDetails = [];

    public void AddGuard(int clients, GuardResult result)
    {
        var scenario = FigureNames.Load(RequestKind.List, clients);
        var (on, off) = (result.MedianOn, result.MedianOff);
        _comparisons.Add(new(FigureNames.Throughput(scenario), FigureUnit.RequestsPerSecond, on.RequestsPerSecond, GuardOff, off.RequestsPerSecond));
        _comparisons.Add(new(FigureNames.CpuPerRequest(scenario), FigureUnit.CpuMicroseconds, on.ServerCpuMicrosPerRequest, GuardOff, off.ServerCpuMicrosPerRequest));

        var guard = result.GuardMicrosPerRequest;
        var door = off.ServerCpuMicrosPerRequest;
        // The issue's narrower measure of the door: NetMQ's I/O thread and the door's poller, without NetMQ's own socket completions.
        var ioAndPoller = PerRequest(off, off.Cpu.ServerThreads.Where(t => t.Key.StartsWith("iothread", StringComparison.Ordinal) || t.Key == "zmq-door").Sum(t => t.Value.TotalMicroseconds));
        var rounds = string.Join(", ", result.On.Zip(result.Off, (a, b) => Invariant($"{a.ServerCpuMicrosPerRequest:0.0}/{b.ServerCpuMicrosPerRequest:0.0}")));
        _guardDetails.Add(Invariant(
            $"ZMTP guard, {scenario}: {guard:0.0} µs CPU per request (rounds on/off: {rounds}), {guard / door:0.00}x the door's whole cost with the guard off (its median window, {door:0.0} µs), {guard / ioAndPoller:0.00}x its NetMQ I/O thread and poller ({ioAndPoller:0.0} µs); µs per request by thread in the median windows, on: {Split(on)}; off: {Split(off)}"));
        if (clients == GuardTargetClients)
            _guardTargets.Add((Invariant($"list with {clients} clients: the ZMTP guard's CPU per request <= {GuardCeilingRatio}x the gateway's with the guard off"), guard / door));
    }

    private bool GuardTargetsPass => _guardTargets.All(t => t.Ratio <= GuardCeilingRatio);

    private void WriteGuardTargets(TextWriter output)
    {
        foreach (var (description, ratio) in _guardTargets)
            output.WriteLine(Invariant($"- {(ratio <= GuardCeilingRatio ? "PASS" : "FAIL")}: {description} (ratio {ratio:0.00}x)"));
    }

    /// <summary>The server's threads by name, in µs of CPU per request, busiest first.</summary>
    private static string Split(LoadResult result) => string.Join(", ", result.Cpu.ServerThreads
        .Select(t => (t.Key, Micros: PerRequest(result, t.Value.TotalMicroseconds)))
        .Where(t => t.Micros >= 0.5).OrderByDescending(t => t.Micros).Take(6)
        .Select(t => Invariant($"{t.Key} {t.Micros:0.0}")));

    private static double PerRequest(LoadResult result, double micros) => micros / Math.Max(1, result.Requests);
}
