using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The attack group: one gateway with a lowered open-files limit and an API key, under the soak's legitimate load
/// on every door (<see cref="SoakLoad"/>, its clients presenting the key), hit by each of <see cref="Attacks.All"/>
/// in turn. For each: the gateway's RSS and descriptors before, at their peak during, and after; whether it lived;
/// its log volume; and what each door's legitimate clients got during the attack against the window before it.
/// Each attack gets a freshly started gateway, so a death or a leak is not carried into the next.
/// </summary>
internal static class AttackScenario
{
    private static readonly TimeSpan LoadStart = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan After = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>The paced request kinds of the load, timed; and what its held connections receive, counted.</summary>
    public static readonly string[] RequestKinds = ["legacy updates", "legacy lists", "rest posts", "rest reads", "hub posts"];
    public static readonly string[] ReceiptKinds = ["SUB frames", "SSE events", "hub pushes"];

    public static TimeSpan Before(BenchmarkOptions options) =>
        TimeSpan.FromSeconds(Math.Max(5, options.AttackDuration.TotalSeconds / 2));

    public static void WriteSetup(BenchmarkOptions options)
    {
        Console.WriteLine(Invariant($"- attack: one gateway (open-files limit {options.AttackOpenFiles:N0}, soft and hard; an admin API key configured; RateLimiting__Enabled=false, as every client is 127.0.0.1) under the soak's legitimate load, its HTTP and hub clients presenting the key; six attacks in turn, each on a freshly started gateway: {LoadStart.TotalSeconds:0} s of load alone, {Before(options).TotalSeconds:0.#} s measured before, {options.AttackDuration.TotalSeconds:0.#} s of attack, {After.TotalSeconds:0} s after it left; {Connections(options):N0} connections per connection attack; an attack stops early once the gateway's RSS passes {options.AttackMaxRssBytes / (1024 * 1024):N0} MB; {Sources(options)}"));
        Console.WriteLine(Invariant($"- attack samples every {SampleEvery.TotalMilliseconds:0} ms: RSS and open descriptors from /proc/<pid>; log volume is the bytes of the gateway's standard output and error (simple console formatter)"));
    }

    private static string Sources(BenchmarkOptions options) => options.AttackSource.Equals(System.Net.IPAddress.Loopback)
        ? "every client, legitimate or attacker, comes from 127.0.0.1"
        : $"the connection attacks (the first four) come from {options.AttackSource}, the never-reading SUB socket, the hub caller and the legitimate clients from 127.0.0.1";

    private static int Connections(BenchmarkOptions options) => options.AttackConnections ?? options.AttackOpenFiles;

    public static IReadOnlyList<AttackResult> Run(BenchmarkOptions options)
    {
        var apiKey = "attack-benchmark-" + Guid.NewGuid().ToString("N");
        var results = new List<AttackResult>();
        foreach (var attack in Attacks.All)
        {
            // A fresh gateway for each attack, so that none starts with what the one before left behind.
            Console.WriteLine($"  attack: {attack.Name}");
            Console.Out.Flush();
            using var gateway = Start(options, apiKey);
            var result = RunOne(attack, gateway, options, apiKey);
            results.Add(result);
            Console.WriteLine(Invariant($"    {(result.Alive ? "alive" : "DIED")}  RSS {Mb(result.Before?.ResidentBytes)} / {Mb(result.PeakRss)} / {Mb(result.After?.ResidentBytes)} MB  fds {result.Before?.OpenFiles} / {result.PeakOpenFiles} / {result.After?.OpenFiles}  log {result.LogBytesDuring / 1024.0:N0} KB; {result.AttackerNote}"));
            if (result.SilentDoors.Count > 0)
                Console.WriteLine($"    doors silent after it: {string.Join(", ", result.SilentDoors)}");
            if (!result.Alive)
                Console.WriteLine($"    last output:\n      {string.Join("\n      ", result.LastOutput.Split('\n').TakeLast(6))}");
        }
        return results;
    }

    private static ServerProcess Start(BenchmarkOptions options, string apiKey)
    {
        var gateway = ServerLauncher.StartLimitedGateway(options, options.AttackOpenFiles,
            ("Auth__ApiKeys__0__Key", apiKey), ("Auth__ApiKeys__0__Role", "admin"), ("RateLimiting__Enabled", "false"));
        // The never-reading subscriber's stream goes to a subject of its own, so the legitimate readers' frames stay small.
        using var http = HttpChannel.CreateClient(gateway.HttpAddress, TimeSpan.FromSeconds(15));
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        using var created = http.PostAsJsonAsync("/api/subjects", new { name = Attacks.FloodSubject, content = "" }).GetAwaiter().GetResult();
        if (!created.IsSuccessStatusCode)
            throw new InvalidOperationException($"Could not create the subject {Attacks.FloodSubject}: {(int)created.StatusCode} {created.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        return gateway;
    }

    private static AttackResult RunOne(Attack attack, ServerProcess gateway, BenchmarkOptions options, string apiKey)
    {
        var counts = new SoakCounts();
        var timings = new DoorTimings();
        using var stopLoad = new CancellationTokenSource();
        var load = new SoakLoad(gateway, counts, stopLoad.Token, apiKey, timings);
        load.Start();
        Thread.Sleep(LoadStart);

        var (t0, log0, c0) = (Stopwatch.GetTimestamp(), gateway.OutputBytes, counts.Snapshot());
        Thread.Sleep(Before(options));
        var before = ProcStatus.Read(gateway.Id);
        var (t1, log1, c1) = (Stopwatch.GetTimestamp(), gateway.OutputBytes, counts.Snapshot());

        using var stopAttack = new CancellationTokenSource(options.AttackDuration);
        using var watch = new Watch(gateway, options.AttackMaxRssBytes, stopAttack, t1);
        var watcher = new Thread(watch.Run) { IsBackground = true, Name = "attack-watch" };
        watcher.Start();
        string note;
        try
        {
            note = attack.Run(new AttackTarget(gateway, apiKey, Connections(options), options.AttackMaxRssBytes, options.AttackSource, stopAttack.Token));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or InvalidOperationException or TimeoutException or OperationCanceledException or HttpRequestException or NetMQ.NetMQException)
        {
            note = $"the attacker failed: {ex.GetType().Name}: {ex.Message}";
        }
        // An attacker that gave up early (its connection lost) still leaves the window its full length.
        stopAttack.Token.WaitHandle.WaitOne();
        var (t2, log2, c2) = (Stopwatch.GetTimestamp(), gateway.OutputBytes, counts.Snapshot());
        stopAttack.Cancel();

        // The watch goes on through the window after, to see a death there too.
        if (!gateway.HasExited)
            watch.Done.WaitOne(After);
        watch.Done.Set();
        watcher.Join();
        var after = ProcStatus.Read(gateway.Id);
        var log3 = gateway.OutputBytes;
        stopLoad.Cancel();
        load.Join();
        var silent = DoorProbe.Silent(gateway, apiKey, Attacks.FloodSubject);

        return new AttackResult(
            attack.Name, attack.Description, note,
            before, watch.PeakRss, watch.PeakOpenFiles, after,
            Alive: !gateway.HasExited, watch.DiedAfter?.TotalSeconds, watch.StoppedAtRss, Seconds(t1, t2),
            Seconds(t0, t1), log1 - log0, Seconds(t1, t2), log2 - log1, log3 - log2,
            RequestKinds.ToDictionary(k => k, k => (timings.Window(k, t0, t1), timings.Window(k, t1, t2)), StringComparer.Ordinal),
            ReceiptKinds.ToDictionary(k => k, k => ((c1[k] - c0[k]) / Seconds(t0, t1), (c2[k] - c1[k]) / Seconds(t1, t2)), StringComparer.Ordinal),
            silent,
            gateway.HasExited ? gateway.RecentOutput : "");
    }

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    public static string Mb(long? bytes) => bytes is { } b ? Invariant($"{b / (1024.0 * 1024):N0}") : "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Samples the gateway from the start of an attack until <see cref="Done"/>: its peaks while the attack lasts,
    /// and when it died; the attack is stopped at once if the gateway passes the RSS cap.
    /// </summary>
    private sealed class Watch(ServerProcess gateway, long maxRss, CancellationTokenSource stopAttack, long started) : IDisposable
    {
        public ManualResetEvent Done { get; } = new(false);
        public long PeakRss { get; private set; }
        public int PeakOpenFiles { get; private set; }
        public TimeSpan? DiedAfter { get; private set; }
        public bool StoppedAtRss { get; private set; }

        public void Run()
        {
            while (true)
            {
                if (ProcStatus.Read(gateway.Id) is not { } proc || gateway.HasExited)
                {
                    // The attack goes on to its end: what the legitimate clients lose is part of the figure.
                    DiedAfter = Stopwatch.GetElapsedTime(started);
                    return;
                }
                if (!stopAttack.IsCancellationRequested)
                {
                    PeakRss = Math.Max(PeakRss, proc.ResidentBytes);
                    PeakOpenFiles = Math.Max(PeakOpenFiles, proc.OpenFiles);
                    if (proc.ResidentBytes > maxRss)
                    {
                        StoppedAtRss = true;
                        stopAttack.Cancel();
                    }
                }
                if (Done.WaitOne(SampleEvery))
                    return;
            }
        }

        public void Dispose() => Done.Dispose();
    }
}

/// <summary>What one attack did to the gateway and to the legitimate load.</summary>
internal sealed record AttackResult(
    string Name,
    string Description,
    string AttackerNote,
    ProcStatus? Before,
    long PeakRss,
    int PeakOpenFiles,
    ProcStatus? After,
    bool Alive,
    double? DiedAfterSeconds,
    bool StoppedAtRss,
    double AttackSeconds,
    double BeforeSeconds,
    long LogBytesBefore,
    double DuringSeconds,
    long LogBytesDuring,
    long LogBytesAfter,
    IReadOnlyDictionary<string, (DoorWindow Before, DoorWindow During)> Requests,
    IReadOnlyDictionary<string, (double Before, double During)> ReceiptsPerSecond,
    IReadOnlyList<string> SilentDoors,
    string LastOutput);
