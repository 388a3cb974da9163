using System.Diagnostics;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>An event stream stays alive while idle and never holds up the gateway's shutdown.</summary>
public sealed class StreamLifetimeTests
{
    [Fact]
    public async Task AnIdleStreamGetsKeepAliveComments()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Api:EventStreamKeepAliveSeconds"] = "1" });
        using var http = gateway.CreateClient();
        await using var stream = await EventStreamClient.OpenAsync(http, "/api/subjects/React/events");

        Assert.Equal("keep-alive", await stream.NextCommentAsync(TimeSpan.FromSeconds(10)));

        // Still delivering after the pause.
        await http.PostAsJsonAsync("/api/subjects/React/updates", new { text = "after a pause" });
        Assert.Equal("after a pause", (await stream.NextAsync()).Json.GetProperty("text").GetString());
    }

    [Fact]
    public async Task OpenStreamsEndWhenTheGatewayStops()
    {
        var gateway = new GatewayFactory();
        var http = gateway.CreateClient();
        http.Timeout = Timeout.InfiniteTimeSpan;
        await using var stream = await EventStreamClient.OpenAsync(http, "/api/subjects/React/events");

        var stopping = Stopwatch.StartNew();
        await Task.Run(gateway.Dispose);
        stopping.Stop();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"Stopping took {stopping.Elapsed} with a stream open.");
        Assert.True(await stream.EndsAsync());
        http.Dispose();
    }
}
