namespace MessageQueue.Benchmarks;

/// <summary>One server, one GC mode: N hub connections and a few SUB sockets on one subject, legacy updates one at a time.</summary>
internal sealed record HubResult(
    HubClientKind Client,
    int Connections,
    bool ServerGc,
    string GcCheck,
    int Probes,
    int WarmupUpdates,
    int Updates,
    long Expected,
    long Delivered,
    int Closed,
    int Duplicates,
    Latency ToBrowsers,
    Latency ToSub,
    Latency Reply,
    CpuWindow Cpu,
    long RssBefore,
    long RssConnected,
    long RssAfter,
    MemoryReading? HeapConnected,
    MemoryReading? HeapDisconnected,
    HubPhases Phases)
{
    public double DeliveredFraction => Expected == 0 ? 0 : (double)Delivered / Expected;

    /// <summary>Server CPU time, all threads, per update delivered to a hub connection (the SUB copies are a rounding error).</summary>
    public double ServerCpuMicrosPerDelivery => Cpu.Server.TotalMicroseconds / Math.Max(1, Delivered);

    /// <summary>The part of <see cref="ServerCpuMicrosPerDelivery"/> spent by the server's background JIT (still tiering up code).</summary>
    public double ServerJitMicrosPerDelivery => Cpu.ServerThreads
        .Where(t => t.Key.StartsWith(".NET Tiered", StringComparison.Ordinal)).Sum(t => t.Value.TotalMicroseconds) / Math.Max(1, Delivered);

    /// <summary>This generator's CPU per delivery: mostly the lean clients reading their copies.</summary>
    public double GeneratorCpuMicrosPerDelivery => Cpu.Generator.TotalMicroseconds / Math.Max(1, Delivered);

    /// <summary>Resident set growth from before the connections opened to all of them subscribed and probed.</summary>
    public double RssKilobytesPerConnection => (RssConnected - RssBefore) / 1024.0 / Connections;

    /// <summary>
    /// Resident set growth from before the connections opened to the end of the measured updates (the settle's load
    /// included), per connection: what an operator sees once updates flow (each connection's buffers in use, and the
    /// heap the GC keeps for the allocation rate, which is larger with the server GC).
    /// </summary>
    public double RssAfterKilobytesPerConnection => (RssAfter - RssBefore) / 1024.0 / Connections;

    /// <summary>Live managed bytes per connection (minimal server only): full GC with every connection, then with none.</summary>
    public double? ManagedKilobytesPerConnection => HeapConnected is { } with && HeapDisconnected is { } without
        ? (with.ManagedBytes - without.ManagedBytes) / 1024.0 / Connections
        : null;
}

/// <summary>How long each phase of one hub measurement took, in seconds: start and prewarm, opening and probing the connections, the settle, warm-up updates, measured updates.</summary>
internal sealed record HubPhases(double Start, double Open, double Settle, double Warmup, double Measured);
