using System.Net.Http.Json;
using MessageQueue.Benchmarks;
using MessageQueue.Tests.Fuzzing;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using System.Text;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Legacy;

/// <summary>
/// Zmq:MaxSubscriberBytes against the gateway as its own process: a SUB peer that never reads is disconnected and the
/// gateway's memory stays bounded while whole-content publications stream at it, and a subscriber that reads late but
/// within the budget gets every publication in order.
/// </summary>
public sealed class SlowSubscriberTests(ITestOutputHelper output)
{
    private const long Budget = 2 * 1024 * 1024;

    [Fact]
    public async Task ASubscriberThatNeverReadsIsDisconnectedAndTheGatewayMemoryStaysBounded()
    {
        using var data = new TempDirectory();
        await using var gateway = await StartAsync(data.Path);
        const string subject = "NeverRead";
        await CreateAsync(gateway, subject);

        await using var neverReads = await NeverReadingSubscriberAsync(gateway.PublishEndpoint, subject);
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);
        var before = Resident(gateway);

        // 1,000 updates of 1 KB: each publication carries the whole content, about 500 MB in all. Without the budget
        // NetMQ queues all of it for the peer that never reads (about twice that in resident memory).
        var text = new string('x', 1024);
        var peak = before;
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = text }));
            if (i % 50 == 0)
                peak = Math.Max(peak, Resident(gateway));
        }
        peak = Math.Max(peak, Resident(gateway));
        output.WriteLine($"RSS before {before / (1024 * 1024)} MB, peak {peak / (1024 * 1024)} MB");

        Assert.True(peak - before < 300L * 1024 * 1024, $"RSS grew by {(peak - before) / (1024 * 1024)} MB with a subscriber that never reads.");
        Assert.True(await neverReads.ClosedByPeerAsync(TimeSpan.FromSeconds(20)), "The subscriber that never reads was not disconnected.");
        Assert.Contains("more than 2097152 bytes behind", gateway.Output, StringComparison.Ordinal);
        await Poll.UntilAsync(async () => await MetricAsync(gateway, "messagequeue_zmq_subscribers_cut_total") >= 1, () => "messagequeue_zmq_subscribers_cut_total did not count the disconnection.");
        Assert.False(gateway.HasExited);
    }

    [Fact]
    public async Task ASubscriberThatReadsLateButWithinTheBudgetGetsEveryPublicationInOrder()
    {
        using var data = new TempDirectory();
        await using var gateway = await StartAsync(data.Path);
        const string subject = "ReadsLate";
        await CreateAsync(gateway, subject);

        // Both by hand with a small receive buffer, so what they have not read waits in the gateway, not in a library.
        await using var late = await NeverReadingSubscriberAsync(gateway.PublishEndpoint, subject);
        await Poll.UntilAsync(async () => await MetricAsync(gateway, "messagequeue_zmq_subscriptions") >= 1, () => "The subscription never took effect.");
        await using var neverReads = await NeverReadingSubscriberAsync(gateway.PublishEndpoint, subject);
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);

        // Bursts of 20 updates read only after each burst: up to 20 publications of up to 64 KiB behind (the content
        // window; under 2 MiB), while the peer that never reads falls further behind and is cut.
        var text = new string('y', 256);
        var window = new MessageQueue.Gateway.Subjects.ContentWindow(new MessageQueue.Gateway.Subjects.SubjectOptions().MaxContentBytes);
        var expected = "";
        for (var burst = 0; burst < 20; burst++)
        {
            var contents = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var line = $"{burst}-{i}-{text}";
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = line }));
                expected = window.Append(expected, line);
                contents.Add(expected);
            }
            foreach (var content in contents)
                Assert.Equal($"{subject} {content}", Encoding.UTF8.GetString(Assert.Single(await late.ReceiveMessageAsync())));
        }
        Assert.True(await neverReads.ClosedByPeerAsync(TimeSpan.FromSeconds(20)), "The subscriber that never reads was not disconnected.");
        Assert.Equal(1, await MetricAsync(gateway, "messagequeue_zmq_subscribers_cut_total"));
    }

    [Fact]
    public async Task ManySubscribersThatNeverReadAreHeldToOneBudgetTogetherWhileAReaderKeepsEverything()
    {
        using var data = new TempDirectory();
        // Each of them alone may fall 64 MiB behind, all of them together only 1 MiB.
        await using var gateway = await GatewayProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["RateLimiting__Enabled"] = "false",
            ["Zmq__MaxSubscriberBytes"] = $"{64 * 1024 * 1024}",
            ["Zmq__MaxSubscriberBytesTotal"] = $"{1024 * 1024}",
        });
        const string subject = "Crowd";
        await CreateAsync(gateway, subject);
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);
        using var reader = new LegacySubscriber(gateway.PublishEndpoint, subject);
        reader.WaitUntilJoined(peer, subject);
        var neverRead = new List<RawZmtpPeer>();
        for (var i = 0; i < 4; i++)
            neverRead.Add(await NeverReadingSubscriberAsync(gateway.PublishEndpoint, subject));
        await Poll.UntilAsync(async () => await MetricAsync(gateway, "messagequeue_zmq_subscriptions") >= 1, () => "The subscriptions never took effect.");
        try
        {
            // 300 updates of 1 KiB: publications grow to 64 KiB (the content window), about 10 MiB for each peer.
            var text = new string('c', 1024);
            for (var i = 0; i < 300; i++)
            {
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = $"{i} {text}" }));
                Assert.EndsWith($"{i} {text}", reader.Receive(), StringComparison.Ordinal);
            }
            foreach (var silent in neverRead)
                Assert.True(await silent.ClosedByPeerAsync(TimeSpan.FromSeconds(20)), "A subscriber that never reads was not disconnected.");
            Assert.Equal(4, await MetricAsync(gateway, "messagequeue_zmq_subscribers_cut_total"));
        }
        finally
        {
            foreach (var silent in neverRead)
                await silent.DisposeAsync();
        }
    }

    private static Task<GatewayProcess> StartAsync(string dataDirectory) =>
        GatewayProcess.StartAsync(dataDirectory, new Dictionary<string, string>
        {
            ["RateLimiting__Enabled"] = "false",
            ["Zmq__MaxSubscriberBytes"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private static async Task CreateAsync(GatewayProcess gateway, string subject)
    {
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };
        (await http.PostAsJsonAsync("/api/subjects", new { name = subject })).EnsureSuccessStatusCode();
    }

    /// <summary>A SUB peer speaking ZMTP by hand, with a small receive buffer, that subscribes and never reads again.</summary>
    private static async Task<RawZmtpPeer> NeverReadingSubscriberAsync(string endpoint, string subject)
    {
        var peer = await RawZmtpPeer.ConnectAsync(endpoint, receiveBufferSize: 4096);
        await peer.HandshakeAsync("SUB");
        await peer.SendAsync(RawZmtpPeer.Frame([1, .. Encoding.UTF8.GetBytes(subject)], more: false));
        return peer;
    }

    private static long Resident(GatewayProcess gateway) =>
        (ProcStatus.Read(gateway.Id) ?? throw new InvalidOperationException("The gateway is gone:\n" + gateway.Output)).ResidentBytes;

    private static async Task<double> MetricAsync(GatewayProcess gateway, string name)
    {
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };
        return PrometheusText.Value(await http.GetStringAsync("/metrics"), name);
    }
}
