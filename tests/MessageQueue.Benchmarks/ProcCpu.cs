using System.Diagnostics;
using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>
/// CPU use as Linux reports it in /proc: per thread of a process (by the thread names .NET and NetMQ give them)
/// and for the whole machine. Where /proc is missing, everything reads as zero.
/// </summary>
internal static class ProcCpu
{
    // Linux reports CPU in clock ticks of USER_HZ, which is 100 on every architecture .NET runs on.
    private const double TicksPerSecond = 100;

    public static TimeSpan FromTicks(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);

    /// <summary>Each live thread of the process: its name and the CPU ticks it has used so far.</summary>
    public static Dictionary<int, (string Name, long Ticks)> Threads(int processId)
    {
        var threads = new Dictionary<int, (string, long)>();
        var tasks = $"/proc/{processId}/task";
        if (!Directory.Exists(tasks))
            return threads;
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                // The name sits in parentheses and may hold spaces: fields are counted after the last ')'.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                // stat(5) fields 14 and 15 (utime, stime) are at 11 and 12 once the first two are cut off.
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (name, ticks);
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return threads;
    }

    /// <summary>Busy and stolen ticks of the whole machine so far (all cores), from the first line of /proc/stat.</summary>
    public static (long Busy, long Steal) Machine()
    {
        if (!File.Exists("/proc/stat"))
            return (0, 0);
        using var reader = new StreamReader("/proc/stat");
        // "cpu user nice system idle iowait irq softirq steal ..."
        var fields = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        if (fields.Length < 8)
            return (0, 0);
        return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6], fields[7]);
    }
}

/// <summary>Where the CPU went during a measured window: the server by thread name, this generator, and the rest.</summary>
internal sealed record CpuWindow(TimeSpan Elapsed, TimeSpan Server, IReadOnlyDictionary<string, TimeSpan> ServerThreads, TimeSpan Generator, TimeSpan Others, TimeSpan Steal)
{
    public double Cores(TimeSpan cpu) => cpu / Elapsed;
}

/// <summary>Takes the readings at the start of a window and gives the <see cref="CpuWindow"/> at its end.</summary>
internal sealed class CpuMeter
{
    private readonly ServerProcess _server;
    private readonly Dictionary<int, (string Name, long Ticks)> _threads;
    private readonly TimeSpan _serverCpu;
    private readonly TimeSpan _generatorCpu;
    private readonly (long Busy, long Steal) _machine;
    private readonly long _started;

    public CpuMeter(ServerProcess server)
    {
        _server = server;
        _threads = ProcCpu.Threads(server.Id);
        _serverCpu = server.CpuTime;
        _generatorCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _machine = ProcCpu.Machine();
        _started = Stopwatch.GetTimestamp();
    }

    public CpuWindow Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        var server = _server.CpuTime - _serverCpu;
        var generator = Process.GetCurrentProcess().TotalProcessorTime - _generatorCpu;
        var machine = ProcCpu.Machine();
        var others = ProcCpu.FromTicks(machine.Busy - _machine.Busy) - server - generator;
        var threads = ProcCpu.Threads(_server.Id)
            .GroupBy(t => t.Value.Name, t => t.Value.Ticks - (_threads.TryGetValue(t.Key, out var before) ? before.Ticks : 0))
            .ToDictionary(g => g.Key, g => ProcCpu.FromTicks(g.Sum()));
        return new CpuWindow(elapsed, server, threads, generator, others < TimeSpan.Zero ? TimeSpan.Zero : others,
            ProcCpu.FromTicks(machine.Steal - _machine.Steal));
    }
}
