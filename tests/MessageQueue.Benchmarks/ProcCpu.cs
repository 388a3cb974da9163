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

    /// <summary>The key under which <see cref="Tree"/> gives what the root's ended children used.</summary>
    public const int EndedChildren = 0;

    /// <summary>
    /// The CPU ticks so far of a process and of each of its live children, with its command line (which a server such
    /// as PostgreSQL rewrites to name each child's role); under <see cref="EndedChildren"/>, what its children that
    /// have ended used (its cutime and cstime, counted once it has reaped them). Empty once the process is gone.
    /// </summary>
    public static Dictionary<int, (string Name, long Ticks)> Tree(int rootId)
    {
        var tree = new Dictionary<int, (string, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces, so fields are counted after its closing parenthesis.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (id != rootId && int.Parse(fields[1], CultureInfo.InvariantCulture) != rootId)
                    continue;
                // stat(5) fields 14 to 17 (utime, stime, cutime, cstime) are at 11 to 14 once the first two are cut off.
                tree[id] = (CommandLine(dir), Field(fields, 11) + Field(fields, 12));
                if (id == rootId)
                    tree[EndedChildren] = ("", Field(fields, 13) + Field(fields, 14));
            }
            catch (IOException)
            {
                // The process ended between listing and reading.
            }
        }
        return tree;
    }

    /// <summary>
    /// CPU used between two readings of <see cref="Tree"/>, by role (<paramref name="role"/> of each command line).
    /// A child that ended in between counts under <paramref name="endedRole"/>, with only what it used after the first reading.
    /// </summary>
    public static Dictionary<string, TimeSpan> TreeSince(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after,
        Func<string, string> role, string endedRole)
    {
        var ticks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (id, (name, now)) in after)
        {
            var key = id == EndedChildren ? endedRole : role(name);
            ticks[key] = ticks.GetValueOrDefault(key) + now - (before.TryGetValue(id, out var then) ? then.Ticks : 0);
        }
        // The ended children's totals include what they used before the first reading, which is not the window's.
        var endedBefore = before.Where(p => p.Key != EndedChildren && !after.ContainsKey(p.Key)).Sum(p => p.Value.Ticks);
        ticks[endedRole] = ticks.GetValueOrDefault(endedRole) - endedBefore;
        return ticks.ToDictionary(t => t.Key, t => FromTicks(Math.Max(0, t.Value)), StringComparer.Ordinal);
    }

    private static long Field(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    private static string CommandLine(string processDirectory)
    {
        var text = File.ReadAllText(Path.Combine(processDirectory, "cmdline"));
        var end = text.IndexOf('\0', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
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

/// <summary>
/// Where the CPU went during a measured window: the server by thread name, its database server's processes by role
/// (empty unless it has one, see <see cref="ServerProcess.Database"/>), this generator, and the rest.
/// </summary>
internal sealed record CpuWindow(TimeSpan Elapsed, TimeSpan Server, IReadOnlyDictionary<string, TimeSpan> ServerThreads, TimeSpan Generator, TimeSpan Others, TimeSpan Steal)
{
    public IReadOnlyDictionary<string, TimeSpan> DatabaseProcesses { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Every process of the server's database server together.</summary>
    public TimeSpan Database => DatabaseProcesses.Values.Aggregate(TimeSpan.Zero, (sum, cpu) => sum + cpu);

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
    private readonly Dictionary<int, (string Name, long Ticks)>? _database;
    private readonly long _started;

    public CpuMeter(ServerProcess server)
    {
        _server = server;
        _threads = ProcCpu.Threads(server.Id);
        _serverCpu = server.CpuTime;
        _generatorCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _machine = ProcCpu.Machine();
        _database = server.Database?.ReadCpu();
        _started = Stopwatch.GetTimestamp();
    }

    public CpuWindow Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        var server = _server.CpuTime - _serverCpu;
        var generator = Process.GetCurrentProcess().TotalProcessorTime - _generatorCpu;
        var machine = ProcCpu.Machine();
        var database = _database is null ? new Dictionary<string, TimeSpan>() : _server.Database!.CpuSince(_database);
        var databaseTotal = database.Values.Aggregate(TimeSpan.Zero, (sum, cpu) => sum + cpu);
        var others = ProcCpu.FromTicks(machine.Busy - _machine.Busy) - server - generator - databaseTotal;
        var threads = ProcCpu.Threads(_server.Id)
            .GroupBy(t => t.Value.Name, t => t.Value.Ticks - (_threads.TryGetValue(t.Key, out var before) ? before.Ticks : 0))
            .ToDictionary(g => g.Key, g => ProcCpu.FromTicks(g.Sum()));
        return new CpuWindow(elapsed, server, threads, generator, others < TimeSpan.Zero ? TimeSpan.Zero : others,
            ProcCpu.FromTicks(machine.Steal - _machine.Steal)) { DatabaseProcesses = database };
    }
}
