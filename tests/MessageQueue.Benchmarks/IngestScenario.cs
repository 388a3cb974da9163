using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>The ingest group's measurements: throughput against REST, then latency against Pushpin.</summary>
internal sealed record IngestResult(string PushpinVersion, IngestThroughputResult Throughput, IngestLatencyResult Latency, IngestStreamResult ToStream);

/// <summary>
/// One gateway with a <c>pull</c> ingest source, and Pushpin with its GRIP backend, both running throughout: first
/// durable updates/s through the source against the REST door (<see cref="IngestThroughput"/>), then end-to-end
/// latency from a PUSH publisher to WebSocket clients on the gateway and on Pushpin (<see cref="IngestLatency"/>).
/// </summary>
internal static class IngestScenario
{
    public const string Source = "bench";

    /// <summary>The throughput publisher's subjects, which the source creates; REST goes round as many default ones.</summary>
    public static readonly IReadOnlyList<string> PushSubjects = ["Alpha", "Bravo", "Charlie"];

    /// <summary>Every default subject but the latency's.</summary>
    public static readonly IReadOnlyList<string> RestSubjects = [.. LegacyFrames.Subjects.Where(s => s != IngestLatency.Subject)];

    public static void WriteSetup(BenchmarkOptions options)
    {
        Console.WriteLine(Invariant($"- ingest: one gateway with a pull source '{Source}' (no rate limit, topic-named subjects, CreateSubjects on) and Pushpin (Debian's package, its own config, a Python GRIP backend that subscribes each WebSocket to one channel), both running throughout"));
        Console.WriteLine(Invariant($"- ingest throughput: one NetMQ PUSH publisher sending [subject, \"{Workloads.UpdateText}\"] going round {string.Join(", ", PushSubjects)} (subjects the source creates and only it writes) as fast as the source takes, at most {PushTally.MaxLead:N0} messages ahead of the store (a PUSH peer blocks only once the kernel's buffers are full too: minutes of backlog with these small messages), counted at the store (its subjects' sequences at the window's edges), against {IngestThroughput.RestClients} REST clients posting \"{Workloads.UpdateText}\" going round {string.Join(", ", RestSubjects)}; {IngestThroughput.Rounds(options)} rounds of each in turn, then both at once (REST's 503s counted); CPU per update = gateway CPU over the window / updates stored"));
        Console.WriteLine(Invariant($"- ingest latency: {options.HubConnections:N0} WebSocket clients in this generator (lean SignalR clients on '{IngestLatency.Subject}' for the gateway; plain WebSockets on Pushpin), one NetMQ PUSH publisher; the same text \"m<n>\" in each server's format (gateway: [subject, text]; Pushpin: 'J' + {{\"channel\", \"formats\": {{\"ws-message\": {{\"content\"}}}}}}); one at a time, the next once every client has it; at least {options.FanoutWarmupUpdates} warm-up updates (more while the gateway's JIT is busy, up to {IngestLatency.MaxWarmup(options)}) then {options.FanoutUpdates} measured; the gateway first, then Pushpin, each with only its own clients open; the gateway stores each update (SQLite, flushed) before it fans out, Pushpin stores nothing"));
        Console.WriteLine(Invariant($"- ingest to an event stream: one reader of '{IngestLatency.Subject}''s event stream; PUSH through the source and REST POST alternating, one at a time, {2 * options.FanoutWarmupUpdates} warm-up then {options.FanoutUpdates} of each"));
    }

    public static IngestResult Run(BenchmarkOptions options)
    {
        HubScenarios.EnsureDescriptors(options.HubConnections);
        using var pushpin = PushpinServer.Start();
        var pullEndpoint = Invariant($"tcp://127.0.0.1:{PushpinServer.FreePort()}");
        using var gateway = ServerLauncher.StartIngestGateway(options, Source, pullEndpoint);
        var latency = IngestLatency.Run(gateway, pullEndpoint, pushpin, options);
        var toStream = IngestStreamLatency.Run(gateway, pullEndpoint, options);
        var throughput = IngestThroughput.Run(gateway, pullEndpoint, PushSubjects, RestSubjects, options);
        return new IngestResult(pushpin.Version, throughput, latency, toStream);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
