using MessageQueue.Gateway.Realtime;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using NetMQ.Sockets;

namespace MessageQueue.Tests.Realtime;

/// <summary>Who listens to each subject right now: hub connections, and ZeroMQ subscribers as the XPUB socket reports them.</summary>
public sealed class PresenceTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(null, new Dictionary<string, string?> { ["Hub:OverviewIntervalMilliseconds"] = "200" });
    private readonly HttpClient _http;

    public PresenceTests() => _http = _gateway.CreateClient();

    [Fact]
    public async Task BrowsersAreCountedPerSubjectAndLeaveTheCountWhenTheyDisconnect()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var watcher = await HubPeer.ConnectAsync(_gateway.HttpAddress);
        var first = await HubPeer.ConnectAsync(_gateway.HttpAddress);
        await using var second = await HubPeer.ConnectAsync(_gateway.HttpAddress);
        await first.SubscribeAsync(name);
        await second.SubscribeAsync(name);
        Assert.Equal(2, (await PresenceOf(watcher, name)).Browsers);

        await first.DisposeAsync();
        await Poll.UntilAsync(async () => (await PresenceOf(watcher, name)).Browsers == 1, () => "The closed connection is still counted.");
        await second.Connection.InvokeAsync("Unsubscribe", name);
        Assert.Equal(0, (await PresenceOf(watcher, name)).Browsers);
    }

    [Fact]
    public async Task ZeroMqSubscriptionsAreCountedAsTheDistinctTopicsThatMatchAndNeverDrift()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        var other = await ApiAssert.NewSubjectAsync(_http);
        await using var watcher = await HubPeer.ConnectAsync(_gateway.HttpAddress);
        using var exact = Subscriber(name);
        using var everything = Subscriber("");
        using var elsewhere = Subscriber(other);

        await Poll.UntilAsync(async () => (await PresenceOf(watcher, name)).ZmqSubscribers == 2, () => "The two matching topics were not counted.");
        Assert.Equal(2, (await PresenceOf(watcher, other)).ZmqSubscribers);

        // A second holder of a topic, coming and going again and again, changes nothing: the topic is held throughout.
        for (var i = 0; i < 3; i++)
        {
            using var again = Subscriber(name);
            using var probe = Subscriber(name + "-probe-" + i); // a topic of its own, to know the XPUB has read its subscriptions
            await Poll.UntilAsync(async () => (await PresenceOf(watcher, other)).ZmqSubscribers == 2 && (await Overview(watcher)).ZmqSubscribers == 4,
                () => "The probe topic was never counted.");
        }
        await Poll.UntilAsync(async () => (await Overview(watcher)).ZmqSubscribers == 3, () => "The probe topics were never released.");
        Assert.Equal(2, (await PresenceOf(watcher, name)).ZmqSubscribers);

        exact.Dispose();
        everything.Dispose();
        await Poll.UntilAsync(async () => (await PresenceOf(watcher, name)).ZmqSubscribers == 0, () => "Topics nobody holds are still counted.");
        Assert.Equal(1, (await PresenceOf(watcher, other)).ZmqSubscribers);
    }

    [Fact]
    public async Task EventStreamsAreCountedPerSubject()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var watcher = await HubPeer.ConnectAsync(_gateway.HttpAddress);
        using var streamHttp = _gateway.CreateClient();
        streamHttp.Timeout = Timeout.InfiniteTimeSpan;
        await using (await EventStreamClient.OpenAsync(streamHttp, $"/api/subjects/{name}/events"))
            Assert.Equal(1, (await PresenceOf(watcher, name)).EventStreams);
        await Poll.UntilAsync(async () => (await PresenceOf(watcher, name)).EventStreams == 0, () => "The closed stream is still counted.");
    }

    [Fact]
    public async Task TheOverviewIsPushedToWatchersWithTheUpdateRate()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var watcher = await HubPeer.ConnectAsync(_gateway.HttpAddress);
        var initial = await watcher.Connection.InvokeAsync<Overview>("WatchOverview");
        Assert.Equal(1, initial.Browsers);
        Assert.Contains(initial.Subjects, s => s.Name == name);
        for (var i = 0; i < 3; i++)
            await watcher.PostAsync(name, $"tick {i}");

        var pushed = await watcher.NextOverviewAsync();
        while (pushed.UpdatesPerMinute[^1] < 3)
            pushed = await watcher.NextOverviewAsync();
        Assert.Equal(30, pushed.UpdatesPerMinute.Count);
        Assert.Equal(3, pushed.Subjects.Single(s => s.Name == name).LastSequence);
    }

    public void Dispose()
    {
        _http.Dispose();
        _gateway.Dispose();
    }

    private SubscriberSocket Subscriber(string topic)
    {
        var socket = new SubscriberSocket();
        socket.Options.Linger = TimeSpan.Zero;
        socket.Connect(_gateway.Zmq.PublishEndpoint);
        socket.Subscribe(topic);
        return socket;
    }

    private static Task<Overview> Overview(HubPeer peer) => peer.Connection.InvokeAsync<Overview>("WatchOverview");

    private static async Task<SubjectPresence> PresenceOf(HubPeer peer, string subject) =>
        (await peer.Connection.InvokeAsync<SubjectPresence[]>("ListSubjects")).Single(s => s.Name == subject);
}
