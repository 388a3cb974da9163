using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>What a person does with the forms, and the link that notification mails carry.</summary>
[Collection(BrowserTests.Name)]
public sealed class DashboardFormTests(BrowserFixture browser, DashboardGateway gateway) : IClassFixture<DashboardGateway>
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task RefusalsAppearNextToTheFieldTheyConcernAndGoAwayOnSuccess()
    {
        var subject = await ApiAssert.NewSubjectAsync(_http);
        // Someone registered before, on digests: the subject's counts show each mode.
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "bob@example.com" }), System.Net.HttpStatusCode.Created);
        await ApiAssert.Json(await _http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/bob%40example.com", new { mode = "digest" }), System.Net.HttpStatusCode.OK);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        await page.SelectAsync(subject);

        var text = page.Page.GetByLabel("New update");
        await text.FillAsync("   ");
        await text.PressAsync("Control+Enter");
        await Expect(text).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(text).ToHaveAccessibleDescriptionAsync("Ctrl+Enter posts. An update needs some text.");
        await Expect(page.Page.Locator("#post-text-error")).ToHaveTextAsync("An update needs some text.");

        var email = page.Page.GetByLabel("Email address");
        await email.FillAsync("not-an-address");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Register email" }).ClickAsync();
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Page.Locator("#email-address-error")).ToHaveTextAsync("'not-an-address' is not a valid email address.");
        await Expect(email).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("is not a valid email address"));
        await page.ScreenshotAsync("validation");

        // Ctrl+Enter posts; the message and the invalid mark go once the update is accepted.
        await text.FillAsync("a real update");
        await text.PressAsync("Control+Enter");
        await Expect(page.FeedItem("a real update")).ToHaveCountAsync(1);
        await Expect(text).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Page.Locator("#post-text-error")).ToBeEmptyAsync();

        await email.FillAsync("ada@example.com");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Register email" }).ClickAsync();
        await Expect(page.Page.Locator("#email-status")).ToContainTextAsync("ada@example.com is registered. We sent it a confirmation mail");
        await Expect(email).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Page.Locator("#subject-meta")).ToContainTextAsync("2 emails (1 immediate, 1 digest)");

        await email.FillAsync("ada@example.com");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Remove email" }).ClickAsync();
        await Expect(page.Page.Locator("#email-status")).ToHaveTextAsync($"ada@example.com no longer gets the updates of {subject}.");
        await email.FillAsync("ada@example.com");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Remove email" }).ClickAsync();
        await Expect(page.Page.Locator("#email-address-error")).ToContainTextAsync("is not registered");
        page.AssertNoScriptErrors();
    }

    [Fact]
    public async Task ASubjectCreatedOnThePageIsListedAndSelectedAndABadNameIsExplainedNextToTheName()
    {
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        var name = page.Page.GetByLabel("Name", new() { Exact = true });
        var create = page.Page.GetByRole(AriaRole.Button, new() { Name = "Create subject" });

        await name.FillAsync("bad name!");
        await create.ClickAsync();
        await Expect(name).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Page.Locator("#create-name-error")).ToContainTextAsync("starts with a letter or digit");

        var subject = ApiAssert.NewSubjectName();
        await name.FillAsync(subject);
        await page.Page.GetByLabel("Initial content").FillAsync("made in a browser");
        await create.ClickAsync();
        await page.ExpectSubjectShownAsync(subject);
        await Expect(page.Content).ToHaveTextAsync("made in a browser");
        await Expect(page.SubjectButton(subject)).ToHaveAttributeAsync("aria-current", "true");
        await Expect(name).Not.ToHaveAttributeAsync("aria-invalid", "true");
        var stored = await _http.GetFromJsonAsync<SubjectProbe>($"/api/subjects/{subject}");
        Assert.Equal("made in a browser", stored!.Content);
        page.AssertNoScriptErrors();
    }

    [Fact]
    public async Task TheLinkInANotificationMailShowsAndHighlightsTheUpdatesAfterItsSequence()
    {
        var subject = await ApiAssert.NewSubjectAsync(_http, "intro");
        for (var i = 1; i <= 5; i++)
            (await _http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = $"update {i}" })).EnsureSuccessStatusCode();

        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress, $"/?subject={subject}&after=3");
        await page.ExpectSubjectShownAsync(subject);
        await Expect(page.FeedItems).ToHaveCountAsync(2);
        Assert.Equal(["update 5", "update 4"], await page.FeedTextsAsync());
        await Expect(page.Page.Locator("#feed .feed-item.highlight")).ToHaveCountAsync(2);
        await Expect(page.Notices).ToContainTextAsync("the 2 updates after #3");
        await Expect(page.Content).ToHaveTextAsync("intro\nupdate 1\nupdate 2\nupdate 3\nupdate 4\nupdate 5");

        // Live updates follow, not highlighted: they are not what the mail was about.
        (await _http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = "update 6" })).EnsureSuccessStatusCode();
        await Expect(page.FeedItem("update 6")).ToHaveCountAsync(1);
        await Expect(page.FeedItem("update 6")).Not.ToContainClassAsync("highlight");
        await page.ScreenshotAsync("mail-link");
        page.AssertNoScriptErrors();
    }

    [Fact]
    public async Task ADeletedSubjectSaysSoAndLeavesTheList()
    {
        var subject = await ApiAssert.NewSubjectAsync(_http);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress, $"/?subject={subject}");
        await page.ExpectSubjectShownAsync(subject);
        await Expect(page.SubjectButton(subject)).ToHaveCountAsync(1);

        (await _http.DeleteAsync($"/api/subjects/{subject}")).EnsureSuccessStatusCode();
        await Expect(page.Notices).ToContainTextAsync($"Subject {subject} was deleted");
        await Expect(page.SubjectButton(subject)).ToHaveCountAsync(0);
        await Expect(page.Page.Locator("#post-form")).ToHaveJSPropertyAsync("inert", true);
        page.AssertNoScriptErrors();
    }

    private sealed record SubjectProbe(string Content);
}
