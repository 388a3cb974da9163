using System.Net.Http.Json;
using System.Text;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Legacy;

namespace MessageQueue.Tests.Subjects;

/// <summary>
/// Every door shows the same bounded content (Subjects:MaxContentBytes): legacy "2" replies, PUB frames to NetMQ and
/// pyzmq subscribers, REST and the hub; the history keeps every update in full, and a restart rebuilds the same content.
/// </summary>
public sealed class ContentWindowDoorTests
{
    private const int Window = 64;

    // Exactly full, one byte over, a multi-byte character at the cut, one update larger than the window, then more.
    private static readonly string[] Texts =
    [
        "first line",
        new string('x', Window - "first line".Length - 1 - 1),   // with the line break: exactly the window
        "y",                                                     // one byte over: "first line" drops off
        "€€€€€€€€€€€€€€€€€€€€€€€€€€ with euros, 3 bytes each",    // pushes the x's out
        new string('z', 40) + "ééééééééééééééééééééééééééééé€€€€€€€€€", // larger than the window alone
        "after the big one",
    ];

    [Fact]
    public async Task EveryDoorShowsTheSameBoundedContentAndTheHistoryKeepsEverything()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Subjects:MaxContentBytes"] = $"{Window}" });
        using var http = gateway.CreateClient();
        var created = await http.PostAsJsonAsync("/api/subjects", new CreateSubjectRequest { Name = "Window", Content = "initial" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var netmq = new LegacySubscriber(gateway.Zmq.PublishEndpoint, "Window");
        netmq.WaitUntilJoined(peer, "Window");
        using var pyzmq = await PythonSubscriber.StartAsync(gateway.Zmq.PublishEndpoint, "Window");
        await pyzmq.WaitUntilJoinedAsync(peer, "Window");

        // Both past every join probe (pyzmq's may still be on their way to the NetMQ socket): read up to one marker.
        var marker = $"in-step-{Guid.NewGuid():N}";
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Window", updateMessage = marker }));
        while (!netmq.Receive().EndsWith(marker, StringComparison.Ordinal))
        {
        }
        while (!(await pyzmq.ReceiveAsync()).EndsWith(marker, StringComparison.Ordinal))
        {
        }

        var expected = await ExpectedContentAsync(http);
        foreach (var text in Texts)
        {
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Window", updateMessage = text }));
            expected = Reference(expected, text);
            Assert.Equal("Window " + expected, netmq.Receive());
            Assert.Equal("Window " + expected, await pyzmq.ReceiveAsync());
        }
        Assert.Equal(expected, await ExpectedContentAsync(http)); // the reference agrees with the history replayed

        var reply = LegacyProtocolTests.ContentOf(peer.Request(new { type = "2", subject = "Window", email = "window@example.com" }));
        Assert.Equal(expected, reply);
        var subject = await http.GetFromJsonAsync<SubjectDetails>("/api/subjects/Window", HubPeerJson.Options);
        Assert.Equal(expected, subject!.Content);
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var subscription = await hub.SubscribeAsync("Window");
        Assert.Equal(expected, subscription.Content);
        Assert.Equal(Window, subscription.MaxContentBytes);

        var history = await http.GetFromJsonAsync<HistoryPageResource>("/api/subjects/Window/updates?limit=1000", HubPeerJson.Options);
        Assert.Equal(Texts, history!.Updates.Select(u => u.Text).TakeLast(Texts.Length));
    }

    [Fact]
    public async Task ARestartRebuildsTheSameContentAndAStoreFromBeforeTheWindowIsBoundedWithItsHistoryWhole()
    {
        using var data = new TempDirectory();
        string before;
        var posted = new List<string>();
        // A store filled without a small window, as by the version before it: the content grows with every update.
        await using (var first = await GatewayProcess.StartAsync(data.Path))
        {
            using var peer = new LegacyPeer(first.ReplyEndpoint);
            for (var i = 0; i < 40; i++)
            {
                var text = i % 7 == 3 ? $"{i} " + new string('€', 30) : $"update {i} ünïcödé";
                posted.Add(text);
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Django", updateMessage = text }));
            }
            before = LegacyProtocolTests.ContentOf(peer.Request(new { type = "2", subject = "Django", email = "restart@example.com" }));
            Assert.EndsWith(string.Join('\n', posted), before, StringComparison.Ordinal);
            await first.StopAsync();
        }

        var windowed = new Dictionary<string, string> { ["Subjects__MaxContentBytes"] = $"{Window}" };
        string afterFirstStart;
        await using (var second = await GatewayProcess.StartAsync(data.Path, windowed))
        {
            using var peer = new LegacyPeer(second.ReplyEndpoint);
            afterFirstStart = LegacyProtocolTests.ContentOf(peer.Request(new { type = "2", subject = "Django", email = "restart@example.com" }));
            Assert.Equal(posted.Aggregate(before[..^string.Join('\n', posted).Length].TrimEnd('\n'), Reference), afterFirstStart);

            var big = "€" + new string('w', Window); // larger than the window: only its newest bytes stay
            posted.Add(big);
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Django", updateMessage = big }));
            posted.Add("€ small");
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Django", updateMessage = "€ small" }));
            afterFirstStart = LegacyProtocolTests.ContentOf(peer.Request(new { type = "2", subject = "Django", email = "restart@example.com" }));
            Assert.Equal(Reference(Reference("", big), "€ small"), afterFirstStart);

            using var http = new HttpClient { BaseAddress = second.HttpAddress };
            var history = await http.GetFromJsonAsync<HistoryPageResource>("/api/subjects/Django/updates?limit=1000", HubPeerJson.Options);
            Assert.Equal(posted, history!.Updates.Select(u => u.Text));
            await second.StopAsync();
        }

        await using var third = await GatewayProcess.StartAsync(data.Path, windowed);
        using var again = new LegacyPeer(third.ReplyEndpoint);
        Assert.Equal(afterFirstStart, LegacyProtocolTests.ContentOf(again.Request(new { type = "2", subject = "Django", email = "restart@example.com" })));
    }

    /// <summary>The subject's initial content and every stored update, through the reference rule.</summary>
    private static async Task<string> ExpectedContentAsync(HttpClient http)
    {
        var history = await http.GetFromJsonAsync<HistoryPageResource>("/api/subjects/Window/updates?limit=1000", HubPeerJson.Options);
        return history!.Updates.Select(u => u.Text).Aggregate(Trim("initial"), Reference);
    }

    /// <summary>The window's rule written plainly, independently of the gateway's code: append, then trim.</summary>
    private static string Reference(string content, string text) => Trim(content + "\n" + text);

    private static string Trim(string content)
    {
        while (Encoding.UTF8.GetByteCount(content) > Window)
        {
            var newline = content.IndexOf('\n', StringComparison.Ordinal);
            if (newline >= 0)
            {
                content = content[(newline + 1)..];
                continue;
            }
            var runes = content.EnumerateRunes().ToList();
            while (runes.Sum(r => r.Utf8SequenceLength) > Window)
                runes.RemoveAt(0);
            return string.Concat(runes.Select(r => r.ToString()));
        }
        return content;
    }
}
