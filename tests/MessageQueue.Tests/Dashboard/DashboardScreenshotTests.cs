using System.Buffers.Binary;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>
/// The README's picture of the dashboard: taken from a real gateway with live updates from every door, and saved
/// into the repository (docs/images/dashboard.png) so it stays current with the page. Commit it when it changes.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class DashboardScreenshotTests(BrowserFixture browser, DashboardGateway gateway) : IClassFixture<DashboardGateway>
{
    private const int Width = 1280;
    private const int Height = 800;
    private const int MaxBytes = 300 * 1024;

    public static string ImagePath => Path.Combine(RepositoryPaths.Root, "docs", "images", "dashboard.png");

    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task TheDashboardWithLiveUpdatesFromEveryDoorIsSavedAsTheReadmeScreenshot()
    {
        // A fresh gateway holds the four subjects of the original server; listeners on React from the other doors
        // (the SUB socket is not probed with updates, which would show in the content: the page counts it instead).
        using var legacy = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        using var zmq = new LegacySubscriber(gateway.Zmq.PublishEndpoint, "React");
        await using var stream = await EventStreamClient.OpenAsync(_http, "/api/subjects/React/events");
        (await _http.PostAsJsonAsync("/api/subjects/React/subscriptions", new { email = "reader@example.com" })).EnsureSuccessStatusCode();
        await PostOverRestAsync("NodeJs", "Node.js 26 enters long-term support.");

        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress, "/?subject=React", Width, Height);
        await page.ExpectSubjectShownAsync("React");
        await page.SubscribeAsync();
        var row = page.Page.Locator("#listener-rows tr[data-subject='React']");
        await Expect(row.Locator("td[data-count='browsers']")).ToHaveTextAsync("1");
        await Expect(row.Locator("td[data-count='zmq']")).ToHaveTextAsync("1"); // the SUB socket's subscription has arrived
        await Expect(row.Locator("td[data-count='streams']")).ToHaveTextAsync("1");

        // One live update per door, as a reader would see them arrive.
        Assert.Equal("isSuccess", legacy.Request(new { type = "3", subject = "React", updateMessage = "React Compiler 2.0 is stable." }));
        await PostOverRestAsync("React", "Server Components docs rewritten.");
        await page.PostAsync("Release notes for React 20 are out.");

        await Expect(page.FeedItems).ToHaveCountAsync(3);
        await Expect(page.FeedItem("Release notes for React 20 are out.").Locator(".door")).ToHaveTextAsync("hub");
        await Expect(page.FeedItem("Server Components docs rewritten.").Locator(".door")).ToHaveTextAsync("rest");
        await Expect(page.FeedItem("React Compiler 2.0 is stable.").Locator(".door")).ToHaveTextAsync("zmq");
        await Expect(page.Content).ToContainTextAsync("Release notes for React 20 are out.");
        foreach (var subject in new[] { "SpringBoot", "NodeJs", "React", "Django" })
            await Expect(page.SubjectButton(subject)).ToBeVisibleAsync();
        Assert.EndsWith("\nReact Compiler 2.0 is stable.", zmq.Receive(), StringComparison.Ordinal);
        Assert.Equal("React Compiler 2.0 is stable.", (await stream.NextAsync()).Json.GetProperty("text").GetString());
        await Expect(page.ConnectionState).ToHaveTextAsync("Connected");
        page.AssertNoScriptErrors();

        Directory.CreateDirectory(Path.GetDirectoryName(ImagePath)!);
        await page.Page.ScreenshotAsync(new() { Path = ImagePath, FullPage = false });

        var png = await File.ReadAllBytesAsync(ImagePath);
        Assert.True(png.Length <= MaxBytes, $"{ImagePath} is {png.Length} bytes, more than {MaxBytes}.");
        Assert.Equal((Width, Height), PngSize(png));
    }

    private async Task PostOverRestAsync(string subject, string text) =>
        (await _http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text })).EnsureSuccessStatusCode();

    /// <summary>Width and height from a PNG's IHDR chunk, which follows the 8-byte signature and the chunk's length and type.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), "Not a PNG.");
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
