using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Ingest;
using static MessageQueue.Tests.Ingest.IngestAssert;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>A pyzmq PUSH service feeding a pull source: its messages appear live in a browser, and the operations panel shows the source.</summary>
[Collection(BrowserTests.Name)]
public sealed class IngestDashboardTests(BrowserFixture browser)
{
    [Fact]
    public async Task PushedMessagesAppearLiveAndTheSourceIsShownWithItsRates()
    {
        const string Source = "telemetry";
        var subject = ApiAssert.NewSubjectName();
        using var gateway = new GatewayFactory(null, IngestAssert.Source(0, ("Name", Source), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"),
            ("Subject", subject), ("CreateSubjects", "true")).With("Hub:OverviewIntervalMilliseconds", "200").With("Instance:Name", "gw-1"));
        using var http = gateway.CreateClient();
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, Source));
        await pusher.SendAsync("boiler 71.5 C");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count == 1, () => "The first pushed message was not stored.");

        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        await page.SelectAsync(subject);
        await page.SubscribeAsync();
        await pusher.SendAsync("boiler 72.0 C");
        await pusher.SendAsync("a", "b", "c"); // not an update: dropped, and counted on the panel

        var pushed = page.FeedItem("boiler 72.0 C");
        await Expect(pushed).ToHaveCountAsync(1);
        await Expect(pushed.Locator(".door")).ToHaveTextAsync($"zmq-ingest:{Source}");
        var row = page.Page.Locator($"#source-rows tr[data-source='{Source}']");
        await Expect(page.Page.Locator("#ingest")).ToBeVisibleAsync();
        await Expect(row.Locator("td[data-field='state']")).ToHaveTextAsync("reading");
        await Expect(row.Locator("td[data-field='peers']")).ToHaveTextAsync("1");
        await Expect(row.Locator("td[data-field='stored']")).ToHaveTextAsync("2");
        await Expect(row.Locator("td[data-field='dropped']")).ToHaveTextAsync("1");
        await Expect(page.Page.Locator("#total-rate")).ToHaveTextAsync("2"); // ingested updates count like any door's
        await page.ScreenshotAsync("ingest");
        page.AssertNoScriptErrors();
    }
}
