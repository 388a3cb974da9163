using System.Net.WebSockets;
using System.Text;
using MessageQueue.Gateway.Realtime;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Realtime;

/// <summary>A browser that stops reading: it delays neither the other browsers nor the ZeroMQ door, and it is let go.</summary>
public sealed class SlowBrowserTests
{
    private const int Updates = 60;

    [Fact]
    public async Task AStalledBrowserHoldsUpNeitherTheOtherBrowsersNorTheZeroMqDoor()
    {
        // Far longer than the test's own timeouts: if one stalled send held up the group, the reader would time out.
        using var gateway = SmallWindowGateway(sendTimeoutSeconds: 120);
        await using var reading = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var (_, subjectId, stalled, presence) = await StallOneBrowserWhileUpdatesFlowAsync(gateway, reading);
        using var _ = stalled;
        Assert.Equal(2, presence.CountMembers(subjectId)); // the stalled browser was there all along
    }

    [Fact]
    public async Task AStalledBrowserIsDisconnectedAfterTheSendTimeout()
    {
        using var gateway = SmallWindowGateway(sendTimeoutSeconds: 1);
        await using var reading = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var (name, subjectId, stalled, presence) = await StallOneBrowserWhileUpdatesFlowAsync(gateway, reading);
        using var _ = stalled;
        await Poll.UntilAsync(() => presence.CountMembers(subjectId) == 1, () => "The stalled browser was never disconnected.");
        Assert.Equal(1, presence.Connections);
        var after = await reading.PostAsync(name, "still served");
        Assert.Equal(after.Sequence, (await reading.NextUpdateAsync()).Sequence);
    }

    private static GatewayFactory SmallWindowGateway(int sendTimeoutSeconds) => new(
        null,
        new Dictionary<string, string?> { ["Hub:SendTimeoutSeconds"] = sendTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        SmallWindows.SmallSendBuffers);

    /// <summary>
    /// Each update reaches a reading browser and a SUB socket before the next is posted, while a stalled browser's
    /// window filled after the first few.
    /// </summary>
    private static async Task<(string Name, int SubjectId, StalledBrowser Stalled, BrowserPresence Presence)> StallOneBrowserWhileUpdatesFlowAsync(GatewayFactory gateway, HubPeer reading)
    {
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        var stalled = await ConnectStalledAsync(gateway, name);
        var subjectId = (await reading.SubscribeAsync(name)).SubjectId;
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.Zmq.PublishEndpoint, name);
        subscriber.WaitUntilJoined(peer, name);
        var presence = gateway.Services.GetRequiredService<BrowserPresence>();
        Assert.Equal(2, presence.CountMembers(subjectId));

        var text = new string('x', 8 * 1024);
        long last = 0;
        for (var i = 0; i < Updates; i++)
        {
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = name, updateMessage = $"{i} {text}" }));
            Assert.EndsWith($"{i} {text}", subscriber.Receive(), StringComparison.Ordinal);
            UpdateResourceProbe update;
            do
                update = Probe(await reading.NextUpdateAsync());
            while (!update.Text.StartsWith($"{i} ", StringComparison.Ordinal));
            Assert.True(update.Sequence > last);
            last = update.Sequence;
        }
        return (name, subjectId, stalled, presence);
    }

    private static UpdateResourceProbe Probe(Gateway.Api.UpdateResource u) => new(u.Sequence, u.Text);

    /// <summary>A raw SignalR connection with a tiny receive window: it subscribes, then never reads again.</summary>
    private static async Task<StalledBrowser> ConnectStalledAsync(GatewayFactory gateway, string subject)
    {
        var socket = new ClientWebSocket();
        var handler = SmallWindows.TinyReceiveWindowHandler();
        var address = new UriBuilder(gateway.HttpAddress) { Scheme = "ws", Path = "/hubs/subjects" }.Uri;
        await socket.ConnectAsync(address, new HttpMessageInvoker(handler), CancellationToken.None);
        await SendAsync(socket, """{"protocol":"json","version":1}""");
        await SendAsync(socket, $$"""{"type":1,"invocationId":"1","target":"Subscribe","arguments":["{{subject}}",null]}""");
        // Read until the Subscribe completion: from here on the server sends and nobody reads.
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\"invocationId\":\"1\"", StringComparison.Ordinal))
        {
            using var timeout = new CancellationTokenSource(HubPeer.Timeout);
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            received.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        Assert.DoesNotContain("\"error\"", received.ToString(), StringComparison.Ordinal);
        return new StalledBrowser(socket, handler);
    }

    /// <summary>Disposing the handler would close the connection: it lives as long as the socket.</summary>
    private sealed class StalledBrowser(ClientWebSocket socket, SocketsHttpHandler handler) : IDisposable
    {
        public void Dispose()
        {
            socket.Dispose();
            handler.Dispose();
        }
    }

    private static Task SendAsync(ClientWebSocket socket, string message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message + "\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);

    private sealed record UpdateResourceProbe(long Sequence, string Text);
}
