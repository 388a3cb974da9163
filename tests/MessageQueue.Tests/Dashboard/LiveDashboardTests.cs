using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MessageQueue.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>Two browsers, ZeroMQ subscribers (NetMQ and pyzmq) and the legacy door on one subject, and a browser whose network drops.</summary>
[Collection(BrowserTests.Name)]
public sealed partial class LiveDashboardTests(BrowserFixture browser, DashboardGateway gateway) : IClassFixture<DashboardGateway>
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task AnUpdatePostedOnOnePageReachesTheOtherPageAndZmqSubscribersAndALegacyUpdateReachesBothPages()
    {
        var subject = await ApiAssert.NewSubjectAsync(_http, "first line");
        using var legacy = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var netmq = new LegacySubscriber(gateway.Zmq.PublishEndpoint, subject);
        netmq.WaitUntilJoined(legacy, subject);
        using var pyzmq = await PythonSubscriber.StartAsync(gateway.Zmq.PublishEndpoint, subject);
        await pyzmq.WaitUntilJoinedAsync(legacy, subject);

        await using var alice = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        await using var bob = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        foreach (var page in new[] { alice, bob })
        {
            await page.SelectAsync(subject);
            await page.SubscribeAsync();
        }
        // Both pages are in the subject's group once the gateway counts them.
        await Expect(alice.Page.Locator($"#listener-rows tr[data-subject='{subject}'] td[data-count='browsers']")).ToHaveTextAsync("2");

        await alice.PostAsync("posted on Alice's page");
        var fromAlice = bob.FeedItem("posted on Alice's page");
        await Expect(fromAlice).ToHaveCountAsync(1);
        await Expect(fromAlice.Locator(".door")).ToHaveTextAsync("hub");
        await Expect(alice.FeedItem("posted on Alice's page")).ToHaveCountAsync(1);
        Assert.Equal("", await alice.Page.GetByLabel("New update").InputValueAsync());

        // Both sockets also saw the other's join probes: read on to the update under test.
        var published = ReceiveUntil(netmq.Receive, "posted on Alice's page");
        Assert.StartsWith($"{subject} first line\n", published, StringComparison.Ordinal);
        Assert.Equal(published, await ReceiveUntilAsync(pyzmq.ReceiveAsync, "posted on Alice's page"));

        Assert.Equal("isSuccess", legacy.Request(new { type = "3", subject, updateMessage = "posted by a legacy client" }));
        foreach (var page in new[] { alice, bob })
        {
            var fromLegacy = page.FeedItem("posted by a legacy client");
            await Expect(fromLegacy).ToHaveCountAsync(1);
            await Expect(fromLegacy.Locator(".door")).ToHaveTextAsync("zmq");
            await Expect(page.Content).ToContainTextAsync("posted on Alice's page\nposted by a legacy client");
            Assert.Equal("posted by a legacy client", (await page.FeedTextsAsync())[0]); // newest first
        }

        await alice.ScreenshotAsync("live-alice");
        await bob.ScreenshotAsync("live-bob");
        alice.AssertNoScriptErrors();
        bob.AssertNoScriptErrors();
    }

    [Fact]
    public async Task APageWhoseConnectionDropsShowsTheUpdatesItMissedExactlyOnceInOrder()
    {
        var subject = await ApiAssert.NewSubjectAsync(_http, "start");
        await using var proxy = new TcpCutProxy(gateway.HttpAddress);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, proxy.Address, $"/?subject={subject}");
        await page.ExpectSubjectShownAsync(subject);
        await PostOverRestAsync(subject, "before the cut");
        await Expect(page.FeedItem("before the cut")).ToHaveCountAsync(1);

        proxy.Cut();
        await Expect(page.ConnectionState).ToHaveAttributeAsync("data-state", ReconnectingOrOffline());
        await Expect(page.ConnectionState).ToHaveTextAsync(ReconnectingOrOfflineText());
        string[] missed = ["missed 1 (rest)", "missed 2 (legacy)", "missed 3 (rest)", "missed 4 (legacy)"];
        using (var legacy = new LegacyPeer(gateway.Zmq.ReplyEndpoint))
        {
            for (var i = 0; i < missed.Length; i++)
            {
                if (i % 2 == 0)
                    await PostOverRestAsync(subject, missed[i]);
                else
                    Assert.Equal("isSuccess", legacy.Request(new { type = "3", subject, updateMessage = missed[i] }));
            }
        }
        // The page keeps trying while cut off (at least one attempt reached the proxy), and still shows none of them.
        await Poll.UntilAsync(() => proxy.Refused > 0, () => "The page never tried to reconnect.");
        Assert.Equal(["before the cut"], await page.FeedTextsAsync());
        await page.ScreenshotAsync("reconnect-cut-off");

        proxy.Restore();
        await Expect(page.ConnectionState).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.ConnectionState).ToHaveTextAsync("Connected");
        await Expect(page.FeedItem(missed[^1])).ToHaveCountAsync(1);

        // A live update after the catch-up proves the page is in the group again; anything doubled would come before it.
        await PostOverRestAsync(subject, "after the return");
        await Expect(page.FeedItem("after the return")).ToHaveCountAsync(1);
        Assert.Equal(["after the return", .. missed.Reverse(), "before the cut"], await page.FeedTextsAsync());
        Assert.Equal(new[] { 6L, 5, 4, 3, 2, 1 }.Select(s => $"#{s}"), await page.FeedItems.Locator(".sequence").AllTextContentsAsync());
        await Expect(page.Content).ToHaveTextAsync($"start\nbefore the cut\n{string.Join('\n', missed)}\nafter the return");
        await Expect(page.Notices).ToBeEmptyAsync(); // four missed updates are well within the replay window: no gap
        await page.ScreenshotAsync("reconnect-caught-up");
        page.AssertNoScriptErrors();
    }

    [Fact]
    public async Task APageAwayForMoreThanTheReplayWindowTakesTheContentAndSaysOlderUpdatesAreNotShown()
    {
        using var small = new GatewayFactory(null, new Dictionary<string, string?> { ["Hub:MaxReplayUpdates"] = "3" });
        using var http = small.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http, "start");
        await using var proxy = new TcpCutProxy(small.HttpAddress);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, proxy.Address, $"/?subject={subject}");
        await page.ExpectSubjectShownAsync(subject);
        (await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = "seen" })).EnsureSuccessStatusCode();
        await Expect(page.FeedItem("seen")).ToHaveCountAsync(1);

        proxy.Cut();
        await Expect(page.ConnectionState).ToHaveAttributeAsync("data-state", ReconnectingOrOffline());
        var missed = Enumerable.Range(1, 6).Select(i => $"missed {i}").ToArray();
        foreach (var text in missed)
            (await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text })).EnsureSuccessStatusCode();
        proxy.Restore();

        await Expect(page.ConnectionState).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Notices).ToContainTextAsync("Some older updates are not shown");
        await Expect(page.Content).ToHaveTextAsync($"start\nseen\n{string.Join('\n', missed)}");
        Assert.Equal(["missed 6", "missed 5", "missed 4", "seen"], await page.FeedTextsAsync());
        await Expect(page.Page.Locator("#feed .feed-gap")).ToHaveTextAsync("Some updates after #1 are not shown here.");
        await page.ScreenshotAsync("reconnect-gap");
        page.AssertNoScriptErrors();
    }

    private async Task PostOverRestAsync(string subject, string text) =>
        (await _http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text })).EnsureSuccessStatusCode();

    /// <summary>Reads publications until one ends with <paramref name="text"/> (probes may come first).</summary>
    private static string ReceiveUntil(Func<string> receive, string text)
    {
        string frame;
        do
            frame = receive();
        while (!frame.EndsWith("\n" + text, StringComparison.Ordinal));
        return frame;
    }

    private static async Task<string> ReceiveUntilAsync(Func<Task<string>> receive, string text)
    {
        string frame;
        do
            frame = await receive();
        while (!frame.EndsWith("\n" + text, StringComparison.Ordinal));
        return frame;
    }

    [GeneratedRegex("^(reconnecting|offline)$")]
    private static partial Regex ReconnectingOrOffline();

    [GeneratedRegex("^(Reconnecting|Offline)")]
    private static partial Regex ReconnectingOrOfflineText();
}
