namespace MessageQueue.Benchmarks;

/// <summary>The list load on the gateway with its ZMTP guard on and off, a few windows of each, in turns.</summary>
internal sealed record GuardResult(IReadOnlyList<LoadResult> On, IReadOnlyList<LoadResult> Off)
{
    /// <summary>The window of the guarded gateway with the median CPU per request (the gateway's figure in the main table).</summary>
    public LoadResult MedianOn => Median(On);

    public LoadResult MedianOff => Median(Off);

    /// <summary>What the guard costs per request: the median, over the rounds, of guarded minus unguarded CPU per request.</summary>
    public double GuardMicrosPerRequest =>
        On.Zip(Off, (on, off) => on.ServerCpuMicrosPerRequest - off.ServerCpuMicrosPerRequest).Order().ElementAt(On.Count / 2);

    private static LoadResult Median(IReadOnlyList<LoadResult> windows) =>
        windows.OrderBy(w => w.ServerCpuMicrosPerRequest).ElementAt(windows.Count / 2);
}

/// <summary>
/// What the ZMTP guard costs: the gateway and a gateway started with the guard off (a measurement-only setting) run
/// side by side, and the same list load goes to each in turn, window after window. Other processes on a shared
/// machine come and go within seconds; taking turns spreads what they take over both alike, which two measurements
/// one after the other do not.
/// </summary>
internal static class GuardScenario
{
    public static Dictionary<int, GuardResult> Run(BenchmarkOptions options)
    {
        using var on = ServerLauncher.Start(ServerKind.Gateway, options);
        using var off = ServerLauncher.StartUnguardedGateway(options);
        foreach (var server in (ServerProcess[])[on, off])
            RequestLoad.Settle(server, LoadChannels.Legacy(server, Workloads.List), BenchmarkRun.SettlingClients, options);
        return options.ClientCounts.ToDictionary(clients => clients, clients =>
        {
            List<LoadResult> guarded = [], unguarded = [];
            for (var round = 0; round < options.GuardRounds; round++)
            {
                guarded.Add(BenchmarkRun.Logged(on, RequestKind.List, clients, RequestLoad.Run(on, RequestKind.List, clients, options)));
                unguarded.Add(BenchmarkRun.Logged(off, RequestKind.List, clients, RequestLoad.Run(off, RequestKind.List, clients, options)));
            }
            return new GuardResult(guarded, unguarded);
        });
    }
}
