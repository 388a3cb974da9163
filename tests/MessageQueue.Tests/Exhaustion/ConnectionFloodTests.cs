using MessageQueue.Benchmarks;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Exhaustion;

/// <summary>
/// Idle TCP connections, the limit's worth of them, to each legacy port and to Kestrel, against a gateway whose
/// open-files limit is lowered so few are needed. The caps sized from that limit refuse them at accept: the
/// process lives, its descriptors stay under the limit, the refusals are counted and logged a few lines at most.
/// </summary>
public sealed class ConnectionFloodTests(ITestOutputHelper output)
{
    private const int OpenFilesLimit = 2048;
    private const int MaxLogLines = 150;

    [Fact]
    public async Task AFloodFromOneAddressOnEveryDoorLeavesOtherClientsServed()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, openFilesLimit: OpenFilesLimit);
        Assert.Contains($"Open-files limit {OpenFilesLimit}", gateway.Output, StringComparison.Ordinal); // the budget, said once at start
        await AssertServedAsync(gateway);
        var before = Read(gateway);

        var attacker = IdleConnections.Loopback(2, 1);
        using (var toReply = await IdleConnections.OpenAsync(gateway.ReplyEndpoint, OpenFilesLimit, attacker))
        using (var toPublish = await IdleConnections.OpenAsync(gateway.PublishEndpoint, OpenFilesLimit, attacker))
        using (var toHttp = await IdleConnections.OpenAsync(gateway.HttpAddress.ToString(), OpenFilesLimit, attacker))
        {
            var during = Read(gateway);
            output.WriteLine($"before {before}; during {during}; connections made {toReply.Count} + {toPublish.Count} + {toHttp.Count}");
            Assert.True(during.OpenFiles < OpenFilesLimit, $"The gateway holds {during.OpenFiles} descriptors of {OpenFilesLimit}.");

            // Another client (127.0.0.1) on every door is served while the flood holds what it got.
            await AssertServedAsync(gateway);
        }

        var metrics = await MetricsAsync(gateway);
        Assert.True(PrometheusText.Value(metrics, "messagequeue_connections_refused_total", ("door", "zmq"), ("reason", "address_full")) > 0, metrics);
        Assert.True(PrometheusText.Value(metrics, "messagequeue_connections_refused_total", ("door", "http"), ("reason", "address_full")) > 0, metrics);
        AssertQuiet(gateway);
    }

    [Fact]
    public async Task AFloodFromManyAddressesFillsTheCapsButNeverTheDescriptorsAndTheDoorsServeOnceItLeaves()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, openFilesLimit: OpenFilesLimit);
        await AssertServedAsync(gateway);
        var before = Read(gateway);

        var attackers = IdleConnections.Loopback(2, 64);
        using (var toReply = await IdleConnections.OpenAsync(gateway.ReplyEndpoint, OpenFilesLimit, attackers))
        using (var toPublish = await IdleConnections.OpenAsync(gateway.PublishEndpoint, OpenFilesLimit, attackers))
        using (var toHttp = await IdleConnections.OpenAsync(gateway.HttpAddress.ToString(), OpenFilesLimit, attackers))
        {
            var during = Read(gateway);
            output.WriteLine($"before {before}; during {during}; connections made {toReply.Count} + {toPublish.Count} + {toHttp.Count}");
            Assert.True(during.OpenFiles < OpenFilesLimit, $"The gateway holds {during.OpenFiles} descriptors of {OpenFilesLimit}.");
        }

        // The flood's connections are gone: every door serves again, the process having lived through it.
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await AssertServedAsync(gateway);
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException or TaskCanceledException)
            {
                return false;
            }
        }, () => "The doors did not serve again after the flood left:\n" + gateway.Output, TimeSpan.FromSeconds(30));
        var metrics = await MetricsAsync(gateway);
        Assert.True(PrometheusText.Value(metrics, "messagequeue_connections_refused_total", ("door", "zmq"), ("reason", "door_full")) > 0, metrics);
        Assert.True(PrometheusText.Value(metrics, "messagequeue_connections_refused_total", ("door", "http"), ("reason", "door_full")) > 0, metrics);
        output.WriteLine($"after {Read(gateway)}");
        AssertQuiet(gateway);
    }

    private static ProcStatus Read(GatewayProcess gateway) =>
        ProcStatus.Read(gateway.Id) ?? throw new InvalidOperationException("The gateway is gone:\n" + gateway.Output);

    /// <summary>A legacy REQ client, a SUB client, a REST client and a hub client, each served.</summary>
    private static async Task AssertServedAsync(GatewayProcess gateway)
    {
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
        using (var peer = new LegacyPeer(gateway.ReplyEndpoint))
        using (var subscriber = new LegacySubscriber(gateway.PublishEndpoint, "React"))
        {
            Assert.StartsWith("[", peer.Request(new { type = "1" }), StringComparison.Ordinal);
            subscriber.WaitUntilJoined(peer, "React");
        }
        using (var http = new HttpClient { BaseAddress = gateway.HttpAddress, Timeout = TimeSpan.FromSeconds(10) })
            (await http.GetAsync("/api/subjects")).EnsureSuccessStatusCode();
        await using (var hub = await HubPeer.ConnectAsync(gateway.HttpAddress))
            await hub.SubscribeAsync("React");
    }

    private static async Task<string> MetricsAsync(GatewayProcess gateway)
    {
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress, Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync("/metrics");
    }

    private void AssertQuiet(GatewayProcess gateway)
    {
        output.WriteLine($"{gateway.OutputLines} lines of output");
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
        Assert.True(gateway.OutputLines < MaxLogLines, $"{gateway.OutputLines} lines of output:\n" + gateway.Output);
    }
}
