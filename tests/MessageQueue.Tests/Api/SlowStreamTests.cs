using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Api;

/// <summary>A stream whose client stops reading: it holds up no one, and once it reads again it misses nothing.</summary>
public sealed class SlowStreamTests : IDisposable
{
    private const int Updates = 60;

    private readonly GatewayFactory _gateway = new(
        null, new Dictionary<string, string?> { ["Api:EventStreamBufferedUpdates"] = "4" }, SmallWindows.SmallSendBuffers);

    [Fact]
    public async Task AStalledStreamDelaysNoOtherDoorAndLaterCatchesUpFromTheStore()
    {
        using var http = _gateway.CreateClient();
        http.Timeout = Timeout.InfiniteTimeSpan;
        using var stalledHttp = TinyWindowClient(_gateway.HttpAddress);
        var name = ApiAssert.NewSubjectName();
        await ApiAssert.Json(await http.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.Created);
        await using var stalled = await EventStreamClient.OpenAsync(stalledHttp, $"/api/subjects/{name}/events");
        await using var reading = await EventStreamClient.OpenAsync(http, $"/api/subjects/{name}/events");
        using var peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(_gateway.Zmq.PublishEndpoint, name);
        subscriber.WaitUntilJoined(peer, name);
        var probes = (await ApiAssert.Json(await http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK)).GetProperty("lastSequence").GetInt64();

        // Updates that fill the stalled client's small socket window, then its small queue many times over.
        var text = new string('x', 8 * 1024);
        for (var i = 0; i < Updates; i++)
        {
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = name, updateMessage = $"{i} {text}" }));
            Assert.EndsWith($"{i} {text}", subscriber.Receive(), StringComparison.Ordinal);
        }
        var readingSaw = await ReadSequencesAsync(reading, probes + Updates);
        Assert.Equal(Sequences(1, probes + Updates), readingSaw);
        Assert.True(_gateway.Services.GetRequiredService<LiveUpdateFeed>().DroppedEvents > 0, "The stalled stream's queue never overflowed; the test proves nothing.");

        var stalledSaw = await ReadSequencesAsync(stalled, probes + Updates);
        Assert.Equal(Sequences(1, probes + Updates), stalledSaw);
    }

    /// <summary>A client whose socket takes little before it stops the sender: the server feels its stall quickly.</summary>
    private static HttpClient TinyWindowClient(Uri address) => new(SmallWindows.TinyReceiveWindowHandler())
    {
        BaseAddress = address,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static async Task<List<long>> ReadSequencesAsync(EventStreamClient stream, long last)
    {
        var seen = new List<long>();
        while (seen.Count == 0 || seen[^1] < last)
            seen.Add((await stream.NextAsync()).Sequence);
        return seen;
    }

    private static IEnumerable<long> Sequences(long first, long last) =>
        Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => (long)i);

    public void Dispose() => _gateway.Dispose();
}
