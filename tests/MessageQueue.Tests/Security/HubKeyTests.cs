using System.Net;
using System.Net.WebSockets;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace MessageQueue.Tests.Security;

/// <summary>On the hub, reading and subscribing need no key; posting and creating need one, passed as the access token.</summary>
public sealed class HubKeyTests(KeyedGateway gateway) : IClassFixture<KeyedGateway>
{
    [Fact]
    public async Task WithoutAKeyAHubClientSubscribesButCannotPostAndStaysConnected()
    {
        await using var reader = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await using var publisher = await HubPeer.ConnectAsync(gateway.HttpAddress, KeyedGateway.PublisherKey);
        await reader.SubscribeAsync("NodeJs");

        var refused = await Assert.ThrowsAsync<HubException>(() => reader.PostAsync("NodeJs", "no key"));

        Assert.Contains("unauthorized: PostUpdate needs an API key", refused.Message, StringComparison.Ordinal);
        var posted = await publisher.PostAsync("NodeJs", "with a key");
        var received = await reader.NextUpdateAsync();
        Assert.Equal(posted.Sequence, received.Sequence);
        Assert.Equal("with a key", received.Text);
    }

    [Fact]
    public async Task APublisherKeyPostsButCannotCreateAndAnAdminKeyCan()
    {
        await using var publisher = await HubPeer.ConnectAsync(gateway.HttpAddress, KeyedGateway.PublisherKey);
        await using var admin = await HubPeer.ConnectAsync(gateway.HttpAddress, KeyedGateway.AdminKey);
        var name = ApiAssert.NewSubjectName();

        var refused = await Assert.ThrowsAsync<HubException>(() => publisher.Connection.InvokeAsync<object>("CreateSubject", name, null));
        Assert.Contains("forbidden: CreateSubject needs a key with another role (admin)", refused.Message, StringComparison.Ordinal);

        await admin.Connection.InvokeAsync<object>("CreateSubject", name, "made by an admin");
        var posted = await publisher.PostAsync(name, "first");
        Assert.Equal(1, posted.Sequence);
    }

    [Fact]
    public async Task AWrongKeyIsRefusedWhenConnecting()
    {
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => HubPeer.ConnectAsync(gateway.HttpAddress, "not-a-key-the-gateway-knows"));

        Assert.Equal(HttpStatusCode.Unauthorized, failure.StatusCode);
    }

    [Fact]
    public async Task BrowsersPutTheKeyInTheWebSocketsQueryAndNowhereElseIsItRead()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => OpenWebSocketAsync("not-a-key-the-gateway-knows"));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        using var accepted = await OpenWebSocketAsync(KeyedGateway.PublisherKey);
        Assert.Equal(WebSocketState.Open, accepted.State);

        // Negotiation and long polling send the Authorization header: a key in their query is not read.
        using var http = gateway.CreateClient();
        var negotiate = await http.PostAsync("/hubs/subjects/negotiate?negotiateVersion=1&access_token=not-a-key-the-gateway-knows", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
    }

    private async Task<ClientWebSocket> OpenWebSocketAsync(string key)
    {
        var socket = new ClientWebSocket();
        var address = new UriBuilder(new Uri(gateway.HttpAddress, "/hubs/subjects")) { Scheme = "ws", Query = $"access_token={key}" }.Uri;
        await socket.ConnectAsync(address, CancellationToken.None);
        return socket;
    }
}
