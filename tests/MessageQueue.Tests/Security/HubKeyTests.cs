using System.Net;
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
    public async Task BrowsersMayPutTheKeyInTheAccessTokenQueryOfTheHub()
    {
        using var http = gateway.CreateClient();

        var wrong = await http.PostAsync("/hubs/subjects/negotiate?negotiateVersion=1&access_token=not-a-key-the-gateway-knows", null);
        var right = await http.PostAsync($"/hubs/subjects/negotiate?negotiateVersion=1&access_token={KeyedGateway.PublisherKey}", null);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }
}
