using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.InteropServices;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Runs every scenario on every server and prints the report. Servers are started fresh and settled before they
/// are measured. Updates grow a subject's content (the legacy rule) and every publication carries the whole
/// content, so each timed update measurement gets freshly started servers; the list scenarios (no growth) and the
/// fan-out scenarios (the same fixed number of updates on every server) share one server per kind.
/// </summary>
internal static class BenchmarkRun
{
    // Enough concurrent clients to settle a server shared by several scenarios.
    public const int SettlingClients = 4;

    public static int Run(BenchmarkOptions options)
    {
        if (!File.Exists(options.GatewayDll))
        {
            Console.Error.WriteLine($"No gateway at {options.GatewayDll}: build first (cd {BenchmarkPaths.Root} && dotnet build -c {BenchmarkPaths.Configuration} MessageQueue.sln).");
            return 3;
        }
        List<ServerKind> servers = [ServerKind.Gateway, ServerKind.Minimal];
        if (options.IncludePython)
            servers.Add(ServerKind.PyZmq);
        WriteSetup(options, servers);

        var report = new Report(servers);
        SoakResult? soak = null;
        FlatnessResult? flatness = null;
        IReadOnlyList<AttackResult>? attacks = null;
        StoreResult? store = null;
        ClusterResult? cluster = null;
        IngestResult? ingest = null;
        var total = Stopwatch.StartNew();
        try
        {
            if (options.Groups.Contains("list"))
            {
                // The gateway's figures come from the guard scenario: its guarded windows, the median of them.
                var guard = GuardScenario.Run(options);
                var byServer = servers.Where(s => s != ServerKind.Gateway).ToDictionary(s => s, s => MeasureList(s, options));
                byServer[ServerKind.Gateway] = guard.ToDictionary(g => g.Key, g => g.Value.MedianOn);
                foreach (var clients in options.ClientCounts)
                {
                    report.Add(RequestKind.List, clients, servers.ToDictionary(s => s, s => byServer[s][clients]));
                    report.AddGuard(clients, guard[clients]);
                }
            }
            var gatewayUpdates = new Dictionary<int, LoadResult>();
            if (options.Groups.Contains("update"))
            {
                foreach (var clients in options.UpdateClientCounts)
                {
                    var results = servers.ToDictionary(s => s, s => MeasureUpdates(s, clients, options));
                    gatewayUpdates[clients] = results[ServerKind.Gateway];
                    report.Add(RequestKind.Update, clients, results);
                }
            }
            if (options.Groups.Contains("fanout"))
            {
                var byServer = servers.ToDictionary(s => s, s => MeasureFanout(s, options));
                foreach (var subscribers in options.SubscriberCounts)
                    report.Add(subscribers, servers.ToDictionary(s => s, s => byServer[s][subscribers]));
            }
            if (options.Groups.Contains("flatness"))
                flatness = FlatnessScenario.Run(options);
            RestScenarios.Run(options, report, gatewayUpdates);
            if (options.Groups.Contains("email"))
                report.Add(EmailScenarios.Run(options));
            if (options.Groups.Contains("email-busy"))
                BusyMailScenario.Run(options);
            if (options.Groups.Contains("hub"))
                HubScenarios.Run(options, report);
            if (options.Groups.Contains("soak"))
                soak = SoakScenario.Run(options);
            if (options.Groups.Contains("attack"))
                attacks = AttackScenario.Run(options);
            if (options.Groups.Contains("store"))
                store = StoreScenario.Run(options);
            if (options.Groups.Contains("cluster"))
                cluster = ClusterScenario.Run(options);
            if (options.Groups.Contains("ingest"))
                ingest = IngestScenario.Run(options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or HttpRequestException or OperationCanceledException or WebSocketException)
        {
            Console.Error.WriteLine($"The benchmark could not finish: {ex}");
            return 3;
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"All measurements took {total.Elapsed.TotalSeconds:0} s."));
        Console.WriteLine();
        if (options.Groups.Any(g => g is not ("soak" or "attack" or "flatness" or "store" or "cluster" or "ingest")))
            report.Write(Console.Out);
        if (flatness is not null)
        {
            Console.WriteLine();
            ReportFlatness.Write(Console.Out, flatness);
        }
        if (soak is not null)
        {
            Console.WriteLine();
            ReportSoak.Write(Console.Out, soak);
        }
        if (attacks is not null)
        {
            Console.WriteLine();
            ReportAttack.Write(Console.Out, attacks, options);
        }
        if (store is not null)
        {
            Console.WriteLine();
            ReportStore.Write(Console.Out, store);
        }
        if (cluster is not null)
        {
            Console.WriteLine();
            ReportCluster.Write(Console.Out, cluster);
        }
        if (ingest is not null)
        {
            Console.WriteLine();
            ReportIngest.Write(Console.Out, ingest);
        }
        return report.AllTargetsPass && (flatness is null || ReportFlatness.Passes(flatness)) && (store is null || ReportStore.Passes(store))
            && (cluster is null || ReportCluster.Passes(cluster)) ? 0 : 1;
    }

    private static Dictionary<int, LoadResult> MeasureList(ServerKind server, BenchmarkOptions options)
    {
        using var process = ServerLauncher.Start(server, options);
        RequestLoad.Settle(process, LoadChannels.Legacy(process, Workloads.List), SettlingClients, options);
        return options.ClientCounts.ToDictionary(c => c, c => Logged(process, RequestKind.List, c, RequestLoad.Run(process, RequestKind.List, c, options)));
    }

    public static LoadResult MeasureUpdates(ServerKind server, int clients, BenchmarkOptions options)
    {
        using var process = ServerLauncher.Start(server, options);
        // Not with updates: their number in a timed settle would differ between servers, and so would the content.
        RequestLoad.Settle(process, LoadChannels.Legacy(process, Workloads.EmailChurn), clients, options);
        return Logged(process, RequestKind.Update, clients, RequestLoad.Run(process, RequestKind.Update, clients, options));
    }

    private static Dictionary<int, FanoutResult> MeasureFanout(ServerKind server, BenchmarkOptions options)
    {
        using var process = ServerLauncher.Start(server, options);
        SubscriberLatency.Settle(process, SettlingClients, options);
        return options.SubscriberCounts.ToDictionary(n => n, n =>
        {
            var result = SubscriberLatency.Run(process, n, options);
            Console.WriteLine(Invariant($"  {FigureNames.Fanout(n),-36} {process.Name,-8} p50 {result.Delivery.P50Ms:0.000} ms  p99 {result.Delivery.P99Ms:0.000} ms  max {result.Delivery.MaxMs:0.000} ms  ({result.Delivery.Samples} receipts, {result.Probes} probes)"));
            return result;
        });
    }

    public static LoadResult Logged(ServerProcess process, RequestKind kind, int clients, LoadResult result)
    {
        Console.WriteLine(Invariant($"  {FigureNames.Load(kind, clients),-36} {process.Name,-8} {result.RequestsPerSecond,9:N0} req/s  p50 {result.Latency.P50Ms:0.000} ms  p99 {result.Latency.P99Ms:0.000} ms  server {result.ServerCpuMicrosPerRequest:0.0} µs CPU/req"));
        return result;
    }

    private static void WriteSetup(BenchmarkOptions options, IReadOnlyList<ServerKind> servers)
    {
        Console.WriteLine("# MessageQueue gateway benchmark");
        Console.WriteLine();
        Console.WriteLine(Invariant($"- machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {BenchmarkPaths.Configuration} build"));
        Console.WriteLine($"- servers: {string.Join("; ", servers.Select(Describe))}");
        // The gateway inherits this process's environment: Store__FlushEachCommit=false measures commits without a disk flush.
        Console.WriteLine(Invariant($"- gateway Store:FlushEachCommit: {Environment.GetEnvironmentVariable("Store__FlushEachCommit") ?? "true (default: every commit flushed to the disk)"}"));
        Console.WriteLine(Invariant($"- {InlineCompletions.Variable}: servers {(options.InlineCompletions ? "1" : "unset")}, this generator {(InlineCompletions.InThisProcess ? "1" : "unset")}"));
        Console.WriteLine($"- gateway: {options.GatewayDll}");
        if (options.Groups.Contains("list"))
            Console.WriteLine(Invariant($"- list on the gateway: {options.GuardRounds} windows per client count, taking turns with a gateway started with {ServerLauncher.UnguardedSetting}=true (both running); the ZMTP guard's cost is the median over the rounds of the CPU per request with it on minus with it off, and the gateway's figures are its median window"));
        if (options.GatewayEnvironment.Count > 0)
            Console.WriteLine($"- gateway only: {string.Join(", ", options.GatewayEnvironment.Select(e => $"{e.Key}={e.Value}"))}");
        Console.WriteLine($"- load average before the run: {MachineLoad()} (other processes on this machine skew every figure; see 'other processes' below)");
        if (options.Quick)
            Console.WriteLine("- QUICK smoke run: short windows, servers not fully settled; do not quote these figures");
        Console.WriteLine(Invariant($"- every server is settled after start-up: load that leaves the measured content unchanged (list requests; email register/unregister through the store; updates on the other subjects) until its JIT is quiet, {options.SettleMinimum.TotalSeconds:0.#} to {options.SettleMaximum.TotalSeconds:0.#} s"));
        Console.WriteLine(Invariant($"- then each measurement has at least {options.Warmup.TotalSeconds:0.#} s warm-up (longer while the JIT is busy) and {options.Measure.TotalSeconds:0.#} s measured"));
        Console.WriteLine("- request scenarios: closed loop, each REQ client on its own thread and socket");
        Console.WriteLine(Invariant($"- updates: text \"{Workloads.UpdateText}\", each client going round the {LegacyFrames.Subjects.Count} subjects; fresh servers for every update measurement, so content starts equal"));
        Console.WriteLine(Invariant($"- fan-out: SUB sockets on '{SubscriberLatency.Subject}', probe updates until each has one (slow joiner), {options.FanoutWarmupUpdates} warm-up then {options.FanoutUpdates} measured updates, one at a time, text \"m<n>\" as the match marker"));
        Console.WriteLine("- the minimal server keeps each subject's accumulated content in memory (no disk) so its publications are the same size as the gateway's (the whole content)");
        if (RestScenarios.AnySelected(options))
            RestScenarios.WriteSetup(options);
        if (options.Groups.Contains("email"))
            EmailScenarios.WriteSetup(options);
        if (options.Groups.Contains("hub"))
            HubScenarios.WriteSetup(options);
        if (options.Groups.Contains("soak"))
            SoakScenario.WriteSetup(options);
        if (options.Groups.Contains("attack"))
            AttackScenario.WriteSetup(options);
        if (options.Groups.Contains("store"))
            StoreScenario.WriteSetup(options);
        if (options.Groups.Contains("cluster"))
            ClusterScenario.WriteSetup(options);
        if (options.Groups.Contains("ingest"))
            IngestScenario.WriteSetup(options);
        Console.WriteLine();
    }

    private static string MachineLoad() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Describe(ServerKind server) => server switch
    {
        ServerKind.Gateway => "gateway (ROUTER door, SQLite group commit, then PUB)",
        ServerKind.Minimal => "minimal (one NetMQ thread: ROUTER + PUB, in memory)",
        _ => "pyzmq (REP + PUB, json per request, like the original Python server)",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
