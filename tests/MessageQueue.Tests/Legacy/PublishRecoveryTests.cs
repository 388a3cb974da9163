using System.Net;
using System.Text.Json;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Legacy;

/// <summary>
/// An update committed and acknowledged whose publication then fails (an exception in the PUB sink, as an
/// OutOfMemoryException while encoding would be) still reaches SUB clients: the sink takes it from the store, in order,
/// and readiness says Degraded, naming the sink, until it has.
/// </summary>
public sealed class PublishRecoveryTests
{
    [Fact]
    public async Task APublicationThatFailsAfterTheCommitIsRepublishedFromTheStoreInOrderAndReadinessIsDegradedMeanwhile()
    {
        var fault = new FaultSwitch();
        await using var gateway = new GatewayFactory(null, configure: host => host.ConfigureTestServices(services => FaultySink.Around<ZmqPublishSink>(services, fault)));
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        const string subject = "React";
        using var subscriber = new LegacySubscriber(gateway.Zmq.PublishEndpoint, subject);
        subscriber.WaitUntilJoined(peer, subject);
        var content = (await ApiAssert.Json(await http.GetAsync($"/api/subjects/{subject}"), HttpStatusCode.OK)).GetProperty("content").GetString();

        // Acknowledged, then lost by the sink.
        fault.Failing = true;
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = "first" }));
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = "second" }));
        await Poll.UntilAsync(async () => await FanoutCheckAsync(http) is ("Degraded", var description) && description.Contains("zmq-pub", StringComparison.Ordinal),
            () => "Readiness never named the failing sink.");
        Assert.False(subscriber.TryReceive(TimeSpan.FromMilliseconds(100), out _));

        // Still failing while this one comes: it must wait behind the two before it.
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = "third" }));
        fault.Failing = false;
        Assert.Equal($"{subject} {content}\nfirst", subscriber.Receive());
        Assert.Equal($"{subject} {content}\nfirst\nsecond", subscriber.Receive());
        Assert.Equal($"{subject} {content}\nfirst\nsecond\nthird", subscriber.Receive());

        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = "fourth" }));
        Assert.Equal($"{subject} {content}\nfirst\nsecond\nthird\nfourth", subscriber.Receive());
        await Poll.UntilAsync(async () => await FanoutCheckAsync(http) is ("Healthy", _), () => "Readiness stayed degraded after the recovery.");
        var metrics = await http.GetStringAsync("/metrics");
        // The first two came back from the store; the third did too if the sink's retry read the store after it was
        // committed, or else went through the sink's queue once the two were out: both keep the order.
        Assert.InRange(PrometheusText.Value(metrics, "messagequeue_fanout_recovered_total", ("sink", "zmq-pub")), 2, 3);
    }

    [Fact]
    public async Task ASinkKeptBusyByOtherSubjectsStillRecoversWhatItMissed()
    {
        var fault = new FaultSwitch();
        await using var gateway = new GatewayFactory(null, configure: host => host.ConfigureTestServices(services => FaultySink.Around<ZmqPublishSink>(services, fault)));
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.Zmq.PublishEndpoint, "React");
        subscriber.WaitUntilJoined(peer, "React");

        fault.Failing = true;
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = "missed" }));
        fault.Failing = false;

        // Another subject's updates keep the sink's queue busy, more often than its first retry (100 ms) would wait.
        using var stop = new CancellationTokenSource();
        var busy = Task.WhenAll(Enumerable.Range(0, 3).Select(client => Task.Run(() =>
        {
            using var other = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
            for (var i = 0; !stop.IsCancellationRequested; i++)
                Assert.Equal("isSuccess", other.Request(new { type = "3", subject = "Django", updateMessage = $"busy {client}-{i}" }));
        })));
        try
        {
            Assert.EndsWith("\nmissed", subscriber.Receive(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await busy;
        }
    }

    private static async Task<(string? Status, string Description)> FanoutCheckAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // degraded is still ready: the gateway works, a door is catching up
        var check = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("fanout");
        return (check.GetProperty("status").GetString(), check.GetProperty("description").GetString() ?? "");
    }

    /// <summary>The real sink, but throwing while the switch is on, before the sink sees the update.</summary>
    private sealed class FaultySink(IChangeSink inner, FaultSwitch fault) : IChangeSink
    {
        public string Name => inner.Name;

        // As the sink it wraps: an enqueue-only sink fails on the publishing thread, and its loop takes over.
        public bool EnqueuesOnly => inner.EnqueuesOnly;

        public bool Wants(SubjectChange change) => inner.Wants(change);

        public ValueTask DeliverAsync(SubjectChange change, CancellationToken cancellationToken) =>
#pragma warning disable CA2201 // the exception a sink met under memory pressure, reproduced on purpose
            fault.Failing ? throw new OutOfMemoryException("Injected by the test.") : inner.DeliverAsync(change, cancellationToken);
#pragma warning restore CA2201

        /// <summary>Registers the sink <typeparamref name="TSink"/> wrapped in a fault injector, in its place among the sinks.</summary>
        public static void Around<TSink>(IServiceCollection services, FaultSwitch fault)
            where TSink : class, IChangeSink
        {
            var index = services.IndexOf(services.Single(d => d.ServiceType == typeof(IChangeSink) && d.ImplementationType == typeof(TSink)));
            services[index] = ServiceDescriptor.Singleton<IChangeSink>(sp => new FaultySink(ActivatorUtilities.CreateInstance<TSink>(sp), fault));
        }
    }
}

/// <summary>Turns the injected failure on and off from the test.</summary>
internal sealed class FaultSwitch
{
    private volatile bool _failing;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }
}
