using System.Buffers.Binary;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// Bytes that kill NetMQ 4.0.4.5's I/O thread, and with it the process, reach the gateway's legacy door and are
/// refused at its guard: the connection is closed, the gateway goes on answering and publishing.
/// </summary>
public sealed class ZmtpGuardTests
{
    private static readonly byte[] EmptyCommand = [0x04, 0x00];
    private static readonly TimeSpan Closing = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EmptyCommandFrameToTheReplyPortClosesThatConnectionAndTheGatewayGoesOn()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);

        await using (var attacker = await RawZmtpPeer.ConnectAsync(gateway.ReplyEndpoint))
        {
            await attacker.HandshakeAsync("DEALER");
            await attacker.SendAsync(EmptyCommand);
            Assert.True(await attacker.ClosedByPeerAsync(Closing), "The guard should close a connection that sends an empty command frame.");
        }

        AssertStillServing(gateway);
    }

    [Fact]
    public async Task EmptyCommandFrameToThePublishPortClosesThatConnectionAndTheGatewayGoesOn()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);

        await using (var attacker = await RawZmtpPeer.ConnectAsync(gateway.PublishEndpoint))
        {
            await attacker.HandshakeAsync("SUB");
            await attacker.SendAsync(EmptyCommand);
            Assert.True(await attacker.ClosedByPeerAsync(Closing), "The guard should close a connection that sends an empty command frame.");
        }

        AssertStillServing(gateway);
    }

    [Fact]
    public async Task ReadyWithANegativePropertyLengthIsRefusedAndTheGatewayGoesOn()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);

        await using (var attacker = await RawZmtpPeer.ConnectAsync(gateway.ReplyEndpoint))
        {
            await attacker.SendAsync([.. RawZmtpPeer.Greeting(), .. RawZmtpPeer.Ready("DEALER", valueLength: -1)]);
            Assert.True(await attacker.ClosedByPeerAsync(Closing), "The guard should close a connection whose READY has a negative property length.");
        }

        AssertStillServing(gateway);
    }

    [Fact]
    public async Task FrameSizeBeyondTheHardCapIsCutBeforeItsBody()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["Zmq__HardMaxRequestBytes"] = "1048576",
        });

        await using (var liar = await RawZmtpPeer.ConnectAsync(gateway.ReplyEndpoint))
        {
            await liar.HandshakeAsync("DEALER");
            var header = new byte[9];
            header[0] = 0x02; // a long message frame
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(1), 1UL << 40);
            await liar.SendAsync(header);
            Assert.True(await liar.ClosedByPeerAsync(Closing), "A frame announced beyond Zmq:HardMaxRequestBytes should be cut at its header.");
        }

        AssertStillServing(gateway);
    }

    private static void AssertStillServing(GatewayProcess gateway)
    {
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.PublishEndpoint, "React");
        Assert.StartsWith("[SpringBoot]", peer.Request(new { type = "1" }), StringComparison.Ordinal);
        subscriber.WaitUntilJoined(peer, "React");
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = "still here" }));
        Assert.EndsWith("\nstill here", subscriber.Receive(), StringComparison.Ordinal);
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
    }
}
