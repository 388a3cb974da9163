using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Legacy;

public sealed class ShutdownTests
{
    [Fact]
    public async Task UpdateAcknowledgedJustBeforeAGracefulStopStillReachesSubscribers()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.PublishEndpoint, "SpringBoot");
        subscriber.WaitUntilJoined(peer, "SpringBoot");

        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "SpringBoot", updateMessage = "last words" }));
        await gateway.StopAsync();

        Assert.Equal(0, gateway.ExitCode);
        Assert.EndsWith("\nlast words", subscriber.Receive(), StringComparison.Ordinal);
    }
}
