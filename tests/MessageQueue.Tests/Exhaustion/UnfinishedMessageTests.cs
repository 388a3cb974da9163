using MessageQueue.Benchmarks;
using MessageQueue.Tests.Fuzzing;
using MessageQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Exhaustion;

/// <summary>
/// NetMQ holds every frame of a message until its last one: a peer that keeps sending frames flagged MORE and never
/// a last one would make it hold them without end. The legacy door's guard counts a whole message across its frames
/// and cuts the connection past the cap; on the publish port, where peers send only short subscriptions, the cap is short.
/// </summary>
public sealed class UnfinishedMessageTests(ITestOutputHelper output)
{
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan Closing = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FramesFlaggedMoreWithoutEndAreCutAtTheCapAndMemoryStaysBounded()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);
        AssertServing(gateway);
        var before = Read(gateway);

        var sent = 0L;
        await using (var attacker = await RawZmtpPeer.ConnectAsync(gateway.ReplyEndpoint))
        {
            await attacker.HandshakeAsync("DEALER");
            var frame = RawZmtpPeer.Frame(new byte[MiB], more: true); // each well under the 4 MiB frame cap
            var cut = false;
            while (sent < 64L * MiB && !cut)
            {
                cut = !await TrySendAsync(attacker, frame);
                if (!cut)
                    sent += frame.Length;
            }
            Assert.True(cut || await attacker.ClosedByPeerAsync(Closing), $"The guard should cut a message that grows past the cap; {sent / MiB} MiB went through.");
        }

        var after = Read(gateway);
        output.WriteLine($"before {before}; after {after}; sent {sent / MiB} MiB before the cut");
        Assert.True(after.ResidentBytes - before.ResidentBytes < 100L * MiB, $"RSS grew from {before.ResidentBytes / MiB} MB to {after.ResidentBytes / MiB} MB.");
        AssertServing(gateway);
    }

    [Fact]
    public async Task AFloodOfEmptyFramesFlaggedMoreIsCutToo()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);

        await using (var attacker = await RawZmtpPeer.ConnectAsync(gateway.ReplyEndpoint))
        {
            await attacker.HandshakeAsync("DEALER");
            // 2 MiB on the wire, a million frames: NetMQ would hold each in a slot of its own, far more than 2 MiB.
            var empties = new byte[2 * MiB];
            for (var i = 0; i < empties.Length; i += 2)
                empties[i] = 0x01;
            var cut = !await TrySendAsync(attacker, empties) || !await TrySendAsync(attacker, empties) || !await TrySendAsync(attacker, empties);
            Assert.True(cut || await attacker.ClosedByPeerAsync(Closing), "The guard should count what each frame costs, not only its body.");
        }

        AssertServing(gateway);
    }

    [Fact]
    public async Task ASubscriptionLongerThanAnyTopicIsCutOnThePublishPort()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);

        await using (var attacker = await RawZmtpPeer.ConnectAsync(gateway.PublishEndpoint))
        {
            await attacker.HandshakeAsync("SUB");
            var subscription = new byte[4096];
            subscription[0] = 1;
            await attacker.SendAsync(RawZmtpPeer.Frame(subscription, more: false));
            Assert.True(await attacker.ClosedByPeerAsync(Closing), "A 4 KiB subscription should be cut at the publish port's cap.");
        }

        await using (var attacker = await RawZmtpPeer.ConnectAsync(gateway.PublishEndpoint))
        {
            await attacker.HandshakeAsync("SUB");
            var cut = false;
            for (var i = 0; i < 64 && !cut; i++)
                cut = !await TrySendAsync(attacker, RawZmtpPeer.Frame(new byte[200], more: true));
            Assert.True(cut || await attacker.ClosedByPeerAsync(Closing), "Short frames flagged MORE should be cut once they add up past the cap.");
        }

        AssertServing(gateway);
    }

    /// <summary>False when the gateway has cut the connection (a reset); a send that stalls fails the test.</summary>
    private static async Task<bool> TrySendAsync(RawZmtpPeer peer, byte[] bytes)
    {
        try
        {
            await peer.SendAsync(bytes);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static ProcStatus Read(GatewayProcess gateway) =>
        ProcStatus.Read(gateway.Id) ?? throw new InvalidOperationException("The gateway is gone:\n" + gateway.Output);

    private static void AssertServing(GatewayProcess gateway)
    {
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.PublishEndpoint, "React");
        Assert.StartsWith("[", peer.Request(new { type = "1" }), StringComparison.Ordinal);
        subscriber.WaitUntilJoined(peer, "React");
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
    }
}
