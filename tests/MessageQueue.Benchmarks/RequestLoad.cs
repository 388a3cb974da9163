namespace MessageQueue.Benchmarks;

/// <summary>Which request the clients send.</summary>
internal enum RequestKind
{
    /// <summary>Type "1": answered from memory on every server.</summary>
    List,

    /// <summary>Type "3": durable on the gateway (committed to SQLite, then published), in memory on the others.</summary>
    Update,

    /// <summary>GET /api/subjects: from memory on the gateway, a fixed answer on the minimal HTTP server.</summary>
    RestList,

    /// <summary>POST /api/subjects/{subject}/updates: durable and published on the gateway, stored nowhere on the minimal HTTP server.</summary>
    RestUpdate,
}

/// <summary>One closed-loop measurement: its throughput, latency and what it cost in CPU.</summary>
internal sealed record LoadResult(int Requests, Latency Latency, CpuWindow Cpu, TimeSpan ServerJitCpu, long AnsweredInAllPhases)
{
    public double RequestsPerSecond => Requests / Cpu.Elapsed.TotalSeconds;

    /// <summary>Server CPU time per answered request, all threads: what each request costs the server.</summary>
    public double ServerCpuMicrosPerRequest => Cpu.Server.TotalMicroseconds / Math.Max(1, Requests);
}

/// <summary>Readings of more than the server's own process (the other instances of a cluster), taken at the edges of a load's measured window.</summary>
internal interface IWindowProbe
{
    void Begin();

    void End();
}

/// <summary>
/// Closed-loop request load: N clients, each on its own thread with its own socket or connection, each sending its next
/// request as soon as the previous reply arrives. Unmeasured warm-up first, then a measured window.
/// </summary>
internal static class RequestLoad
{
    /// <summary>
    /// Load that brings a freshly started server to its steady state before it is measured: the JIT tiers the
    /// request path only after seconds of use (much longer for the gateway's EF Core and SQLite path than for a
    /// NetMQ loop), so the load goes on until the server's JIT is quiet. Nothing is measured; pick a workload
    /// that leaves the measured content as it is.
    /// </summary>
    public static void Settle(ServerProcess server, Func<int, IRequestChannel> channels, int clientCount, BenchmarkOptions options)
    {
        var phase = new LoadPhase();
        var clients = StartClients(clientCount, phase, channels);
        var (elapsed, quiet) = server.Jit.WaitUntilQuiet(options.SettleMinimum, options.SettleMaximum);
        phase.Begin(LoadPhase.Stopped);
        Finish(server, clients);
        Console.WriteLine(FormattableString.Invariant(
            $"  settled {server.Name} in {elapsed.TotalSeconds:0.0} s{(quiet ? "" : ", its JIT still busy (raise --settle)")}"));
    }

    public static LoadResult Run(ServerProcess server, RequestKind kind, int clientCount, BenchmarkOptions options) =>
        Run(server, LoadChannels.For(server, kind), clientCount, options);

    /// <summary>
    /// The same with the clients' own channels (a workload other than the kind's usual one); <paramref name="probe"/>,
    /// if any, is told when the measured window begins and ends.
    /// </summary>
    public static LoadResult Run(ServerProcess server, Func<int, IRequestChannel> channels, int clientCount, BenchmarkOptions options, IWindowProbe? probe = null)
    {
        var phase = new LoadPhase();
        var clients = StartClients(clientCount, phase, channels);

        // A scenario's own path may still have methods to tier: the warm-up goes on while the JIT is busy.
        server.Jit.WaitUntilQuiet(options.Warmup, options.Warmup + options.Warmup);
        server.Jit.CpuSinceLastCall();
        probe?.Begin();
        var meter = new CpuMeter(server);
        phase.Begin(LoadPhase.Measuring);

        Thread.Sleep(options.Measure);
        phase.Begin(LoadPhase.Stopped);
        var cpu = meter.Stop();
        probe?.End();
        var jitCpu = server.Jit.CpuSinceLastCall();

        Finish(server, clients);
        var samples = clients.SelectMany(c => c.Samples).ToArray();
        return new LoadResult(samples.Length, Latency.FromTicks(samples), cpu, jitCpu, clients.Sum(c => c.Answered));
    }

    private static LoadClient[] StartClients(int count, LoadPhase phase, Func<int, IRequestChannel> channels)
    {
        var clients = Enumerable.Range(0, count)
            .Select(i => new LoadClient($"load-client-{i}", () => channels(i), phase))
            .ToArray();
        foreach (var client in clients)
            client.Start();
        return clients;
    }

    private static void Finish(ServerProcess server, LoadClient[] clients)
    {
        foreach (var client in clients)
            client.Join();
        if (clients.FirstOrDefault(c => c.Failure is not null) is { } failed)
            throw new InvalidOperationException($"A client of {server.Name} failed:\n{server.RecentOutput}", failed.Failure);
        if (clients.FirstOrDefault(c => c.FirstWrongReply is not null) is { } wrong)
            throw new InvalidOperationException($"{server.Name} gave {clients.Sum(c => c.WrongReplies)} unexpected replies, first: '{wrong.FirstWrongReply}'");
    }
}
