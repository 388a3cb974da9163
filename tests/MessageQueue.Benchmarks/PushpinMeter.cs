using System.Diagnostics;

namespace MessageQueue.Benchmarks;

/// <summary>
/// <see cref="CpuMeter"/> for Pushpin: the server is the runner with the processes it started, split by program
/// (condure, pushpin-proxy, pushpin-handler, zurl) where the gateway's figures are split by thread.
/// </summary>
internal sealed class PushpinMeter
{
    private readonly PushpinServer _pushpin;
    private readonly Dictionary<int, (string Name, long Ticks)> _processes;
    private readonly TimeSpan _generatorCpu;
    private readonly (long Busy, long Steal) _machine;
    private readonly long _started;

    public PushpinMeter(PushpinServer pushpin)
    {
        _pushpin = pushpin;
        _processes = pushpin.ReadCpu();
        _generatorCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _machine = ProcCpu.Machine();
        _started = Stopwatch.GetTimestamp();
    }

    public CpuWindow Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        var processes = _pushpin.CpuSince(_processes);
        var server = processes.Values.Aggregate(TimeSpan.Zero, (sum, cpu) => sum + cpu);
        var generator = Process.GetCurrentProcess().TotalProcessorTime - _generatorCpu;
        var machine = ProcCpu.Machine();
        var others = ProcCpu.FromTicks(machine.Busy - _machine.Busy) - server - generator;
        return new CpuWindow(elapsed, server, processes, generator, others < TimeSpan.Zero ? TimeSpan.Zero : others,
            ProcCpu.FromTicks(machine.Steal - _machine.Steal));
    }
}
