using System.Diagnostics;
using System.Globalization;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Whether an update costs the same on an old subject as on a young one: 20,000 updates of 1 KiB to one subject,
/// one at a time, to one SUB socket; CPU per update and update-to-subscriber latency over the first 1,000 against
/// the last 1,000. Before the content window, every update rebuilt and sent the whole accumulated content.
/// </summary>
internal static class FlatnessScenario
{
    public const int Updates = 20_000;
    public const int Window = 1_000;
    private const string Subject = SubscriberLatency.Subject;

    // 1 KiB of text per update, the marker on its own last line (what SubscriberGroup matches).
    private static readonly string Padding = new('f', 1024 - 8);

    public static FlatnessResult Run(BenchmarkOptions options)
    {
        using var server = ServerLauncher.Start(ServerKind.Gateway, options);
        SubscriberLatency.Settle(server, BenchmarkRun.SettlingClients, options);
        using var subscribers = new SubscriberGroup(server.PublishEndpoint, Subject, 1);
        using var requester = new RequestSocket();
        requester.Options.Linger = TimeSpan.Zero;
        requester.Connect(server.ReplyEndpoint);
        var joining = Stopwatch.StartNew();
        for (var probe = 0; !subscribers.WaitAllJoined(TimeSpan.FromMilliseconds(20)); probe++)
        {
            if (joining.Elapsed > TimeSpan.FromSeconds(15))
                throw new TimeoutException("The subscriber never received a probe.");
            SubscriberLatency.Send(requester, LegacyFrames.UpdateRequest(Subject, $"p{probe}"), server);
        }

        var first = Measure(server, subscribers, requester, from: 0);
        for (var number = Window; number < Updates - Window; number++)
            Post(server, subscribers, requester, number);
        var last = Measure(server, subscribers, requester, from: Updates - Window);
        var result = new FlatnessResult(first.Latency, last.Latency, first.CpuMicros, last.CpuMicros, first.Cpu, last.Cpu);
        Console.WriteLine(Invariant($"  flatness                             gateway  first {Window}: p99 {first.Latency.P99Ms:0.000} ms, {first.CpuMicros:0} µs CPU/update; last {Window}: p99 {last.Latency.P99Ms:0.000} ms, {last.CpuMicros:0} µs CPU/update"));
        return result;
    }

    private static (Latency Latency, double CpuMicros, CpuWindow Cpu) Measure(ServerProcess server, SubscriberGroup subscribers, RequestSocket requester, int from)
    {
        var latencies = new long[Window];
        var meter = new CpuMeter(server);
        for (var i = 0; i < Window; i++)
            latencies[i] = Post(server, subscribers, requester, from + i);
        var cpu = meter.Stop();
        return (Latency.FromTicks(latencies), cpu.Server.TotalMicroseconds / Window, cpu);
    }

    /// <summary>Posts update <paramref name="number"/> and waits for the subscriber to hold it; returns the ticks it took.</summary>
    private static long Post(ServerProcess server, SubscriberGroup subscribers, RequestSocket requester, int number)
    {
        using var round = subscribers.Expect(number);
        round.SentAt = Stopwatch.GetTimestamp();
        SubscriberLatency.Send(requester, LegacyFrames.UpdateRequest(Subject, $"{Padding}\nm{number}"), server);
        if (!round.WaitComplete(TimeSpan.FromSeconds(15)))
            throw new TimeoutException($"Update m{number} did not reach the subscriber of {server.Name} within 15 s.");
        return round.Latencies[0];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The first and the last thousand updates of 20,000 on one subject.</summary>
internal sealed record FlatnessResult(Latency First, Latency Last, double FirstCpuMicros, double LastCpuMicros, CpuWindow FirstCpu, CpuWindow LastCpu)
{
    public double CpuRatio => LastCpuMicros / FirstCpuMicros;
    public double P99Ratio => Last.P99Ms / First.P99Ms;
}
