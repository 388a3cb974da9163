using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The hub group: legacy updates, one at a time, to N SignalR connections on one subject (<see cref="LeanHubClients"/>,
/// or for comparison <see cref="DotnetHubClients"/>) and, for the same updates, a few ZeroMQ SUB sockets; on the
/// gateway and on the minimal SignalR server (<see cref="MinimalHubServer"/>), each with the server GC and with the
/// workstation GC, each on a fresh process. Every connection must have subscribed and received a probe, and the
/// server must have settled, before anything is measured.
/// </summary>
internal static class HubScenarios
{
    public const string Subject = SubscriberLatency.Subject;
    public const int SubSockets = 4;

    // A few connections and updates on another subject first, so that start-up code is not in the memory figure.
    private const string PrewarmSubject = "Django";
    private const int PrewarmConnections = 50;
    private const int PrewarmUpdates = 20;
    private const int MaxTimeouts = 3;

    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan JitWindow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan JitQuiet = TimeSpan.FromMilliseconds(10);

    // Each update costs every connection a send, so a warm-up update is slow: cap it below the other groups' settle.
    private static readonly TimeSpan MaxWarmup = TimeSpan.FromSeconds(10);
    private static readonly ServerKind[] Servers = [ServerKind.Gateway, ServerKind.Minimal];
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    public static void WriteSetup(BenchmarkOptions options)
    {
        Console.WriteLine(Invariant($"- hub: minimal = this executable's minimal SignalR server (Kestrel, one hub at /hubs/subjects whose Subscribe only joins the group, the minimal NetMQ door broadcasting each accepted type 3 to the group as the gateway's Update message of the same shape, no store); each server with {string.Join(" and ", options.HubServerGc.Select(g => g ? "DOTNET_gcServer=1" : "DOTNET_gcServer=0"))}, a fresh process each"));
        var clients = options.HubClient == HubClientKind.Lean
            ? "lean WebSocket clients in this generator (ClientWebSocket, no negotiation, JSON protocol, one receive loop each reading only the text marker)"
            : ".NET SignalR clients in this generator (HubConnection, WebSockets without negotiation, JSON protocol, an Update handler stamping each arrival)";
        Console.WriteLine(Invariant($"- hub: {options.HubConnections:N0} {clients} and {SubSockets} SUB sockets on '{Subject}'; every Subscribe completed and a probe at every connection, then RSS read, then the server settled with closed-loop updates on '{PrewarmSubject}' (as the other groups settle) until its JIT is quiet; legacy type 3 one at a time, the next once every connection and SUB socket has it; at least {options.FanoutWarmupUpdates} warm-up updates (more while the server's JIT is busy, up to {Min(options.SettleMaximum, MaxWarmup).TotalSeconds:0.#} s) then {options.FanoutUpdates} measured; CPU per delivery = server CPU over the measured updates / hub deliveries; RSS per connection = RSS growth from before opening to all probed / connections (after {PrewarmConnections} connections and {PrewarmUpdates} updates on '{PrewarmSubject}' warmed the path); open files limit {DescriptorLimit()}"));
    }

    public static void Run(BenchmarkOptions options, Report report)
    {
        EnsureDescriptors(options.HubConnections);
        var byMode = new List<IReadOnlyDictionary<ServerKind, HubResult>>();
        foreach (var serverGc in options.HubServerGc)
            byMode.Add(Servers.ToDictionary(s => s, s => Measure(s, serverGc, options)));
        report.Add(byMode);
    }

    /// <summary>Fails the run at once when this process (and so each server it starts) may not open the connections.</summary>
    public static void EnsureDescriptors(int connections)
    {
        // The runtime raises its soft limit to the hard one at start, and children inherit it.
        var needed = connections + 256;
        if (DescriptorLimit() is { } limit && limit < needed)
            throw new InvalidOperationException($"{connections} hub connections need about {needed} open files in this generator and in each server; the limit is {limit}. Raise the hard limit (ulimit -Hn {needed}) or use --hub-connections.");
    }

    private static HubResult Measure(ServerKind kind, bool serverGc, BenchmarkOptions options)
    {
        var phase = Stopwatch.StartNew();
        using var server = ServerLauncher.StartHub(kind, options, serverGc);
        var gcCheck = GcThreads(server);
        using var prewarmed = Prewarm(server);

        using var subscribers = new SubscriberGroup(server.PublishEndpoint, Subject, SubSockets);
        using var requester = Requester(server);
        using var http = HttpChannel.CreateClient(server.HttpAddress, TimeSpan.FromSeconds(30));
        var rssBefore = server.ResidentBytes;
        var started = phase.Elapsed.TotalSeconds;
        phase.Restart();
        var maxWarmup = 10 * options.FanoutWarmupUpdates;
        var clients = HubClients.Open(options.HubClient, server.HttpAddress, Subject, options.HubConnections, maxWarmup + options.FanoutUpdates, OpenTimeout);
        try
        {
            var probes = Probe(server, requester, Subject, timeout => clients.WaitAllJoined(timeout) && subscribers.WaitAllJoined(TimeSpan.Zero));
            var rssConnected = server.ResidentBytes;
            var opened = phase.Elapsed.TotalSeconds;
            phase.Restart();

            // The store's and the door's per-update code tiers up slowly at one update to 1,000 connections at a
            // time: settle it as the other groups do, with closed-loop updates on the prewarm subject, until the JIT
            // is quiet. After the memory readings, so that the settle's garbage is not counted as connections'.
            RequestLoad.Settle(server, LoadChannels.Legacy(server, Workloads.Updates([PrewarmSubject])), BenchmarkRun.SettlingClients, options);
            var settled = phase.Elapsed.TotalSeconds;
            phase.Restart();

            // Warm-up: at least the configured updates, then on while the server's JIT is busy (within the limits).
            var number = 0;
            var warmup = Stopwatch.StartNew();
            var jitCheck = Stopwatch.StartNew();
            server.Jit.CpuSinceLastCall();
            var timeouts = 0;
            while (number < maxWarmup && warmup.Elapsed < Min(options.SettleMaximum, MaxWarmup))
            {
                Post(server, requester, clients, subscribers, number++, ref timeouts);
                if (number < options.FanoutWarmupUpdates || jitCheck.Elapsed < JitWindow)
                    continue;
                if (server.Jit.CpuSinceLastCall() <= JitQuiet)
                    break;
                jitCheck.Restart();
            }
            var firstMeasured = number;
            var warmedUp = phase.Elapsed.TotalSeconds;
            phase.Restart();

            var toSub = new List<long>(options.FanoutUpdates * SubSockets);
            var replies = new List<long>(options.FanoutUpdates);
            var meter = new CpuMeter(server);
            while (number < firstMeasured + options.FanoutUpdates && timeouts < MaxTimeouts)
            {
                var (reply, subLatencies) = Post(server, requester, clients, subscribers, number++, ref timeouts);
                replies.Add(reply);
                toSub.AddRange(subLatencies);
            }
            var cpu = meter.Stop();
            var rssAfter = server.ResidentBytes;
            var phases = new HubPhases(started, opened, settled, warmedUp, phase.Elapsed.TotalSeconds);

            var measured = number - firstMeasured;
            var delivered = Enumerable.Range(firstMeasured, measured).Sum(n => (long)clients.Delivered(n));
            var toBrowsers = Latency.FromTicks(clients.Latencies(firstMeasured, number));
            var (closed, duplicates) = (clients.Closed, clients.Duplicates);
            var heapConnected = kind == ServerKind.Minimal ? Memory(http) : null;
            clients.Dispose();
            var heapDisconnected = kind == ServerKind.Minimal ? MemoryWithout(http, remaining: prewarmed.Count) : null;

            var result = new HubResult(options.HubClient, options.HubConnections, serverGc, gcCheck, probes, firstMeasured, measured,
                (long)measured * options.HubConnections, delivered, closed, duplicates,
                toBrowsers, Latency.FromTicks([.. toSub]), Latency.FromTicks([.. replies]), cpu,
                rssBefore, rssConnected, rssAfter, heapConnected, heapDisconnected, phases);
            Log(server, result);
            return result;
        }
        finally
        {
            clients.Dispose();
        }
    }

    /// <summary>One update to every hub connection and SUB socket, timed from just before its request.</summary>
    private static (long Reply, long[] ToSub) Post(ServerProcess server, RequestSocket requester, HubClients clients, SubscriberGroup subscribers, int number, ref int timeouts)
    {
        var request = LegacyFrames.UpdateRequest(Subject, $"m{number}");
        using var round = subscribers.Expect(number);
        var sentAt = Stopwatch.GetTimestamp();
        round.SentAt = sentAt;
        clients.Sent(number, sentAt);
        SubscriberLatency.Send(requester, request, server);
        var reply = Stopwatch.GetTimestamp() - sentAt;
        var toHub = clients.WaitComplete(number, UpdateTimeout);
        var toSub = round.WaitComplete(UpdateTimeout);
        if (!toHub || !toSub)
        {
            timeouts++;
            Console.WriteLine(Invariant($"  update m{number} on {server.Name}: {clients.Delivered(number)} of {clients.Count} hub connections, {round.Arrivals} of {subscribers.Count} SUB sockets within {UpdateTimeout.TotalSeconds:0} s{(clients.Failure is { } failure ? $" (first failure: {failure})" : "")}"));
        }
        return (reply, round.Latencies.ToArray());
    }

    /// <summary>
    /// A few connections and updates on another subject, so that the connection, Subscribe and send paths have run
    /// before memory is read. The connections stay open (and receive the settle's updates) until disposed.
    /// </summary>
    private static HubClients Prewarm(ServerProcess server)
    {
        using var requester = Requester(server);
        var clients = HubClients.Open(HubClientKind.Lean, server.HttpAddress, PrewarmSubject, PrewarmConnections, PrewarmUpdates, OpenTimeout);
        try
        {
            Probe(server, requester, PrewarmSubject, clients.WaitAllJoined);
            for (var number = 0; number < PrewarmUpdates; number++)
            {
                clients.Sent(number, Stopwatch.GetTimestamp());
                SubscriberLatency.Send(requester, LegacyFrames.UpdateRequest(PrewarmSubject, $"m{number}"), server);
                if (!clients.WaitComplete(number, UpdateTimeout))
                    throw new TimeoutException($"Warm-up update m{number} reached {clients.Delivered(number)} of {PrewarmConnections} hub connections of {server.Name}{(clients.Failure is { } failure ? $" (first failure: {failure})" : "")}.");
            }
            return clients;
        }
        catch
        {
            clients.Dispose();
            throw;
        }
    }

    /// <summary>Posts probes until every reader has one (past the PUB/SUB slow joiner; the hub's groups are joined already).</summary>
    private static int Probe(ServerProcess server, RequestSocket requester, string subject, Func<TimeSpan, bool> allJoined)
    {
        var probes = 0;
        var joining = Stopwatch.StartNew();
        do
        {
            if (joining.Elapsed > ProbeTimeout)
                throw new TimeoutException($"Not every reader on {server.Name} had a probe within {ProbeTimeout.TotalSeconds} s.");
            SubscriberLatency.Send(requester, LegacyFrames.UpdateRequest(subject, $"p{probes++}"), server);
        }
        while (!allJoined(TimeSpan.FromMilliseconds(200)));
        return probes;
    }

    private static RequestSocket Requester(ServerProcess server)
    {
        var requester = new RequestSocket();
        requester.Options.Linger = TimeSpan.Zero;
        requester.Connect(server.ReplyEndpoint);
        return requester;
    }

    private static MemoryReading Memory(HttpClient http) =>
        http.GetFromJsonAsync<MemoryReading>("/memory", WebJson).GetAwaiter().GetResult()
        ?? throw new InvalidOperationException("The minimal SignalR server answered null to /memory.");

    /// <summary>The minimal server's heap once it has let go of the closed connections (it notices closes asynchronously).</summary>
    private static MemoryReading MemoryWithout(HttpClient http, int remaining)
    {
        var waiting = Stopwatch.StartNew();
        MemoryReading reading;
        while ((reading = Memory(http)).Connections > remaining)
        {
            if (waiting.Elapsed > ProbeTimeout)
                throw new TimeoutException($"The minimal SignalR server still had {reading.Connections} connections {ProbeTimeout.TotalSeconds} s after all but {remaining} were closed.");
            // Polled: nothing tells the generator when the server has seen the closes.
        }
        return reading;
    }

    /// <summary>Whether the server's threads show the GC mode it was started with (".NET Server GC" threads).</summary>
    private static string GcThreads(ServerProcess server)
    {
        var gcThreads = ProcCpu.Threads(server.Id).Values.Count(t => t.Name.StartsWith(".NET Server GC", StringComparison.Ordinal));
        return gcThreads > 0 ? Invariant($"{gcThreads} server GC threads") : "no server GC thread";
    }

    private static void Log(ServerProcess server, HubResult r)
    {
        var name = Invariant($"hub {r.Connections:N0} {(r.Client == HubClientKind.Lean ? "conn." : ".NET cl.")}, {(r.ServerGc ? "server" : "workst.")} GC");
        Console.WriteLine(Invariant($"  {name,-36} {server.Name,-8} p50 {r.ToBrowsers.P50Ms:0.00} ms  p99 {r.ToBrowsers.P99Ms:0.00} ms  max {r.ToBrowsers.MaxMs:0.00} ms  delivered {r.Delivered:N0}/{r.Expected:N0}  server {r.ServerCpuMicrosPerDelivery:0.0} µs CPU/delivery (JIT {r.ServerJitMicrosPerDelivery:0.0})  RSS {r.RssKilobytesPerConnection:0}/{r.RssAfterKilobytesPerConnection:0} KB/conn.  SUB p50 {r.ToSub.P50Ms:0.00} ms  ({r.GcCheck}; {r.WarmupUpdates} warm-up; s: start {r.Phases.Start:0.0}, open {r.Phases.Open:0.0}, settle {r.Phases.Settle:0.0}, warm-up {r.Phases.Warmup:0.0}, measured {r.Phases.Measured:0.0})"));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The soft limit on open files of this process, from /proc (null where it cannot be read).</summary>
    private static long? DescriptorLimit()
    {
        const string Path = "/proc/self/limits";
        if (!File.Exists(Path))
            return null;
        var line = File.ReadLines(Path).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is [var soft, ..] && long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
