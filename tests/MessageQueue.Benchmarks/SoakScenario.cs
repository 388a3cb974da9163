using System.Diagnostics;
using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The soak group: mixed traffic on every door of one gateway for minutes (<see cref="SoakLoad"/>), its resources
/// sampled every few seconds; reports the load it held and whether memory and handles stay flat (the last third of
/// the run against the middle third, the first third being warm-up).
/// </summary>
internal static class SoakScenario
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(5);

    private sealed record Sample(double Seconds, ProcStatus Proc, Dictionary<string, long> Counts);

    public static void WriteSetup(BenchmarkOptions options)
    {
        Console.WriteLine(Invariant($"- soak: {options.SoakDuration.TotalSeconds:0} s of mixed traffic on one gateway (RateLimiting__Enabled=false: every client is 127.0.0.1): per door 2 legacy REQ clients posting 25 updates/s and 2 listing 100/s, 2 REST clients posting 25/s and 2 reading 100/s, 2 hub connections posting 25/s; per subject a SUB socket, an SSE stream and a subscribed hub connection held throughout; each second one REQ socket, SUB socket, SSE stream and hub connection opened and closed"));
        Console.WriteLine(Invariant($"- soak samples every {SampleEvery.TotalSeconds:0} s: RSS, threads and open descriptors from /proc/<pid>, GC heap (after the last collection) from dotnet-counters when the local tool is restored"));
    }

    public static SoakResult Run(BenchmarkOptions options)
    {
        var gatewayOptions = options with
        {
            GatewayEnvironment = new Dictionary<string, string>(options.GatewayEnvironment) { ["RateLimiting__Enabled"] = "false" },
        };
        using var gateway = ServerLauncher.Start(ServerKind.Gateway, gatewayOptions);
        using var heap = GcHeapCounter.Start(gateway.Id, options.SoakDuration + TimeSpan.FromSeconds(10));
        var counts = new SoakCounts();
        using var stop = new CancellationTokenSource();
        var load = new SoakLoad(gateway, counts, stop.Token);
        var started = Stopwatch.StartNew();
        load.Start();

        var samples = new List<Sample>();
        while (started.Elapsed < options.SoakDuration)
        {
            Thread.Sleep(SampleEvery - TimeSpan.FromTicks(started.Elapsed.Ticks % SampleEvery.Ticks));
            var proc = ProcStatus.Read(gateway.Id) ?? throw new InvalidOperationException("The gateway died during the soak:\n" + gateway.RecentOutput);
            var sample = new Sample(started.Elapsed.TotalSeconds, proc, counts.Snapshot());
            samples.Add(sample);
            Console.WriteLine(Invariant($"  soak {sample.Seconds,5:0} s  RSS {Mb(proc.ResidentBytes),6:0.0} MB  threads {proc.Threads,3}  fds {proc.OpenFiles,4}  updates {Updates(sample.Counts),7}  failures {sample.Counts["failures"]}"));
        }
        stop.Cancel();
        load.Join();
        var heapSamples = heap?.Read(started.Elapsed) ?? [];
        return new SoakResult(
            [.. samples.Select(s => new SoakSample(s.Seconds, s.Proc, s.Counts, HeapAt(heapSamples, s.Seconds)))],
            heap is not null);
    }

    private static double? HeapAt(IReadOnlyList<(double Seconds, long Bytes)> heap, double seconds) =>
        heap.Count == 0 ? null : heap.MinBy(h => Math.Abs(h.Seconds - seconds)).Bytes;

    public static long Updates(IReadOnlyDictionary<string, long> counts) => counts["legacy updates"] + counts["rest posts"] + counts["hub posts"];

    public static double Mb(double bytes) => bytes / (1024 * 1024);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

internal sealed record SoakSample(double Seconds, ProcStatus Proc, IReadOnlyDictionary<string, long> Counts, double? GcHeapBytes);

internal sealed record SoakResult(IReadOnlyList<SoakSample> Samples, bool HeapSampled);

/// <summary>
/// The gateway's GC heap as the runtime reports it (System.Runtime's dotnet.gc.last_collection.heap.size, summed over
/// generations), read by the dotnet-counters local tool (dotnet tool restore) into a CSV file.
/// </summary>
internal sealed class GcHeapCounter : IDisposable
{
    private readonly Process _process;
    private readonly string _file;
    private readonly DateTime _startedAt = DateTime.Now;

    private GcHeapCounter(Process process, string file)
    {
        _process = process;
        _file = file;
    }

    public static GcHeapCounter? Start(int processId, TimeSpan duration)
    {
        var file = Path.Combine(Path.GetTempPath(), $"mq-soak-counters-{processId}.csv");
        var start = new ProcessStartInfo("dotnet", ["dotnet-counters", "collect", "-p", $"{processId}", "--refresh-interval", "5",
            "--format", "csv", "-o", file, "--counters", "System.Runtime", "--duration", duration.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = BenchmarkPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        try
        {
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new GcHeapCounter(process, file);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>(seconds since start, heap bytes) for each reading so far.</summary>
    public IReadOnlyList<(double Seconds, long Bytes)> Read(TimeSpan elapsed)
    {
        // Stop the collector so it flushes its file ("q" is its quit key).
        if (!_process.HasExited)
        {
            _process.StandardInput.Write('q');
            _process.StandardInput.Flush();
            if (!_process.WaitForExit(10_000))
                _process.Kill();
        }
        if (!File.Exists(_file))
            return [];
        return [.. File.ReadLines(_file).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f.Length >= 5 && f[2].StartsWith("dotnet.gc.last_collection.heap.size", StringComparison.Ordinal))
            .GroupBy(f => f[0])
            .Select(g => ((DateTime.Parse(g.Key, CultureInfo.InvariantCulture) - _startedAt).TotalSeconds,
                g.Sum(f => (long)double.Parse(f[4], CultureInfo.InvariantCulture))))
            .Where(s => s.Item1 <= elapsed.TotalSeconds + 5)];
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
        File.Delete(_file);
    }
}
