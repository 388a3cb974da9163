using System.Text;
using MessageQueue.Tests.Infrastructure;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>A sub source reads a pyzmq PUB socket: its messages become updates like any door's, and what it cannot take is dropped and counted.</summary>
public sealed class SubSourceTests
{
    [Fact]
    public async Task PublishedMessageReachesLegacySubscriberEventStreamAndHub()
    {
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint)));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject);

        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.Zmq.PublishEndpoint, subject);
        subscriber.WaitUntilJoined(peer, subject);
        await using var stream = await EventStreamClient.OpenAsync(http, $"/api/subjects/{subject}/events");
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await hub.SubscribeAsync(subject);

        await publisher.SendAsync(subject, "from a pyzmq PUB");

        Assert.EndsWith("\nfrom a pyzmq PUB", NextNotProbe(subscriber), StringComparison.Ordinal);
        var streamed = await NextNotProbeAsync(stream);
        Assert.Equal($"zmq-ingest:{source}", streamed.Json.GetProperty("door").GetString());
        UpdateResourceIs(await NextNotProbeAsync(hub), "from a pyzmq PUB", $"zmq-ingest:{source}");
        Assert.Equal(["from a pyzmq PUB"], (await HistoryAsync(http, subject)).Texts());
    }

    [Fact]
    public async Task FramesThatAreNotAnUpdateAreDroppedCountedAndTheSourceReadsOn()
    {
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint))
            .With("Subjects:MaxUpdateBytes", "1024"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject);
        var topic = Encoding.UTF8.GetBytes(subject);

        await publisher.SendAsync(subject, "one", "frame too many");
        await publisher.SendAsync("a lone frame");
        await publisher.SendAsync(topic, []);
        await publisher.SendAsync(topic, new byte[1025]);
        await publisher.SendAsync(topic, [0x61, 0xff, 0xfe]);
        await publisher.SendAsync([0xc3, 0x28], Encoding.UTF8.GetBytes("topic not UTF-8"));
        await publisher.SendAsync(subject, "   ");
        await publisher.SendAsync("nosuchsubject", "no such subject");
        await publisher.SendAsync(subject, "after the bad ones");

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Texts().Contains("after the bad ones"),
            () => "The good message after the bad ones was not stored.");
        Assert.Equal(["after the bad ones"], (await HistoryAsync(http, subject)).Texts());
        Assert.Equal(2, await CountAsync(http, source, "dropped", "frames"));
        Assert.Equal(1, await CountAsync(http, source, "dropped", "empty"));
        Assert.Equal(1, await CountAsync(http, source, "dropped", "too_large"));
        Assert.Equal(2, await CountAsync(http, source, "dropped", "invalid_utf8"));
        Assert.Equal(1, await CountAsync(http, source, "dropped", "refused"));
        Assert.Equal(1, await CountAsync(http, source, "dropped", "unknown_subject"));
    }

    [Fact]
    public async Task ABusyStoreMakesASubSourceDropAndCountWhileItReadsOn()
    {
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        // One change may wait for the writer: a burst finds the store busy.
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint))
            .With("Store:MaxQueuedChanges", "1"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject);

        await publisher.SendSeriesAsync(2000, "m-", subject);
        await Poll.UntilAsync(async () =>
        {
            await publisher.SendAsync(subject, "after the burst");
            return (await HistoryAsync(http, subject)).Texts().Contains("after the burst");
        }, () => "The sub source stopped storing after the burst.");

        Assert.True(await CountAsync(http, source, "dropped", "busy") > 0, "No message was counted as dropped for a busy store.");
        var stored = (await HistoryAsync(http, subject)).Texts().Where(t => t.StartsWith("m-", StringComparison.Ordinal)).Select(t => int.Parse(t[2..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(stored.Order(), stored); // what was stored kept its order
    }

    [Fact]
    public async Task BinaryPayloadIsStoredAsBase64WithTheLimitOnItsDecodedBytes()
    {
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint), ("Payload", "base64"))
            .With("Subjects:MaxUpdateBytes", "1024"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject, base64: true);
        var topic = Encoding.UTF8.GetBytes(subject);
        var largest = Enumerable.Range(0, 768).Select(i => (byte)i).ToArray(); // its base64 text is 1024 bytes

        await publisher.SendAsync(topic, [.. largest, 0]);
        await publisher.SendAsync(topic, largest);

        List<byte[]> Binaries(List<MessageQueue.Gateway.Api.UpdateResource> updates) =>
            updates.Select(u => Convert.FromBase64String(u.Text)).Where(b => !Encoding.UTF8.GetString(b).StartsWith("probe-", StringComparison.Ordinal)).ToList();
        await Poll.UntilAsync(async () => Binaries(await HistoryAsync(http, subject)).Count == 1, () => "The binary message was not stored.");
        Assert.Equal(largest, Binaries(await HistoryAsync(http, subject)).Single());
        Assert.Equal(1, await CountAsync(http, source, "dropped", "too_large"));
    }

    [Fact]
    public async Task TopicsNameSubjectsThroughThePrefixRulesAndCreateThemWhenAllowed()
    {
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        var prefix = ApiAssert.NewSubjectName() + "-";
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint),
            ("Topics:0", "plant/"), ("StripTopicPrefix", "plant/"), ("SubjectPrefix", prefix), ("CreateSubjects", "true")));
        using var http = gateway.CreateClient();
        await JoinAsync(publisher, http, prefix + "probe", topic: "plant/probe");

        await publisher.SendAsync("plant/bad name", "refused: a space");
        await publisher.SendAsync("plant/boiler", "21.5");
        await publisher.SendAsync("plant/boiler", "21.7");

        await Poll.UntilAsync(async () => (await http.GetAsync($"/api/subjects/{prefix}boiler")).IsSuccessStatusCode
                && (await HistoryAsync(http, prefix + "boiler")).Count == 2,
            () => "The topic's subject was not created with both messages.");
        var updates = await HistoryAsync(http, prefix + "boiler");
        Assert.Equal(["21.5", "21.7"], updates.Texts());
        Assert.All(updates, u => Assert.Equal($"zmq-ingest:{source}", u.Door));
        Assert.Equal(1, await CountAsync(http, source, "dropped", "bad_subject"));
    }

    [Fact]
    public async Task WithoutCreateSubjectsATopicNamingNoSubjectIsDroppedAndCounted()
    {
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        var prefix = ApiAssert.NewSubjectName() + "-";
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint),
            ("StripTopicPrefix", "plant/"), ("SubjectPrefix", prefix)));
        using var http = gateway.CreateClient();
        await ApiAssert.Json(await http.PostAsync("/api/subjects", System.Net.Http.Json.JsonContent.Create(new { name = prefix + "probe" })), System.Net.HttpStatusCode.Created);
        await JoinAsync(publisher, http, prefix + "probe", topic: "plant/probe");

        await publisher.SendAsync("plant/boiler", "no subject for it");
        await publisher.SendAsync("elsewhere/boiler", "not under the prefix");
        await publisher.SendAsync("plant/probe", "after them");

        await Poll.UntilAsync(async () => (await HistoryAsync(http, prefix + "probe")).Texts().Contains("after them"), () => "The last message was not stored.");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"/api/subjects/{prefix}boiler")).StatusCode);
        Assert.Equal(1, await CountAsync(http, source, "dropped", "unknown_subject"));
        Assert.Equal(1, await CountAsync(http, source, "dropped", "unmatched_topic"));
    }

    private static string NextNotProbe(LegacySubscriber subscriber)
    {
        while (true)
        {
            var frame = subscriber.Receive();
            if (!frame[(frame.LastIndexOf('\n') + 1)..].Contains("probe-", StringComparison.Ordinal)) // a publication ends with the newest line
                return frame;
        }
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

    private static async Task<MessageQueue.Gateway.Api.UpdateResource> NextNotProbeAsync(HubPeer hub)
    {
        while (true)
        {
            var next = await hub.NextUpdateAsync();
            if (!next.Text.Contains("probe-", StringComparison.Ordinal))
                return next;
        }
    }

    private static void UpdateResourceIs(MessageQueue.Gateway.Api.UpdateResource update, string text, string door)
    {
        Assert.Equal(text, update.Text);
        Assert.Equal(door, update.Door);
    }
}
