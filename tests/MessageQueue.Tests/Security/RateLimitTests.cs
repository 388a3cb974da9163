using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Tests.Security;

/// <summary>Each client has a bucket of requests shared by HTTP and the hub; past it, 429 with Retry-After.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task WithTheDefaultsABurstOfAThousandRequestsFromOneClientTripsTheLimit()
    {
        using var gateway = new GatewayFactory();
        using var http = gateway.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => http.GetAsync("/api/subjects")));

        var served = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(served >= 300, $"Only {served} of the burst were served; the default allows 300 at once.");
        Assert.NotEmpty(refused);
        Assert.Equal(1000, served + refused.Count);
        var problem = await ApiAssert.Problem(refused[0], HttpStatusCode.TooManyRequests);
        Assert.Contains("RateLimiting", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.All(refused, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "429 without Retry-After"));
    }

    [Fact]
    public async Task EachKeyHasItsOwnBucketAndTheHubSharesTheCallersBucket()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:0:Key"] = KeyedGateway.PublisherKey,
            ["Auth:ApiKeys:0:Role"] = "publisher",
            ["RateLimiting:BurstRequests"] = "20",
            ["RateLimiting:RequestsPerSecond"] = "1",
        });
        using var anonymous = gateway.CreateClient();
        using var publisher = gateway.CreateClient();
        publisher.DefaultRequestHeaders.Add("X-Api-Key", KeyedGateway.PublisherKey);
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress, KeyedGateway.PublisherKey);

        // Use up the publisher's bucket through the hub (its negotiate and connect took two already)...
        HubException? refused = null;
        for (var i = 0; i < 40 && refused is null; i++)
            refused = await Record.ExceptionAsync(() => hub.PostAsync("React", $"call {i}")) as HubException;

        Assert.NotNull(refused);
        Assert.StartsWith("rate-limited: Too many calls from this client; retry after", refused.Message.Split("HubException: ").Last(), StringComparison.Ordinal);
        // ...then HTTP with the same key is refused too, while a client without a key still has its own bucket.
        var limited = await publisher.PostAsJsonAsync("/api/subjects/React/updates", new { text = "over HTTP" });
        await ApiAssert.Problem(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        await ApiAssert.Json(await anonymous.GetAsync("/api/subjects"), HttpStatusCode.OK);
        Assert.Equal("connected", hub.Connection.State.ToString().ToLowerInvariant());
    }

    [Fact]
    public async Task LimitsCanBeTurnedOff()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>
        {
            ["RateLimiting:Enabled"] = "false",
            ["RateLimiting:BurstRequests"] = "1",
        });
        using var http = gateway.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => http.GetAsync("/api/subjects")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }
}
