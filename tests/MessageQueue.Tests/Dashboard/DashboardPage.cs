using System.Collections.Concurrent;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>The dashboard in its own browser context, with the few moves tests make on it.</summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _pageErrors = new();

    private DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => _pageErrors.Enqueue(error);
    }

    public IPage Page { get; }

    public ILocator ConnectionState => Page.Locator("#connection-state");

    public ILocator Title => Page.Locator("#subject-title");

    public ILocator Content => Page.Locator("#subject-content");

    public ILocator FeedItems => Page.Locator("#feed .feed-item");

    public ILocator Notices => Page.Locator("#subject-notices");

    public ILocator SubscribeToggle => Page.Locator("#subscribe-toggle");

    /// <summary>Opens <paramref name="path"/> of <paramref name="gateway"/> and waits until the page says it is connected.</summary>
    public static async Task<DashboardPage> OpenAsync(IBrowser browser, Uri gateway, string path = "/", int width = 1280, int height = 900)
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = gateway.ToString(),
            ViewportSize = new() { Width = width, Height = height },
        });
        var dashboard = new DashboardPage(context, await context.NewPageAsync());
        await dashboard.Page.GotoAsync(path);
        await Expect(dashboard.ConnectionState).ToHaveAttributeAsync("data-state", "connected");
        return dashboard;
    }

    /// <summary>The subject's entry in the list.</summary>
    public ILocator SubjectButton(string subject) => Page.Locator($"#subject-list button[data-subject='{subject}']");

    /// <summary>Clicks the subject in the list and waits until its content is shown.</summary>
    public async Task SelectAsync(string subject)
    {
        await SubjectButton(subject).ClickAsync();
        await ExpectSubjectShownAsync(subject);
    }

    public async Task ExpectSubjectShownAsync(string subject)
    {
        await Expect(Title).ToHaveTextAsync(subject);
        await Expect(Content).ToHaveAttributeAsync("aria-busy", "false");
    }

    /// <summary>Turns the subscription of the selected subject on.</summary>
    public async Task SubscribeAsync()
    {
        await Expect(SubscribeToggle).ToHaveAttributeAsync("aria-pressed", "false");
        await SubscribeToggle.ClickAsync();
        await Expect(SubscribeToggle).ToHaveAttributeAsync("aria-pressed", "true");
    }

    /// <summary>Types an update into the form and presses its button, as a person does.</summary>
    public async Task PostAsync(string text)
    {
        await Page.GetByLabel("New update").FillAsync(text);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Post update" }).ClickAsync();
    }

    /// <summary>The feed item whose text is exactly <paramref name="text"/>.</summary>
    public ILocator FeedItem(string text) =>
        FeedItems.Filter(new() { Has = Page.Locator(".feed-text").GetByText(text, new() { Exact = true }) });

    /// <summary>Every feed text, as shown: newest first.</summary>
    public Task<IReadOnlyList<string>> FeedTextsAsync() => Page.Locator("#feed .feed-text").AllTextContentsAsync();

    /// <summary>Saves a full-page screenshot under artifacts/screenshots/ at the repository root.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var directory = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        await Page.ScreenshotAsync(new() { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    /// <summary>Fails the test if a script on the page threw (uncaught exceptions and unhandled rejections).</summary>
    public void AssertNoScriptErrors() => Assert.True(_pageErrors.IsEmpty, "Script errors: " + string.Join("\n", _pageErrors));

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
