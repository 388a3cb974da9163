using MessageQueue.Tests.Fuzzing;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Exhaustion;

/// <summary>
/// A connection to the legacy door that never greets, or greets and never sends its first command, would hold a place
/// under the door's cap for ever: the guard cuts it at the handshake deadline. A ZeroMQ client that has shaken hands
/// and then stays quiet is left alone.
/// </summary>
public sealed class SilentZmqPeerTests
{
    private static readonly TimeSpan Closing = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task PeersThatNeverFinishTheirHandshakeAreCutAndAQuietClientIsNot()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, new Dictionary<string, string> { ["Zmq__HandshakeTimeoutSeconds"] = "2" });
        using var quiet = new LegacyPeer(gateway.ReplyEndpoint); // connects and shakes hands now, asks only at the end

        await using var silentToReply = await RawZmtpPeer.ConnectAsync(gateway.ReplyEndpoint);
        await using var silentToPublish = await RawZmtpPeer.ConnectAsync(gateway.PublishEndpoint);
        await using var greetingOnly = await RawZmtpPeer.ConnectAsync(gateway.ReplyEndpoint);
        await greetingOnly.SendAsync(RawZmtpPeer.Greeting());

        Assert.True(await silentToReply.ClosedByPeerAsync(Closing), "A connection that never greets should be cut at the deadline.");
        Assert.True(await silentToPublish.ClosedByPeerAsync(Closing), "A connection to the publish port that never greets should be cut too.");
        Assert.True(await greetingOnly.ClosedByPeerAsync(Closing), "A greeting without its READY should be cut at the deadline.");

        Assert.StartsWith("[", quiet.Request(new { type = "1" }), StringComparison.Ordinal);
        Assert.False(gateway.HasExited, gateway.Output);
    }
}
