using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>The operations panel and the list's counts follow who listens (browsers, ZeroMQ, event streams), and the chart follows the updates.</summary>
[Collection(BrowserTests.Name)]
public sealed class OperationsPanelTests(BrowserFixture browser, DashboardGateway gateway) : IClassFixture<DashboardGateway>
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task BrowsersZmqSubscribersAndEventStreamsAreCountedPerSubjectAndTheChartShowsTheUpdates()
    {
        var watched = await ApiAssert.NewSubjectAsync(_http);
        var pinned = await ApiAssert.NewSubjectAsync(_http);
        using var legacy = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var zmq = new LegacySubscriber(gateway.Zmq.PublishEndpoint, watched);
        zmq.WaitUntilJoined(legacy, watched); // the probe is also an update: the chart has something to show
        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{watched}/events");

        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        // Subscribed to one, then viewing another: both stay subscribed; the page counts once in the total.
        await page.SelectAsync(pinned);
        await page.SubscribeAsync();
        await page.SelectAsync(watched);

        var row = page.Page.Locator($"#listener-rows tr[data-subject='{watched}']");
        await Expect(row.Locator("td[data-count='browsers']")).ToHaveTextAsync("1");
        await Expect(row.Locator("td[data-count='zmq']")).ToHaveTextAsync("1");
        await Expect(row.Locator("td[data-count='streams']")).ToHaveTextAsync("1");
        await Expect(page.Page.Locator("#subject-meta")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("1 browser · 1 ZeroMQ subscriber · 1 event stream$"));
        await Expect(page.Page.Locator($"#listener-rows tr[data-subject='{pinned}'] td[data-count='browsers']")).ToHaveTextAsync("1");
        var listed = page.SubjectButton(watched);
        await Expect(listed.Locator("[data-count='browsers']")).ToHaveTextAsync("1 browser");
        await Expect(listed.Locator("[data-count='zmq']")).ToHaveTextAsync("1 ZeroMQ");
        await Expect(page.SubjectButton(pinned).Locator(".pill-subscribed")).ToBeVisibleAsync();
        await Expect(page.SubjectButton(watched).Locator(".pill-subscribed")).ToBeHiddenAsync();
        Assert.True(int.Parse(await page.Page.Locator("#total-browsers").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.True(int.Parse(await page.Page.Locator("#total-zmq").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.True(int.Parse(await page.Page.Locator("#total-streams").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // One instance on SQLite: the list of instances is this one, counted as the totals are.
        var instance = page.Page.Locator("#instance-list li");
        await Expect(instance).ToHaveCountAsync(1);
        await Expect(instance).ToHaveClassAsync("this");
        await Expect(instance).ToContainTextAsync("(this page)");
        await Expect(instance.Locator("[data-count='browsers']")).ToHaveTextAsync(
            new System.Text.RegularExpressions.Regex($"^{await page.Page.Locator("#total-browsers").TextContentAsync()} browsers?$"));

        // The chart: 30 bars, the newest not empty, and a description for screen readers.
        var bars = page.Page.Locator("#rate-chart svg rect.bar");
        await Expect(bars).ToHaveCountAsync(30);
        await Expect(bars.Last).Not.ToHaveAttributeAsync("height", "0.0");
        await Expect(page.Page.Locator("#rate-chart svg")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex(@"Updates per minute over the last 5 minutes: [1-9]\d* now"));

        // An update of the subscribed subject, while viewing the other, counts as new in the list.
        (await _http.PostAsJsonAsync($"/api/subjects/{pinned}/updates", new { text = "while away" })).EnsureSuccessStatusCode();
        await Expect(page.SubjectButton(pinned).Locator(".pill-unread")).ToHaveTextAsync("1 new");
        await Expect(page.Page).ToHaveTitleAsync("(1) MessageQueue dashboard");

        // A subscriber that leaves is no longer counted.
        zmq.Dispose();
        await Expect(row.Locator("td[data-count='zmq']")).ToHaveTextAsync("0");
        await Expect(listed.Locator("[data-count='zmq']")).ToHaveTextAsync("0 ZeroMQ");
        await page.ScreenshotAsync("operations");
        page.AssertNoScriptErrors();
    }

    [Fact]
    public async Task TheEmailOutboxCountsFollowTheOutbox()
    {
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        await Expect(page.Page.Locator("#outbox-status")).ToHaveAttributeAsync("data-state", "loaded");
        var before = await SentAsync();
        await Expect(page.Page.Locator("#outbox-sent")).ToHaveTextAsync($"{before}");

        // A registration's confirmation mail goes through the outbox (into the pickup folder here).
        var subject = await ApiAssert.NewSubjectAsync(_http);
        (await _http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "ops@example.com" })).EnsureSuccessStatusCode();
        await Poll.UntilAsync(async () => await SentAsync() == before + 1, () => "The confirmation mail was not sent.");
        await Expect(page.Page.Locator("#outbox-sent")).ToHaveTextAsync($"{before + 1}"); // the page fetches every 5 s
        foreach (var field in new[] { "awaitingExpansion", "pending", "retrying", "parked" })
            await Expect(page.Page.Locator($"#outbox-{field}")).ToHaveTextAsync("0");
        await page.ScreenshotAsync("outbox");
        page.AssertNoScriptErrors();
    }

    private async Task<int> SentAsync() =>
        (await _http.GetFromJsonAsync<Dictionary<string, int>>("/api/email/outbox"))!["sent"];
}
