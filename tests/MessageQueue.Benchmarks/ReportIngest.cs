using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>The ingest group's report: the pull source against REST, and the gateway against Pushpin, as ratios.</summary>
internal static class ReportIngest
{
    public static void Write(TextWriter output, IngestResult result)
    {
        var (ingest, rest) = (result.Throughput.Ingest, result.Throughput.Rest);
        output.WriteLine($"Ingest: durable updates through a pull source against the REST door, same gateway, same run (ratio = ingest / REST: above 1 is better for updates/s, below 1 for CPU).");
        output.WriteLine();
        output.WriteLine(Invariant($"| figure | ingest, 1 PUSH publisher | REST POST, {IngestThroughput.RestClients} clients | ratio |"));
        output.WriteLine("|---|---:|---:|---:|");
        output.WriteLine(Invariant($"| durable updates/s | {ingest.UpdatesPerSecond:N0} | {rest.UpdatesPerSecond:N0} | {ingest.UpdatesPerSecond / rest.UpdatesPerSecond:0.00}x |"));
        output.WriteLine(Invariant($"| gateway CPU per update (µs) | {ingest.ServerCpuMicrosPerUpdate:0} | {rest.ServerCpuMicrosPerUpdate:0} | {ingest.ServerCpuMicrosPerUpdate / rest.ServerCpuMicrosPerUpdate:0.00}x |"));
        output.WriteLine();
        var rounds = string.Join(", ", result.Throughput.Rounds.Select(r => Invariant(
            $"{r.Ingest.UpdatesPerSecond:0}/{r.Rest.UpdatesPerSecond:0} ({r.Ingest.UpdatesPerSecond / r.Rest.UpdatesPerSecond:0.00}x)")));
        output.WriteLine($"- every round, ingest/REST updates/s (ratio): {rounds}");
        var both = result.Throughput.Concurrent;
        output.WriteLine(Invariant($"- both at once: ingest {both.IngestedPerSecond:N0} updates/s, REST {both.RestCreatedPerSecond:N0} created/s, {both.RestRefused:N0} REST posts refused as busy (503, {both.RestRefusedFraction:P1})"));
        output.WriteLine($"- the source's pauses over the group ({{source, reason}} count): {result.Throughput.Pauses}");
        output.WriteLine($"- µs per update by gateway thread, ingest: {Busiest(ingest.Cpu.ServerThreads, ingest.Updates)}");
        output.WriteLine($"- µs per update by gateway thread, REST: {Busiest(rest.Cpu.ServerThreads, rest.Updates)}");
        output.WriteLine($"- cores busy, ingest: {Cores(ingest.Cpu, "gateway")}; REST: {Cores(rest.Cpu, "gateway")}");
        output.WriteLine();

        var latency = result.Latency;
        var (gateway, pushpin) = (latency.Gateway, latency.Pushpin);
        output.WriteLine(Invariant($"Ingest latency: a ZeroMQ PUSH publisher to {latency.Connections:N0} WebSocket clients, the gateway (pull source, stored, then the hub) against {result.PushpinVersion} (PUSH input, GRIP WebSockets), same run (ratio = gateway / Pushpin: below 1 is better)."));
        output.WriteLine();
        output.WriteLine("| figure | gateway | Pushpin | ratio |");
        output.WriteLine("|---|---:|---:|---:|");
        output.WriteLine(Invariant($"| p50 (ms) | {gateway.ToClients.P50Ms:0.00} | {pushpin.ToClients.P50Ms:0.00} | {gateway.ToClients.P50Ms / pushpin.ToClients.P50Ms:0.00}x |"));
        output.WriteLine(Invariant($"| p99 (ms) | {gateway.ToClients.P99Ms:0.00} | {pushpin.ToClients.P99Ms:0.00} | {gateway.ToClients.P99Ms / pushpin.ToClients.P99Ms:0.00}x |"));
        output.WriteLine(Invariant($"| max (ms) | {gateway.ToClients.MaxMs:0.00} | {pushpin.ToClients.MaxMs:0.00} | {gateway.ToClients.MaxMs / pushpin.ToClients.MaxMs:0.00}x |"));
        output.WriteLine(Invariant($"| server CPU per delivery (µs) | {gateway.CpuMicrosPerDelivery:0.0} | {pushpin.CpuMicrosPerDelivery:0.0} | {gateway.CpuMicrosPerDelivery / pushpin.CpuMicrosPerDelivery:0.00}x |"));
        output.WriteLine();
        output.WriteLine(Invariant($"- delivered: gateway {gateway.Delivered:N0}/{gateway.Expected:N0}, Pushpin {pushpin.Delivered:N0}/{pushpin.Expected:N0}; warm-up updates: gateway {gateway.WarmupUpdates}, Pushpin {pushpin.WarmupUpdates}"));
        output.WriteLine($"- µs per delivery by gateway thread: {Busiest(gateway.Cpu.ServerThreads, gateway.Delivered)}");
        output.WriteLine($"- µs per delivery by Pushpin process: {Busiest(pushpin.Cpu.ServerThreads, pushpin.Delivered)}");
        output.WriteLine($"- cores busy, gateway: {Cores(gateway.Cpu, "gateway")}; Pushpin: {Cores(pushpin.Cpu, "Pushpin")}");
        output.WriteLine();

        var (push, post) = (result.ToStream.FromPublisher, result.ToStream.FromRest);
        output.WriteLine(Invariant($"Ingest to an event stream: a PUSH publisher through the pull source against a REST POST, to one event-stream reader, alternating on one subject ({result.ToStream.UpdatesPerDoor} each; ratio = ingest / REST: below 1 is better)."));
        output.WriteLine();
        output.WriteLine("| figure | ingest | REST | ratio |");
        output.WriteLine("|---|---:|---:|---:|");
        output.WriteLine(Invariant($"| p50 (ms) | {push.P50Ms:0.00} | {post.P50Ms:0.00} | {push.P50Ms / post.P50Ms:0.00}x |"));
        output.WriteLine(Invariant($"| p99 (ms) | {push.P99Ms:0.00} | {post.P99Ms:0.00} | {push.P99Ms / post.P99Ms:0.00}x |"));
    }

    private static string Busiest(IReadOnlyDictionary<string, TimeSpan> parts, long count) => string.Join(", ", parts
        .Select(p => (p.Key, Micros: p.Value.TotalMicroseconds / Math.Max(1, count))).Where(p => p.Micros >= 0.05)
        .OrderByDescending(p => p.Micros).Take(8).Select(p => Invariant($"{p.Key} {p.Micros:0.0}")));

    private static string Cores(CpuWindow cpu, string server) => Invariant(
        $"{server} {cpu.Cores(cpu.Server):0.00}, generator {cpu.Cores(cpu.Generator):0.00}, other processes {cpu.Cores(cpu.Others):0.00}, steal {cpu.Cores(cpu.Steal):0.00}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
