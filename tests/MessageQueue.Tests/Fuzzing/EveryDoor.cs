using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>After a barrage: a valid request on every door still succeeds, and an update reaches a SUB socket and a hub client.</summary>
internal static class EveryDoor
{
    public static async Task AssertServingAsync(Uri http, string replyEndpoint, string publishEndpoint)
    {
        using var client = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(10) };

        // REST: create a subject, list it.
        var name = await ApiAssert.NewSubjectAsync(client, "healthy");
        var list = await ApiAssert.Json(await client.GetAsync("/api/subjects"), HttpStatusCode.OK);
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("name").GetString() == name);

        // ZeroMQ: "1" lists it; a "3" reaches a SUB socket (WaitUntilJoined posts until one arrives).
        using var peer = new LegacyPeer(replyEndpoint);
        Assert.Contains($"[{name}]", peer.Request(new { type = "1" }), StringComparison.Ordinal);
        using var subscriber = new LegacySubscriber(publishEndpoint, name);
        subscriber.WaitUntilJoined(peer, name);

        // Hub: a fresh connection subscribes; updates posted on REST and on the hub reach it and the SUB socket.
        await using var hub = await HubPeer.ConnectAsync(http);
        await hub.SubscribeAsync(name);
        var rest = await ApiAssert.Json(await client.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "after the fuzz (rest)" }), HttpStatusCode.Created);
        Assert.Equal("after the fuzz (rest)", (await hub.NextUpdateAsync()).Text);
        Assert.EndsWith("\nafter the fuzz (rest)", subscriber.Receive(), StringComparison.Ordinal);
        var posted = await hub.PostAsync(name, "after the fuzz (hub)");
        Assert.Equal(posted, await hub.NextUpdateAsync());
        Assert.EndsWith("\nafter the fuzz (hub)", subscriber.Receive(), StringComparison.Ordinal);
        Assert.Equal(rest.GetProperty("sequence").GetInt64() + 1, posted.Sequence);
    }
}
