using System.Diagnostics;
using System.Text;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>One fan-out measurement: from sending an update request to each subscriber holding the publication.</summary>
internal sealed record FanoutResult(int Subscribers, int Updates, int Probes, Latency Delivery, Latency Reply, CpuWindow Cpu)
{
    /// <summary>Server CPU per update, all threads: storing it, then sending one copy per subscriber.</summary>
    public double ServerCpuMicrosPerUpdate => Cpu.Server.TotalMicroseconds / Updates;

    /// <summary>Generator CPU per update: mostly reading one copy on every SUB socket.</summary>
    public double GeneratorCpuMicrosPerUpdate => Cpu.Generator.TotalMicroseconds / Updates;
}

/// <summary>
/// Update-to-subscriber latency: one update at a time, timestamped when its request is sent, and not the next
/// until every SUB socket has it. The subscribers are first brought past the slow-joiner gap with probe updates.
/// </summary>
internal static class SubscriberLatency
{
    public const string Subject = "React";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Settles the whole update-to-subscriber path, the generator's SUB side included, with timed update load on
    /// the other subjects: their content grows, but the measured subject's stays as it was.
    /// </summary>
    public static void Settle(ServerProcess server, int clientCount, BenchmarkOptions options)
    {
        using var listeners = new SubscriberGroup(server.PublishEndpoint, subject: "", count: 10);
        RequestLoad.Settle(server, LoadChannels.Legacy(server, Workloads.Updates([.. LegacyFrames.Subjects.Where(s => s != Subject)])), clientCount, options);
    }

    public static FanoutResult Run(ServerProcess server, int subscriberCount, BenchmarkOptions options)
    {
        using var subscribers = new SubscriberGroup(server.PublishEndpoint, Subject, subscriberCount);
        using var requester = new RequestSocket();
        requester.Options.Linger = TimeSpan.Zero;
        requester.Connect(server.ReplyEndpoint);

        // A SUB misses what is published before its subscription reaches the PUB: post until all have one.
        var probes = 0;
        var joining = Stopwatch.StartNew();
        do
        {
            if (joining.Elapsed > Timeout)
                throw new TimeoutException($"Not every subscriber of {server.Name} received a probe within {Timeout.TotalSeconds} s.");
            Post(requester, $"p{probes++}", server);
        }
        while (!subscribers.WaitAllJoined(TimeSpan.FromMilliseconds(20)));

        var deliveries = new List<long>(options.FanoutUpdates * subscriberCount);
        var replies = new List<long>(options.FanoutUpdates);
        CpuMeter? meter = null;
        for (var number = 0; number < options.FanoutWarmupUpdates + options.FanoutUpdates; number++)
        {
            if (number == options.FanoutWarmupUpdates)
                meter = new CpuMeter(server);
            var request = LegacyFrames.UpdateRequest(Subject, $"m{number}");
            using var round = subscribers.Expect(number);
            round.SentAt = Stopwatch.GetTimestamp();
            Send(requester, request, server);
            var replyTicks = Stopwatch.GetTimestamp() - round.SentAt;
            if (!round.WaitComplete(Timeout))
                throw new TimeoutException($"Update m{number} reached {round.Arrivals} of {subscriberCount} subscribers of {server.Name} within {Timeout.TotalSeconds} s.");
            if (number < options.FanoutWarmupUpdates)
                continue;
            deliveries.AddRange(round.Latencies);
            replies.Add(replyTicks);
        }
        return new FanoutResult(subscriberCount, options.FanoutUpdates, probes,
            Latency.FromTicks([.. deliveries]), Latency.FromTicks([.. replies]), meter!.Stop());
    }

    private static void Post(RequestSocket requester, string text, ServerProcess server) =>
        Send(requester, LegacyFrames.UpdateRequest(Subject, text), server);

    /// <summary>Sends one legacy update and checks its reply.</summary>
    public static void Send(RequestSocket requester, byte[] request, ServerProcess server)
    {
        requester.SendFrame(request);
        if (!requester.TryReceiveFrameBytes(Timeout, out var reply))
            throw new TimeoutException($"{server.Name} did not answer update {Encoding.UTF8.GetString(request)}:\n{server.RecentOutput}");
        if (!reply.AsSpan().SequenceEqual(LegacyFrames.SuccessReply))
            throw new InvalidOperationException($"{server.Name} refused update {Encoding.UTF8.GetString(request)}: {Encoding.UTF8.GetString(reply)}");
    }
}
