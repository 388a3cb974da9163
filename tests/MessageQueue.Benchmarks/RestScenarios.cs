using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The REST scenario groups: the gateway's HTTP door against the minimal ASP.NET Core app (list; durable updates,
/// with the gateway's legacy door at the same concurrency for context), and on the gateway alone the time from an
/// update to a ZeroMQ subscriber and to an event-stream reader, REST against legacy. Servers are started as for the
/// legacy groups: one per kind for the list, fresh ones for every update measurement.
/// </summary>
internal static class RestScenarios
{
    private static readonly ServerKind[] Servers = [ServerKind.Gateway, ServerKind.Minimal];

    public static bool AnySelected(BenchmarkOptions options) => options.Groups.Any(g => g.StartsWith("rest-", StringComparison.Ordinal));

    /// <summary>Runs the selected REST groups; the gateway's legacy update results of this run (by client count) are reused for context.</summary>
    public static void Run(BenchmarkOptions options, Report report, IReadOnlyDictionary<int, LoadResult> gatewayLegacyUpdates)
    {
        if (options.Groups.Contains("rest-list"))
        {
            var byServer = Servers.ToDictionary(s => s, s => MeasureList(s, options));
            foreach (var clients in options.RestClientCounts)
                report.Add(RequestKind.RestList, clients, Servers.ToDictionary(s => s, s => byServer[s][clients]));
        }
        if (options.Groups.Contains("rest-update"))
        {
            foreach (var clients in options.RestUpdateClientCounts)
            {
                var results = Servers.ToDictionary(s => s, s => MeasureUpdates(s, clients, options));
                report.Add(RequestKind.RestUpdate, clients, results);
                var legacy = gatewayLegacyUpdates.TryGetValue(clients, out var measured)
                    ? measured
                    : BenchmarkRun.MeasureUpdates(ServerKind.Gateway, clients, options);
                report.AddLegacyContext(clients, results[ServerKind.Gateway], legacy);
            }
        }
        if (options.Groups.Contains("rest-latency"))
            report.Add(MeasureDelivery(options));
    }

    public static void WriteSetup(BenchmarkOptions options)
    {
        Console.WriteLine("- REST scenarios: HTTP/1.1 keep-alive, each client thread with its own HttpClient (SocketsHttpHandler, one connection, synchronous Send); minimal = this executable's minimal ASP.NET Core app (Kestrel, minimal API endpoints on the gateway's routes and JSON shapes, server GC like the gateway, fixed answers, nothing stored or published)");
        Console.WriteLine(Invariant($"- REST updates: POST {{\"text\":\"{Workloads.UpdateText}\"}} going round the subjects, fresh servers for every measurement, settled with email register/unregister over REST; the gateway's legacy type 3 at the same concurrency for context"));
        Console.WriteLine(Invariant($"- update to SUB and event stream: one gateway, one SUB socket and one event-stream reader (HttpClient, ResponseHeadersRead, lines read on its own thread) on '{RestLatency.Subject}'; legacy and REST updates alternating, one at a time, each timed from just before its request to each reader having it; {options.FanoutWarmupUpdates} warm-up then {options.FanoutUpdates} measured per door; settled with both doors' updates on the other subjects, their event streams open"));
    }

    private static Dictionary<int, LoadResult> MeasureList(ServerKind server, BenchmarkOptions options)
    {
        using var process = ServerLauncher.StartHttp(server, options);
        RequestLoad.Settle(process, LoadChannels.Rest(process, RestWorkloads.List), BenchmarkRun.SettlingClients, options);
        return options.RestClientCounts.ToDictionary(c => c, c =>
            BenchmarkRun.Logged(process, RequestKind.RestList, c, RequestLoad.Run(process, RequestKind.RestList, c, options)));
    }

    private static LoadResult MeasureUpdates(ServerKind server, int clients, BenchmarkOptions options)
    {
        using var process = ServerLauncher.StartHttp(server, options);
        // The store's path without changing any content, as the legacy update scenario settles.
        RequestLoad.Settle(process, LoadChannels.Rest(process, RestWorkloads.EmailChurn), clients, options);
        return BenchmarkRun.Logged(process, RequestKind.RestUpdate, clients, RequestLoad.Run(process, RequestKind.RestUpdate, clients, options));
    }

    private static DeliveryResult MeasureDelivery(BenchmarkOptions options)
    {
        using var gateway = ServerLauncher.StartHttp(ServerKind.Gateway, options);
        RestLatency.Settle(gateway, BenchmarkRun.SettlingClients, options);
        var result = RestLatency.Run(gateway, options);
        foreach (var (path, latency) in new[]
        {
            ("legacy type 3 to SUB", result.Legacy.ToSub), ("legacy type 3 to event stream", result.Legacy.ToSse),
            ("REST POST to SUB", result.Rest.ToSub), ("REST POST to event stream", result.Rest.ToSse),
            ("legacy type 3 reply", result.Legacy.Reply), ("REST POST reply", result.Rest.Reply),
        })
        {
            Console.WriteLine(Invariant($"  {path,-36} {gateway.Name,-8} p50 {latency.P50Ms:0.000} ms  p99 {latency.P99Ms:0.000} ms  max {latency.MaxMs:0.000} ms  ({latency.Samples} updates)"));
        }
        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
