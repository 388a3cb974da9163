using MessageQueue.Tests.Security;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>With API keys configured, a person reads without a key and enters one on the page to post.</summary>
[Collection(BrowserTests.Name)]
public sealed class DashboardKeyTests(BrowserFixture browser, KeyedGateway gateway) : IClassFixture<KeyedGateway>
{
    [Fact]
    public async Task WithoutAKeyThePageReadsAndSaysWhereToEnterOneAndWithAKeyItPosts()
    {
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress, "/?subject=SpringBoot");
        await page.ExpectSubjectShownAsync("SpringBoot");
        await Expect(page.Page.Locator("#outbox-status")).ToHaveAttributeAsync("data-state", "needs-key");

        await page.PostAsync("posted without a key");
        await Expect(page.Page.Locator("#post-text-error")).ToHaveTextAsync("This needs an API key: enter one under “API key” at the top of the page.");

        await UseKeyAsync(page, "not-a-key-the-gateway-knows");
        await Expect(page.ConnectionState).ToHaveAttributeAsync("data-state", "refused");

        // The key travels as the hub's access token (in the WebSocket's query) and as X-Api-Key for the outbox.
        await UseKeyAsync(page, KeyedGateway.AdminKey);
        await Expect(page.ConnectionState).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Page.Locator("#key-summary")).ToHaveTextAsync("API key: set");
        await Expect(page.Page.Locator("#outbox-status")).ToHaveAttributeAsync("data-state", "loaded");
        await page.PostAsync("posted with a key");
        await Expect(page.FeedItem("posted with a key")).ToHaveCountAsync(1);
        await page.ScreenshotAsync("api-key");

        await page.Page.Locator("#key-forget").ClickAsync();
        await Expect(page.Page.Locator("#key-summary")).ToHaveTextAsync("API key");
        await Expect(page.Page.Locator("#outbox-status")).ToHaveAttributeAsync("data-state", "needs-key");
        page.AssertNoScriptErrors();
    }

    private static async Task UseKeyAsync(DashboardPage page, string key)
    {
        var panel = page.Page.Locator(".key-panel");
        if (await panel.GetAttributeAsync("open") is null)
            await page.Page.Locator("#key-summary").ClickAsync();
        await page.Page.GetByLabel("API key", new() { Exact = true }).FillAsync(key);
        await page.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
    }
}
