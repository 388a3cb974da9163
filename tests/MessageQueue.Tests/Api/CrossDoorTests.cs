using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>The REST door and the legacy ZeroMQ door are two views of one gateway.</summary>
public sealed class CrossDoorTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();
    private readonly HttpClient _http;
    private readonly LegacyPeer _peer;

    public CrossDoorTests()
    {
        _http = _gateway.CreateClient();
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
    }

    [Fact]
    public async Task UpdatePostedOverRestReachesAZeroMqSubscriberAsSubjectAndWholeContent()
    {
        using var subscriber = new LegacySubscriber(_gateway.Zmq.PublishEndpoint, "NodeJs");
        subscriber.WaitUntilJoined(_peer, "NodeJs");

        await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects/NodeJs/updates", new { text = "Node 26 is out" }), HttpStatusCode.Created);

        var publication = subscriber.Receive();
        var subject = await ApiAssert.Json(await _http.GetAsync("/api/subjects/NodeJs"), HttpStatusCode.OK);
        Assert.Equal("NodeJs " + subject.GetProperty("content").GetString(), publication);
        Assert.EndsWith("\nNode 26 is out", publication, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdatePostedOverTheLegacyDoorIsVisibleOverRestAndOnTheEventStream()
    {
        await using var stream = await EventStreamClient.OpenAsync(_http, "/api/subjects/Django/events");

        Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = "Django", updateMessage = "Django 6.1 is out" }));

        var live = await stream.NextAsync();
        Assert.Equal("Django 6.1 is out", live.Json.GetProperty("text").GetString());
        Assert.Equal("zmq", live.Json.GetProperty("door").GetString());
        var subject = await ApiAssert.Json(await _http.GetAsync("/api/subjects/Django"), HttpStatusCode.OK);
        Assert.EndsWith("\nDjango 6.1 is out", subject.GetProperty("content").GetString(), StringComparison.Ordinal);
        var history = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/Django/updates?after={live.Sequence - 1}"), HttpStatusCode.OK);
        var stored = Assert.Single(history.GetProperty("updates").EnumerateArray());
        Assert.Equal("zmq", stored.GetProperty("door").GetString());
    }

    [Fact]
    public async Task AnEventStreamResumedWithLastEventIdGetsTheLegacyUpdatesItMissed()
    {
        Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = "React", updateMessage = "seen" }));
        var seen = (await ApiAssert.Json(await _http.GetAsync("/api/subjects/React"), HttpStatusCode.OK)).GetProperty("lastSequence").GetInt64();
        Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = "React", updateMessage = "missed 1" }));
        Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = "React", updateMessage = "missed 2" }));

        await using var stream = await EventStreamClient.OpenAsync(_http, "/api/subjects/React/events", lastEventId: $"{seen}");
        Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = "React", updateMessage = "live" }));

        var texts = new List<string>();
        for (var i = 0; i < 3; i++)
            texts.Add((await stream.NextAsync()).Json.GetProperty("text").GetString()!);
        Assert.Equal(["missed 1", "missed 2", "live"], texts);
    }

    public void Dispose()
    {
        _peer.Dispose();
        _http.Dispose();
        _gateway.Dispose();
    }
}
