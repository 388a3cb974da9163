using System.Text;
using MessageQueue.Tests.Infrastructure;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>
/// Format=pushpin: what a service publishing to Pushpin over ZeroMQ sends (pyzmq here) becomes updates; an item's id
/// makes a repeat stored once; items the gateway cannot take are dropped with their reason and the source reads on.
/// </summary>
/// <remarks>
/// Runs alone: disposing another host disposes its meter, which can stop OpenTelemetry exporting this host's meter of
/// the same name (open-telemetry/opentelemetry-dotnet#6412): in the parallel run a count once stayed 0 for 20 s.
/// </remarks>
[Collection(Operations.OneGatewayAtATime.Name)] // reads /metrics
public sealed class PushpinFormatTests
{
    [Fact]
    public async Task PushedItemsWithAndWithoutIdReachHistoryLegacySubscriberAndEventStream()
    {
        var source = NewSourceName();
        var subject = ApiAssert.NewSubjectName();
        using var gateway = new GatewayFactory(null, PullSource(source).With("Ingest:Sources:0:CreateSubjects", "true"));
        using var http = gateway.CreateClient();
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));
        await pusher.SendAsync(WsMessage(subject, "creates the subject"));
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count == 1, () => "The channel's subject was not created with its first item.");

        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.Zmq.PublishEndpoint, subject);
        subscriber.WaitUntilJoined(peer, subject);
        await using var stream = await EventStreamClient.OpenAsync(http, $"/api/subjects/{subject}/events");

        await pusher.SendAsync(Item(subject, """ "id":"a-1","prev-id":"a-0","formats":{"ws-message":{"content":"with an id"}} """));
        await pusher.SendAsync(WsMessage(subject, "without an id"));

        Assert.EndsWith("\nwith an id", subscriber.Receive(), StringComparison.Ordinal);
        Assert.EndsWith("\nwithout an id", subscriber.Receive(), StringComparison.Ordinal);
        var streamed = await stream.NextAsync();
        Assert.Equal("with an id", streamed.Json.GetProperty("text").GetString());
        Assert.Equal($"zmq-ingest:{source}", streamed.Json.GetProperty("door").GetString());
        Assert.Equal("without an id", (await stream.NextAsync()).Json.GetProperty("text").GetString());
        Assert.Equal(["creates the subject", "with an id", "without an id"], (await HistoryAsync(http, subject)).Texts()); // less the join probes
        await CountIsAsync(http, source, 3, "stored");
    }

    [Fact]
    public async Task AnIdSentThreeTimesIsStoredAndDeliveredOnceAndTheRepeatsCounted()
    {
        var source = NewSourceName();
        var other = NewSourceName();
        var settings = PullSource(source);
        foreach (var (key, value) in PullSource(other, 1))
            settings[key] = value;
        using var gateway = new GatewayFactory(null, settings);
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        var secondSubject = await ApiAssert.NewSubjectAsync(http);
        await using var stream = await EventStreamClient.OpenAsync(http, $"/api/subjects/{subject}/events");
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));
        await using var otherPusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, other));
        var once = Item(subject, """ "id":"x","formats":{"ws-message":{"content":"once"}} """);

        await pusher.SendAsync(once);
        await pusher.SendAsync(once);
        await pusher.SendAsync(Item(subject, """ "id":"x","formats":{"ws-message":{"content":"same id, other text"}} """));
        await pusher.SendAsync(Item(secondSubject, """ "id":"x","formats":{"ws-message":{"content":"same id, other channel"}} """));
        await pusher.SendAsync(Item(subject, """ "id":"y","formats":{"ws-message":{"content":"next"}} """));

        // Read in order: had a repeat been delivered, it would come between "once" and "next".
        Assert.Equal("once", (await stream.NextAsync()).Json.GetProperty("text").GetString());
        Assert.Equal("next", (await stream.NextAsync()).Json.GetProperty("text").GetString());
        Assert.Equal(["once", "next"], (await HistoryAsync(http, subject)).Select(u => u.Text));
        Assert.Equal(["same id, other channel"], (await HistoryAsync(http, secondSubject)).Select(u => u.Text));
        await CountIsAsync(http, source, 3, "stored");
        await CountIsAsync(http, source, 2, "repeated");

        // An id is the source's own: another source's item with the same channel and id is another message.
        await otherPusher.SendAsync(once);
        Assert.Equal("once", (await stream.NextAsync()).Json.GetProperty("text").GetString());
        Assert.Equal(["once", "next", "once"], (await HistoryAsync(http, subject)).Select(u => u.Text));
        await CountIsAsync(http, other, 1, "stored");
        Assert.Equal(0, await CountAsync(http, other, "repeated"));
    }

    [Fact]
    public async Task ContentComesFromWsMessageThenHttpStreamThenHttpResponse()
    {
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, PullSource(source));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));
        var binary = Convert.ToBase64String(Encoding.UTF8.GetBytes("bytes, é"));

        foreach (var formats in (string[])[
            """{"http-response":{"body":"response"},"http-stream":{"content":"stream"},"ws-message":{"content":"ws"}}""",
            """{"http-response":{"body":"response"},"http-stream":{"content":"stream"}}""",
            """{"http-response":{"code":200,"headers":{"Content-Type":"text/plain"},"body":"response"}}""",
            """{"ws-message":{"action":"close"},"http-stream":{"content":"stream after a close"}}""",
            """{"ws-message":{"content-bin":"BINARY"}}""".Replace("BINARY", binary, StringComparison.Ordinal),
            """{"http-response":{"body-bin":"BINARY","body":"text beside bytes"}}""".Replace("BINARY", binary, StringComparison.Ordinal)])
        {
            await pusher.SendAsync(Item(subject, "\"formats\":" + formats));
        }
        // Pushpin also reads formats from the item itself when it has no "formats" object.
        await pusher.SendAsync(Item(subject, """ "http-stream":{"content":"at the top level"} """));

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count == 7, () => "Not every item was stored.");
        Assert.Equal(["ws", "stream", "response", "stream after a close", "bytes, é", "bytes, é", "at the top level"],
            (await HistoryAsync(http, subject)).Select(u => u.Text));
    }

    [Fact]
    public async Task WithBase64PayloadContentIsStoredAsTheBase64OfItsBytes()
    {
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, PullSource(source).With("Ingest:Sources:0:Payload", "base64"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));

        await pusher.SendAsync(Item(subject, """ "formats":{"ws-message":{"content-bin":"AP8BAg=="}} """));
        await pusher.SendAsync(WsMessage(subject, "héllo"));

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count == 2, () => "Not both items were stored.");
        Assert.Equal(["AP8BAg==", Convert.ToBase64String(Encoding.UTF8.GetBytes("héllo"))], (await HistoryAsync(http, subject)).Select(u => u.Text));
    }

    [Fact]
    public async Task PublishedChannelAndItemReachASubSourceAndAContradictingChannelIsDropped()
    {
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint), ("Format", "pushpin")));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject);
        await using var stream = await EventStreamClient.OpenAsync(http, $"/api/subjects/{subject}/events");

        await publisher.SendAsync(subject, """J{"id":"p-1","formats":{"http-stream":{"content":"from a PUB"}}}""");
        await publisher.SendAsync(subject, """J{"id":"p-1","formats":{"http-stream":{"content":"from a PUB"}}}""");
        await publisher.SendAsync(subject, "J{\"channel\":\"elsewhere\",\"formats\":{\"ws-message\":{\"content\":\"which channel?\"}}}");
        await publisher.SendAsync(subject, Item(subject, """ "formats":{"ws-message":{"content":"the same channel twice"}} """));

        Assert.Equal("from a PUB", (await NextNotProbeAsync(stream)).Json.GetProperty("text").GetString());
        var next = await NextNotProbeAsync(stream);
        Assert.Equal("the same channel twice", next.Json.GetProperty("text").GetString());
        Assert.Equal($"zmq-ingest:{source}", next.Json.GetProperty("door").GetString());
        Assert.Equal(["from a PUB", "the same channel twice"], (await HistoryAsync(http, subject)).Texts());
        await CountIsAsync(http, source, 1, "repeated");
        await CountIsAsync(http, source, 1, "dropped", "bad_item");
    }

    [Fact]
    public async Task ItemsThatAreNotAnUpdateAreDroppedWithTheirReasonAndTheSourceReadsOn()
    {
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, PullSource(source).With("Subjects:MaxUpdateBytes", "1024"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));
        string Formats(string formats) => Item(subject, "\"formats\":" + formats);

        await pusher.SendAsync("T58:7:channel,4:room,7:formats,30:10:ws-message,16:7:content,2:hi,}}}");
        await pusher.SendAsync("J{\"channel\": \"no end");
        await pusher.SendAsync("J[\"an\", \"array\"]");
        await pusher.SendAsync("{\"channel\":\"no prefix\"}");
        await pusher.SendAsync(Formats("""{"ws-message":{"content":42}}"""));
        await pusher.SendAsync(Formats("""{"ws-message":{"content-bin":"not base64!"}}"""));
        await pusher.SendAsync(Item(subject, """ "channel":"twice","formats":{"ws-message":{"content":"duplicate"}} """));
        await pusher.SendAsync(Formats("{\"ws-message\":{\"content\":\"deep\",\"meta\":" + new string('[', 40) + new string(']', 40) + "}}"));
        await pusher.SendAsync("""J{"formats":{"ws-message":{"content":"no channel"}}}""");
        await pusher.SendAsync(Formats("""{"ws-message":{"action":"close"}}"""));
        await pusher.SendAsync(Item(subject, """ "id":"only an id" """));
        await pusher.SendAsync(Formats("{\"ws-message\":{\"content-bin\":\"" + Convert.ToBase64String([0x61, 0xff, 0xfe]) + "\"}}"));
        await pusher.SendAsync(Formats("{\"ws-message\":{\"content\":\"" + new string('x', 1025) + "\"}}"));
        await pusher.SendAsync(Formats("{\"ws-message\":{\"content-bin\":\"" + Convert.ToBase64String(new byte[1025]) + "\"}}"));
        await pusher.SendAsync("""J{"channel":"no spaces in names","formats":{"ws-message":{"content":"bad subject"}}}""");
        await pusher.SendAsync(WsMessage("nosuchsubject" + Guid.NewGuid().ToString("N")[..8], "unknown subject"));
        await pusher.SendAsync(subject, WsMessage(subject, "three frames"), "more");
        await pusher.SendAsync(Formats("""{"ws-message":{"content":"after the bad ones"}}"""));

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count > 0, () => "The good item after the bad ones was not stored.");
        Assert.Equal(["after the bad ones"], (await HistoryAsync(http, subject)).Select(u => u.Text));
        await CountIsAsync(http, source, 1, "dropped", "tnetstring");
        await CountIsAsync(http, source, 7, "dropped", "bad_item");
        await CountIsAsync(http, source, 1, "dropped", "no_channel");
        await CountIsAsync(http, source, 2, "dropped", "no_content");
        await CountIsAsync(http, source, 1, "dropped", "invalid_utf8");
        await CountIsAsync(http, source, 2, "dropped", "too_large");
        await CountIsAsync(http, source, 1, "dropped", "bad_subject");
        await CountIsAsync(http, source, 1, "dropped", "unknown_subject");
        await CountIsAsync(http, source, 1, "dropped", "frames");
        await CountIsAsync(http, source, 1, "stored");
    }

    /// <summary>Waits for the count: a message is counted once its commit completes, which may be after a door has it.</summary>
    private static async Task CountIsAsync(HttpClient http, string source, double expected, string outcome, string? reason = null)
    {
        var counted = 0.0;
        await Poll.UntilAsync(async () => (counted = await CountAsync(http, source, outcome, reason)) == expected,
            () => $"Counted {counted} messages {outcome} {reason}, not {expected}.");
    }

    private static Dictionary<string, string?> PullSource(string name, int index = 0) =>
        Source(index, ("Name", name), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"), ("Format", "pushpin"));

    /// <summary>J + an item on <paramref name="channel"/> with these other members (JSON text).</summary>
    private static string Item(string channel, string members) => "J{\"channel\":\"" + channel + "\"," + members + "}";

    private static string WsMessage(string channel, string content) =>
        Item(channel, "\"formats\":{\"ws-message\":{\"content\":\"" + content + "\"}}");

    /// <summary>PUB/SUB slow joiner: publishes [channel, probe item] until one of them is stored in <paramref name="subject"/>.</summary>
    private static async Task JoinAsync(PythonFeeder publisher, HttpClient http, string subject)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        await Poll.UntilAsync(async () =>
        {
            var probe = $"probe-{Guid.NewGuid():N}";
            sent.Add(probe);
            await publisher.SendAsync(subject, "J{\"formats\":{\"ws-message\":{\"content\":\"" + probe + "\"}}}");
            return (await HistoryAsync(http, subject)).Any(u => sent.Contains(u.Text));
        }, () => $"No probe item published to {subject} was stored: the sub source never joined.");
    }

    private static async Task<ServerSentEvent> NextNotProbeAsync(EventStreamClient stream)
    {
        while (true)
        {
            var next = await stream.NextAsync();
            if (!next.Json.GetProperty("text").GetString()!.Contains("probe-", StringComparison.Ordinal))
                return next;
        }
    }
}
