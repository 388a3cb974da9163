using MessageQueue.Tests.Infrastructure;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>A pull source binds a PULL socket that pyzmq PUSH peers feed: their messages become updates, and a busy store makes them wait, never lose.</summary>
public sealed class PullSourceTests
{
    [Fact]
    public async Task PushedMessageReachesLegacySubscriberEventStreamAndHub()
    {
        var source = NewSourceName();
        var subject = ApiAssert.NewSubjectName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"),
            ("Subject", subject), ("CreateSubjects", "true")));
        using var http = gateway.CreateClient();
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));
        await pusher.SendAsync("creates the subject");
        // Stored, not only created (the subject is made first): a subscriber joining now must not get it.
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count == 1, () => "The fixed subject was not created with its first update.");

        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.Zmq.PublishEndpoint, subject);
        subscriber.WaitUntilJoined(peer, subject);
        await using var stream = await EventStreamClient.OpenAsync(http, $"/api/subjects/{subject}/events");
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await hub.SubscribeAsync(subject);

        await pusher.SendAsync("one frame from a pyzmq PUSH");
        await pusher.SendAsync("any-topic", "a topic frame, ignored for a fixed subject");

        Assert.EndsWith("\none frame from a pyzmq PUSH", subscriber.Receive(), StringComparison.Ordinal);
        var streamed = await stream.NextAsync();
        Assert.Equal("one frame from a pyzmq PUSH", streamed.Json.GetProperty("text").GetString());
        Assert.Equal($"zmq-ingest:{source}", streamed.Json.GetProperty("door").GetString());
        Assert.Equal("a topic frame, ignored for a fixed subject", (await stream.NextAsync()).Json.GetProperty("text").GetString());
        var pushed = await hub.NextUpdateAsync();
        Assert.Equal(("one frame from a pyzmq PUSH", $"zmq-ingest:{source}"), (pushed.Text, pushed.Door));
        Assert.Equal(3, await CountAsync(http, source, "stored"));
    }

    [Fact]
    public async Task UnderBackPressureNothingAPushPeerSentIsLost()
    {
        const int Count = 3000;
        var source = NewSourceName();
        var subject = ApiAssert.NewSubjectName();
        // One change may wait for the writer: nearly every message finds the store busy at first.
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"),
            ("Subject", subject), ("ReceiveHighWatermark", "10")).With("Store:MaxQueuedChanges", "1"));
        using var http = gateway.CreateClient();
        await ApiAssert.Json(await http.PostAsync("/api/subjects", System.Net.Http.Json.JsonContent.Create(new { name = subject })), System.Net.HttpStatusCode.Created);
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));

        await pusher.SendSeriesAsync(Count, "m-");

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count >= Count,
            () => $"Only some of the {Count} pushed messages were stored.", TimeSpan.FromSeconds(90));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m-{i}"), (await HistoryAsync(http, subject)).Select(u => u.Text));
        Assert.True(await CountAsync(http, source, "dropped") == 0, "A pull source dropped messages under back-pressure.");
        var pauses = PrometheusPauses(await http.GetStringAsync("/metrics"), source);
        Assert.True(pauses > 0, "The store never refused: the test did not put the source under back-pressure.");
    }

    [Fact]
    public async Task TwoPullSourcesUnderBackPressureAtOnceLoseNothing()
    {
        const int Count = 1500;
        string[] sources = [NewSourceName(), NewSourceName()];
        string[] subjects = [ApiAssert.NewSubjectName(), ApiAssert.NewSubjectName()];
        var settings = Source(0, ("Name", sources[0]), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"), ("Subject", subjects[0]), ("CreateSubjects", "true"));
        foreach (var (key, value) in Source(1, ("Name", sources[1]), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"), ("Subject", subjects[1]), ("CreateSubjects", "true")))
            settings[key] = value;
        using var gateway = new GatewayFactory(null, settings.With("Store:MaxQueuedChanges", "1"));
        using var http = gateway.CreateClient();
        await using var first = await PythonFeeder.PusherAsync(PullEndpoint(gateway, sources[0]));
        await using var second = await PythonFeeder.PusherAsync(PullEndpoint(gateway, sources[1]));

        await Task.WhenAll(first.SendSeriesAsync(Count, "a-"), second.SendSeriesAsync(Count, "b-"));

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subjects[0])).Count >= Count && (await HistoryAsync(http, subjects[1])).Count >= Count,
            () => $"Only some of the 2 x {Count} pushed messages were stored.", TimeSpan.FromSeconds(90));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"a-{i}"), (await HistoryAsync(http, subjects[0])).Select(u => u.Text));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"b-{i}"), (await HistoryAsync(http, subjects[1])).Select(u => u.Text));
        var metrics = await http.GetStringAsync("/metrics");
        Assert.All(sources, source => Assert.True(PrometheusPauses(metrics, source) > 0, $"Source {source} never found the store busy."));
    }

    [Fact]
    public async Task AFastSourceLeavesTheStoreRoomForOtherDoors()
    {
        // Enough that on a quiet machine the source is still being stored when the REST posts are done.
        const int Pushed = 40_000;
        const int Posted = 200;
        var source = NewSourceName();
        var subject = ApiAssert.NewSubjectName();
        var posts = ApiAssert.NewSubjectName();
        // A small queue that a source posting without a window fills at once: the REST posts then find it full (503).
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"),
            ("Subject", subject), ("CreateSubjects", "true"), ("MaxMessagesPerSecond", "0"), ("MaxBytesPerSecond", "0"))
            .With("Store:MaxQueuedChanges", "64").With("Store:MaxBatchSize", "16").With("RateLimiting:Enabled", "false"));
        using var http = gateway.CreateClient();
        await ApiAssert.Json(await http.PostAsync("/api/subjects", System.Net.Http.Json.JsonContent.Create(new { name = posts })), System.Net.HttpStatusCode.Created);
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));

        var pushing = pusher.SendSeriesAsync(Pushed, "m-");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count > 0, () => "The source stored nothing.");
        var statuses = await Task.WhenAll(Enumerable.Range(0, 4).Select(async client =>
        {
            var codes = new List<System.Net.HttpStatusCode>();
            for (var i = 0; i < Posted / 4; i++)
                codes.Add((await http.PostAsync($"/api/subjects/{posts}/updates", System.Net.Http.Json.JsonContent.Create(new { text = $"{client}-{i}" }))).StatusCode);
            return codes;
        }));
        var storedMeanwhile = await CountAsync(http, source, "stored");
        await pushing;

        Assert.All(statuses.SelectMany(codes => codes), code => Assert.Equal(System.Net.HttpStatusCode.Created, code));
        Assert.True(storedMeanwhile < Pushed, "The source was stored whole before the REST posts: they never competed with it.");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count >= Pushed,
            () => $"Only some of the {Pushed} pushed messages were stored.", TimeSpan.FromSeconds(90));
        Assert.Equal(Enumerable.Range(0, Pushed).Select(i => $"m-{i}"), (await HistoryAsync(http, subject)).Select(u => u.Text));
    }

    private static double PrometheusPauses(string metrics, string source) =>
        Operations.PrometheusText.Value(metrics, "messagequeue_ingest_pauses_total", ("source", source), ("reason", "store"));
}
