using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>
/// Two gateways on one PostgreSQL store, relaying their changes through a real Redis: what one accepts reaches the
/// other's doors, in order and once each; with Redis gone, the store carries the changes, late.
/// </summary>
public sealed class RelayTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _database = new();
    private readonly List<GatewayFactory> _gateways = [];
    private readonly List<IAsyncDisposable> _clients = [];
    private readonly List<IDisposable> _sockets = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    [Fact]
    public async Task ASubjectAndAnUpdateMadeOnOneGatewayReachTheOthersEventStreamHubAndSubSocket()
    {
        // The store's reconciliation is slowed to a minute: what arrives here came through Redis.
        // Both under one name (a shared environment file, say): each still hears the other, not only itself.
        var (a, b) = (Start(reconcileMilliseconds: 60_000, name: "gw"), Start(reconcileMilliseconds: 60_000, name: "gw"));
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA, "first line");
        await HeardOfAsync(httpB, name);

        await using var stream = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events");
        await using var hub = await HubPeer.ConnectAsync(b.HttpAddress);
        await hub.SubscribeAsync(name);
        using var subscriber = new LegacySubscriber(b.Zmq.PublishEndpoint, name);
        using var peerB = new LegacyPeer(b.Zmq.ReplyEndpoint);
        subscriber.WaitUntilJoined(peerB, name); // posts a probe on B, so the update below is the subject's second

        Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "from A" })).StatusCode);

        var streamed = await stream.NextAsync(); // the probe
        streamed = await stream.NextAsync();
        Assert.Equal((2L, "from A"), (streamed.Sequence, streamed.Json.GetProperty("text").GetString()));
        await hub.NextUpdateAsync();
        Assert.Equal("from A", (await hub.NextUpdateAsync()).Text);
        Assert.EndsWith("\nfrom A", subscriber.Receive(), StringComparison.Ordinal);
        var onB = await ApiAssert.Json(await httpB.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal(2, onB.GetProperty("lastSequence").GetInt64());
        Assert.EndsWith("\nfrom A", onB.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangesHeardInOrderCostTheHearingGatewayNoTransaction()
    {
        // Each instance applies the others' commits; in order, it has nothing to read or write, so it must not open a
        // transaction per relayed commit (the store's load would grow with the number of instances).
        var logs = new Operations.CapturedLogs();
        var a = Start(reconcileMilliseconds: 60_000);
        var b = Start(reconcileMilliseconds: 60_000, logs: logs);
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        await HeardOfAsync(httpB, name);
        await using var stream = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events");
        var before = WriterTransactions(logs);

        for (var i = 1; i <= 10; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" })).StatusCode);
            Assert.Equal(i, (await stream.NextAsync()).Sequence);
        }

        Assert.Equal(before, WriterTransactions(logs));
        Assert.Equal(HttpStatusCode.Created, (await httpB.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "its own" })).StatusCode);
        Assert.Equal(before + 1, WriterTransactions(logs)); // the count is one that can move
    }

    private static int WriterTransactions(Operations.CapturedLogs logs) =>
        logs.Entries.Count(e => e.EventId.Id == Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.TransactionStarted.Id && e.Thread == "store-writer");

    [Fact]
    public async Task UpdatesPostedThroughBothGatewaysAtOnceReachEachGatewaysStreamOnceEachInSequenceOrder()
    {
        var (a, b) = (Start(reconcileMilliseconds: 60_000), Start(reconcileMilliseconds: 60_000));
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        await HeardOfAsync(httpB, name);
        await using var streamA = await EventStreamClient.OpenAsync(httpA, $"/api/subjects/{name}/events");
        await using var streamB = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events");

        const int Updates = 60;
        await Task.WhenAll(Enumerable.Range(0, Updates).Select(async i =>
            Assert.Equal(HttpStatusCode.Created, (await (i % 2 == 0 ? httpA : httpB).PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" })).StatusCode)));

        foreach (var stream in new[] { streamA, streamB })
        {
            var seen = new List<long>();
            for (var i = 0; i < Updates; i++)
                seen.Add((await stream.NextAsync()).Sequence);
            Assert.Equal(Enumerable.Range(1, Updates).Select(i => (long)i), seen);
        }
    }

    [Fact]
    public async Task UpdatesPostedThroughThreeGatewaysAtOnceReachEveryGatewaysStreamHubAndSubSocketGapFreeInOrder()
    {
        GatewayFactory[] gateways = [Start(reconcileMilliseconds: 60_000), Start(reconcileMilliseconds: 60_000), Start(reconcileMilliseconds: 60_000)];
        var http = gateways.Select(g => g.CreateClient()).ToArray();
        _sockets.AddRange(http);
        var name = await ApiAssert.NewSubjectAsync(http[0]);
        foreach (var other in http[1..])
            await HeardOfAsync(other, name);

        // Each SUB socket joins through probes posted on its own gateway: they take the first sequence numbers.
        var subscribers = gateways.Select(g => new LegacySubscriber(g.Zmq.PublishEndpoint, name)).ToArray();
        _sockets.AddRange(subscribers);
        for (var i = 0; i < gateways.Length; i++)
        {
            using var peer = new LegacyPeer(gateways[i].Zmq.ReplyEndpoint);
            subscribers[i].WaitUntilJoined(peer, name);
        }
        var streams = new List<EventStreamClient>();
        var hubs = new List<(HubPeer Peer, MessageQueue.Gateway.Realtime.Subscription Subscription)>();
        foreach (var (client, gateway) in http.Zip(gateways))
        {
            streams.Add(await EventStreamClient.OpenAsync(client, $"/api/subjects/{name}/events", lastEventId: "0"));
            var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);
            _clients.AddRange([streams[^1], hub]);
            hubs.Add((hub, await hub.SubscribeAsync(name, afterSequence: 0)));
        }

        const int Updates = 60;
        await Task.WhenAll(Enumerable.Range(0, Updates).Select(async i =>
            Assert.Equal(HttpStatusCode.Created, (await http[i % 3].PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" })).StatusCode)));

        var history = await StoredUpdates.HistoryAsync(http[0], name);
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(u => u.Sequence));
        var expected = history.Select(u => (u.Sequence, u.Text)).ToList();
        var sequenceOf = history.ToDictionary(u => u.Text, u => u.Sequence);
        var firstPosted = history.First(u => u.Text.StartsWith('u')).Sequence;
        for (var i = 0; i < gateways.Length; i++)
        {
            var streamed = new List<(long, string)>();
            while (streamed.Count < history.Count)
            {
                var next = await streams[i].NextAsync();
                streamed.Add((next.Sequence, next.Json.GetProperty("text").GetString()!));
            }
            Assert.Equal(expected, streamed);

            // The hub's answer, then live updates above its LastSequence (those at or below it came while subscribing).
            var (hub, subscription) = hubs[i];
            var delivered = subscription.Updates.Select(u => (u.Sequence, u.Text)).ToList();
            while (delivered.Count == 0 || delivered[^1].Sequence < history.Count)
            {
                var live = await hub.NextUpdateAsync();
                if (live.Sequence > subscription.LastSequence)
                    delivered.Add((live.Sequence, live.Text));
            }
            Assert.Equal(expected, delivered);

            // A SUB frame is the subject and its content: its last line is the update's text. Every one from the
            // first after the socket's join on, in order; the concurrent posts all came after every join.
            var published = new List<long>();
            while (published.Count == 0 || published[^1] < history.Count)
            {
                var content = subscribers[i].Receive()[(name.Length + 1)..];
                published.Add(sequenceOf[content[(content.LastIndexOf('\n') + 1)..]]);
            }
            Assert.True(published[0] <= firstPosted, $"SUB on gateway {i} began at {published[0]}, after the first concurrent post {firstPosted}");
            Assert.Equal(Enumerable.Range((int)published[0], published.Count).Select(s => (long)s), published);
        }
    }

    [Fact]
    public async Task ClientsThatResumeOnTheOtherGatewayGetEveryUpdateAfterTheirPositionOnceInOrder()
    {
        var (a, b) = (Start(reconcileMilliseconds: 60_000), Start(reconcileMilliseconds: 60_000));
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        for (var i = 1; i <= 10; i++)
            Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" })).StatusCode);

        // An event stream read from the start up to #5 on A; then A is gone for this client: it comes back on B with
        // Last-Event-ID, and a hub client subscribes on B after #7.
        await using (var onA = await EventStreamClient.OpenAsync(httpA, $"/api/subjects/{name}/events", lastEventId: "0"))
        {
            for (var i = 1; i <= 5; i++)
                Assert.Equal(i, (await onA.NextAsync()).Sequence);
        }
        await HeardOfAsync(httpB, name);
        await using var resumed = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events", lastEventId: "5");
        await using var hub = await HubPeer.ConnectAsync(b.HttpAddress);
        var subscription = await hub.SubscribeAsync(name, afterSequence: 7);
        Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "u11" })).StatusCode);

        var streamed = new List<long>();
        for (var i = 6; i <= 11; i++)
            streamed.Add((await resumed.NextAsync()).Sequence);
        Assert.Equal([6L, 7, 8, 9, 10, 11], streamed);
        // The hub replays in the subscription's reply, then goes live; the page drops what the reply already held.
        Assert.False(subscription.Gap);
        var delivered = subscription.Updates.Select(u => u.Sequence).ToList();
        while (delivered[^1] < 11)
            delivered.Add((await hub.NextUpdateAsync()).Sequence);
        Assert.Equal([8L, 9, 10, 11], delivered);
    }

    [Fact]
    public async Task WithRedisDownAnUpdateStillReachesTheOtherGatewayFromTheStoreAndTheRelayResumesWhenRedisIsBack()
    {
        var (a, b) = (Start(reconcileMilliseconds: 300), Start(reconcileMilliseconds: 300));
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        await HeardOfAsync(httpB, name);
        await using var stream = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events");

        _redis.Kill();
        Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "while Redis is down" })).StatusCode);
        var late = await stream.NextAsync();
        Assert.Equal((1L, "while Redis is down"), (late.Sequence, late.Json.GetProperty("text").GetString()));
        await Poll.UntilAsync(async () => await BusHealthAsync(httpB) == (HttpStatusCode.OK, "Degraded"), () => "Readiness did not say degraded with Redis down.");

        await _redis.StartAgainAsync();
        await Poll.UntilAsync(async () => await BusHealthAsync(httpB) == (HttpStatusCode.OK, "Healthy"), () => "The relay did not recover once Redis was back.");
        Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "after" })).StatusCode);
        var after = await stream.NextAsync();
        Assert.Equal((2L, "after"), (after.Sequence, after.Json.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task AGatewayStartedWhileRedisIsDownServesAtOnceAndRelaysOnceRedisIsBack()
    {
        var a = Start(reconcileMilliseconds: 60_000);
        using var httpA = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        _redis.Kill();

        // Redis's client spends its whole connect timeout (5 s) on a first attempt that fails: not the gateway's start.
        var starting = System.Diagnostics.Stopwatch.StartNew();
        var b = Start(reconcileMilliseconds: 60_000);
        using var httpB = b.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await httpB.GetAsync($"/api/subjects/{name}")).StatusCode);
        Assert.True(starting.Elapsed < TimeSpan.FromSeconds(4), $"B took {starting.Elapsed} to start with Redis down.");
        Assert.Equal((HttpStatusCode.OK, "Degraded"), await BusHealthAsync(httpB));
        Assert.Equal(HttpStatusCode.Created, (await httpB.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "unsent" })).StatusCode);

        await _redis.StartAgainAsync();
        await Poll.UntilAsync(async () => await BusHealthAsync(httpB) == (HttpStatusCode.OK, "Healthy"), () => "B never connected once Redis was back.");
        await using var stream = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events?after=1");
        // A's update reaches B through Redis, or, posted before B subscribed, from the store B reads once subscribed
        // (the periodic reconciliation is a minute away here).
        Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "relayed" })).StatusCode);
        var relayed = await stream.NextAsync();
        Assert.Equal((2L, "relayed"), (relayed.Sequence, relayed.Json.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task AMessageOnTheChannelThatIsNoCommitIsIgnoredAndTheChangesBatchedWithItAreStored()
    {
        var a = Start(reconcileMilliseconds: 60_000);
        using var http = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await using var intruder = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConfigurationString);
        var channel = StackExchange.Redis.RedisChannel.Literal("messagequeue:changes");

        // JSON, but no commit: no changes at all, or a change naming no subject (another program, another version).
        using var stop = new CancellationTokenSource();
        var noise = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
                await intruder.GetSubscriber().PublishAsync(channel, i % 2 == 0 ? """{"Instance":"intruder"}""" : """{"Instance":"intruder","Changes":[{"Kind":"Updated","Sequence":1}]}""");
        });
        var refused = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async client =>
        {
            for (var i = 0; i < 15; i++) // 240 in all: within the rate limit's burst
            {
                var posted = await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"c{client}-{i}" });
                if (posted.StatusCode != HttpStatusCode.Created)
                    refused.Add(posted.StatusCode);
            }
        }));
        await stop.CancelAsync();
        await noise;

        Assert.Empty(refused);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
            socket.Dispose();
        foreach (var gateway in _gateways)
            gateway.Dispose();
        _redis.Dispose();
        _database.Dispose();
    }

    /// <summary>Waits until the gateway behind <paramref name="http"/> knows of a subject another created.</summary>
    private static Task HeardOfAsync(HttpClient http, string name) =>
        Poll.UntilAsync(async () => (await http.GetAsync($"/api/subjects/{name}")).IsSuccessStatusCode, () => $"The other gateway never heard of '{name}'.");

    private static async Task<(HttpStatusCode, string?)> BusHealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("checks").GetProperty("bus").GetProperty("status").GetString());
    }

    private GatewayFactory Start(int reconcileMilliseconds, string? name = null, Operations.CapturedLogs? logs = null)
    {
        var settings = PostgreSqlServer.Shared.GatewaySettings(_database.Path);
        settings["Bus:Redis"] = _redis.ConfigurationString;
        settings["Bus:ReconcileIntervalMilliseconds"] = reconcileMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (name is not null)
            settings["Instance:Name"] = name;
        if (logs is not null)
            settings["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Transaction"] = "Debug";
        var gateway = new GatewayFactory(null, settings,
            logs is null ? null : host => host.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(logs))));
        _gateways.Add(gateway);
        return gateway;
    }
}
