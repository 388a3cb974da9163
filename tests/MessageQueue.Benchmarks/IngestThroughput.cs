using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>One measured window of durable updates: how many the store took, and the CPU it cost.</summary>
internal sealed record UpdateWindow(long Updates, CpuWindow Cpu)
{
    public double UpdatesPerSecond => Updates / Cpu.Elapsed.TotalSeconds;

    public double ServerCpuMicrosPerUpdate => Cpu.Server.TotalMicroseconds / Math.Max(1, Updates);
}

/// <summary>A window with a PUSH publisher and REST clients at once: what each door got, and how often REST was refused.</summary>
internal sealed record ConcurrentWindow(long Ingested, long RestCreated, long RestRefused, CpuWindow Cpu)
{
    public double IngestedPerSecond => Ingested / Cpu.Elapsed.TotalSeconds;
    public double RestCreatedPerSecond => RestCreated / Cpu.Elapsed.TotalSeconds;
    public double RestRefusedFraction => (double)RestRefused / Math.Max(1, RestCreated + RestRefused);
}

/// <summary>One round of the throughput part: the ingest window, then the REST window.</summary>
internal sealed record IngestRound(UpdateWindow Ingest, UpdateWindow Rest);

/// <summary>The throughput part of the ingest group: each round's ingest and REST windows, then one window of both at once.</summary>
internal sealed record IngestThroughputResult(IReadOnlyList<IngestRound> Rounds, ConcurrentWindow Concurrent, string Pauses)
{
    /// <summary>Every round's windows together: updates over time, so a noisy window weighs by its length only.</summary>
    public UpdateWindow Ingest => Sum(Rounds.Select(r => r.Ingest));

    public UpdateWindow Rest => Sum(Rounds.Select(r => r.Rest));

    private static UpdateWindow Sum(IEnumerable<UpdateWindow> windows)
    {
        var list = windows.ToList();
        var threads = list.SelectMany(w => w.Cpu.ServerThreads).GroupBy(t => t.Key)
            .ToDictionary(g => g.Key, g => g.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Value));
        var cpu = new CpuWindow(Total(list, w => w.Cpu.Elapsed), Total(list, w => w.Cpu.Server), threads,
            Total(list, w => w.Cpu.Generator), Total(list, w => w.Cpu.Others), Total(list, w => w.Cpu.Steal));
        return new UpdateWindow(list.Sum(w => w.Updates), cpu);
    }

    private static TimeSpan Total(List<UpdateWindow> windows, Func<UpdateWindow, TimeSpan> part) =>
        windows.Aggregate(TimeSpan.Zero, (sum, w) => sum + part(w));
}

/// <summary>
/// Durable updates/s through a <c>pull</c> ingest source fed by one PUSH publisher as fast as the gateway takes (at
/// most <see cref="PushTally.MaxLead"/> ahead of the store),
/// counted at the store (its subjects' sequence numbers at the window's edges), against the REST door's closed loop
/// of <see cref="RestClients"/> clients on as many other subjects; in turns on one gateway. Then both at once.
/// </summary>
internal static class IngestThroughput
{
    public const int RestClients = 16;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// <paramref name="subjects"/> are the publisher's (created by the source on its first message to each; only it
    /// writes them), <paramref name="restSubjects"/> REST's, as many, so both doors' contents grow alike.
    /// </summary>
    public static IngestThroughputResult Run(ServerProcess gateway, string pushEndpoint, IReadOnlyList<string> subjects, IReadOnlyList<string> restSubjects, BenchmarkOptions options)
    {
        using var http = HttpChannel.CreateClient(gateway.HttpAddress, TimeSpan.FromSeconds(15));
        var rest = RestWorkloads.Updates(restSubjects);
        // Only the publisher writes its subjects: stored = where they started + what was sent.
        var sent = new PushTally(http, subjects, StoreProbe.LastSequence(http, subjects));
        void WaitStored() => StoreProbe.WaitStored(http, subjects, sent.Target, DrainTimeout);

        // Both doors' paths until the JIT is quiet: the publisher fills the store's queue, so REST is refused at
        // times (counted, not failed).
        var settleTally = new RestTally();
        RequestLoad.Settle(gateway, Mixed(gateway, pushEndpoint, subjects, sent, rest, settleTally), 1 + BenchmarkRun.SettlingClients, options);
        WaitStored();

        var rounds = new List<IngestRound>();
        for (var round = 0; round < Rounds(options); round++)
        {
            var probe = new StoreProbe(http, subjects);
            var pushed = RequestLoad.Run(gateway, _ => new PushChannel(pushEndpoint, subjects, Workloads.UpdateText, sent), 1, options, probe);
            var ingest = new UpdateWindow(probe.Stored, pushed.Cpu);
            WaitStored();
            var posted = RequestLoad.Run(gateway, LoadChannels.Rest(gateway, rest), RestClients, options);
            var restWindow = new UpdateWindow(posted.Requests, posted.Cpu);
            Console.WriteLine(Invariant($"  ingest round {round + 1}: PUSH → pull source {ingest.UpdatesPerSecond,9:N0} updates/s {ingest.ServerCpuMicrosPerUpdate,6:0} µs CPU/update; REST POST, {RestClients} clients {restWindow.UpdatesPerSecond,9:N0} updates/s {restWindow.ServerCpuMicrosPerUpdate,6:0} µs CPU/update (p50 {posted.Latency.P50Ms:0.00} ms)"));
            rounds.Add(new IngestRound(ingest, restWindow));
        }

        var tally = new RestTally();
        var both = new StoreProbe(http, subjects, tally);
        var load = RequestLoad.Run(gateway, Mixed(gateway, pushEndpoint, subjects, sent, rest, tally), 1 + RestClients, options, both);
        WaitStored();
        var concurrent = new ConcurrentWindow(both.Stored, both.RestCreated, both.RestRefused, load.Cpu);
        Console.WriteLine(Invariant($"  ingest and REST at once: ingest {concurrent.IngestedPerSecond:N0} updates/s, REST {concurrent.RestCreatedPerSecond:N0} created/s, {concurrent.RestRefused:N0} refused (503, {concurrent.RestRefusedFraction:P1} of REST posts)"));
        return new IngestThroughputResult(rounds, concurrent, Pauses(http));
    }

    /// <summary>The source's pauses over the whole group (its counter on /metrics): how often it waited, and for what.</summary>
    private static string Pauses(HttpClient http)
    {
        const string Counter = "messagequeue_ingest_pauses_total";
        var text = http.GetStringAsync("/metrics").GetAwaiter().GetResult();
        var lines = text.Split('\n').Where(l => l.StartsWith(Counter, StringComparison.Ordinal)).Select(l => l[Counter.Length..].Trim());
        return string.Join("; ", lines) is { Length: > 0 } pauses ? pauses : "none";
    }

    public static int Rounds(BenchmarkOptions options) => options.Quick ? 1 : 2;

    /// <summary>Client 0 the PUSH publisher, the others REST clients that count refusals.</summary>
    private static Func<int, IRequestChannel> Mixed(ServerProcess gateway, string pushEndpoint, IReadOnlyList<string> subjects, PushTally sent, Func<int, IReadOnlyList<HttpExchange>> rest, RestTally tally) =>
        client => client == 0
            ? new PushChannel(pushEndpoint, subjects, Workloads.UpdateText, sent)
            : new TallyingRestChannel(gateway.HttpAddress, rest(client - 1), tally);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
