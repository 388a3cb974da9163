using System.Diagnostics;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Client;

public sealed class ClientWatchTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _gateway;

    public ClientWatchTests(GatewayFactory gateway) => _gateway = gateway;

    [Fact]
    public async Task WatchWithCountPrintsAnUpdatePostedByAnotherPeerThenExits()
    {
        var zmq = _gateway.Zmq;
        await using var watcher = ClientProcess.Start("watch", "NodeJs", "--count", "1", "--publisher", zmq.PublishEndpoint);
        using var peer = new LegacyPeer(zmq.ReplyEndpoint);

        var seen = await UpdateProbe.PostUntilSeenAsync(watcher, peer, "NodeJs");

        Assert.Equal(0, await watcher.WaitForExitAsync());
        Assert.StartsWith("[NodeJs] Node.js is an open-source", watcher.Output, StringComparison.Ordinal);
        Assert.Contains(seen, watcher.Output.Split('\n'));
        Assert.Single(watcher.Output.Split('\n'), line => line.StartsWith("[NodeJs] ", StringComparison.Ordinal));
        Assert.Contains("watching NodeJs on " + zmq.PublishEndpoint, watcher.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchIgnoresSubjectsThatOnlyShareItsPrefix()
    {
        // "Re" is a byte prefix of "React": ZeroMQ lets React's updates through, the client must not show them.
        // Keep posting to React for the watcher's whole life, so a broken filter would surely print one.
        var zmq = _gateway.Zmq;
        await using var watcher = ClientProcess.Start("watch", "Re", "--count", "1", "--timeout", "3", "--publisher", zmq.PublishEndpoint);
        using var peer = new LegacyPeer(zmq.ReplyEndpoint);
        var posts = 0;
        while (!watcher.OutputEnded)
        {
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = $"not for Re {posts++}" }));
            Assert.Null(await watcher.TryWaitForLineAsync(_ => true, TimeSpan.FromMilliseconds(100)));
        }

        Assert.Equal(3, await watcher.WaitForExitAsync());
        Assert.Empty(watcher.Output);
        Assert.True(posts > 5, $"only {posts} posts while watching");
    }

    [Fact]
    public async Task WatchWithCountGivesUpAfterTimeoutWithExitCode3()
    {
        var stopwatch = Stopwatch.StartNew();

        var result = await ClientProcess.RunAsync("watch", "Django", "--count", "1", "--timeout", "1", "--publisher", _gateway.Zmq.PublishEndpoint);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"only 0 of 1 updates on Django from {_gateway.Zmq.PublishEndpoint} within 1s", result.Error, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }
}
