using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Dashboard;

/// <summary>The page itself: labels, a phone-sized screen, where it fetches from, and its catch-up rules in isolation.</summary>
[Collection(BrowserTests.Name)]
public sealed partial class DashboardPageTests(BrowserFixture browser, DashboardGateway gateway) : IClassFixture<DashboardGateway>
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task EveryControlHasAnAccessibleNameAndTheSwaggerLinkIsThere()
    {
        var subject = await ApiAssert.NewSubjectAsync(_http);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress, $"/?subject={subject}");
        await page.ExpectSubjectShownAsync(subject);

        await page.Page.Locator("#key-summary").ClickAsync(); // the API key panel, closed at first
        var fields = page.Page.Locator("input, textarea, select");
        var count = await fields.CountAsync();
        Assert.True(count >= 4, $"Only {count} fields on the page.");
        for (var i = 0; i < count; i++)
            await Expect(fields.Nth(i)).ToHaveAccessibleNameAsync(NonBlank());
        foreach (var label in new[] { "Name", "Initial content (optional)", "New update", "Email address", "API key" })
            await Expect(page.Page.GetByLabel(label, new() { Exact = true })).ToHaveCountAsync(1);

        var buttons = page.Page.GetByRole(AriaRole.Button);
        for (var i = 0; i < await buttons.CountAsync(); i++)
            await Expect(buttons.Nth(i)).ToHaveAccessibleNameAsync(NonBlank());
        await Expect(page.Page.GetByRole(AriaRole.Link, new() { Name = "API documentation (Swagger UI)" })).ToHaveAttributeAsync("href", "/swagger");
        await Expect(page.ConnectionState).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(page.Page.Locator("#feed")).ToHaveAttributeAsync("aria-live", "polite");

        // Keyboard: Tab reaches the subject list, Enter selects.
        await page.Page.Locator("body").FocusAsync();
        for (var i = 0; i < 40 && !await page.SubjectButton("React").EvaluateAsync<bool>("e => e === document.activeElement"); i++)
            await page.Page.Keyboard.PressAsync("Tab");
        await page.Page.Keyboard.PressAsync("Enter");
        await page.ExpectSubjectShownAsync("React");
        page.AssertNoScriptErrors();
    }

    [Fact]
    public async Task At360PixelsWideNothingScrollsSideways()
    {
        // The longest name there can be and an unbroken update: the worst a narrow screen gets.
        var subject = "w" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N")[..31];
        await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects", new { name = subject, content = new string('x', 300) }), System.Net.HttpStatusCode.Created);
        (await _http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = new string('y', 500) })).EnsureSuccessStatusCode();

        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress, $"/?subject={subject}", width: 360, height: 740);
        await page.ExpectSubjectShownAsync(subject);
        await Expect(page.FeedItems).ToHaveCountAsync(1);
        await Expect(page.Page.Locator("#rate-chart svg")).ToBeVisibleAsync();
        Assert.True(await page.Page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 360);
        await page.ScreenshotAsync("narrow-360");
        page.AssertNoScriptErrors();
    }

    [Fact]
    public async Task ThePageRequestsNothingFromAnyOtherHostAndRunsUnderAStrictContentSecurityPolicy()
    {
        var subject = await ApiAssert.NewSubjectAsync(_http);
        var requests = new ConcurrentQueue<string>();
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = gateway.HttpAddress.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            page.Request += (_, request) => requests.Enqueue(request.Url);
            page.WebSocket += (_, socket) => requests.Enqueue(socket.Url);
            // The policy the gateway will send one day: no inline script or style, nothing from elsewhere.
            await page.RouteAsync(url => new Uri(url).AbsolutePath == "/", async route =>
            {
                var response = await route.FetchAsync();
                var headers = new Dictionary<string, string>(response.Headers) { ["content-security-policy"] = "default-src 'self'" };
                await route.FulfillAsync(new() { Response = response, Headers = headers });
            });
            await page.AddInitScriptAsync("""
                window.cspViolations = [];
                document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
                """);
            await page.GotoAsync($"/?subject={subject}");
            await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
            await Expect(page.Locator("#outbox-status")).ToHaveAttributeAsync("data-state", "loaded");
            await page.GetByLabel("New update").FillAsync("hello");
            await page.GetByLabel("New update").PressAsync("Control+Enter");
            await Expect(page.Locator("#feed .feed-text")).ToHaveTextAsync("hello");
            await Expect(page.Locator("#rate-chart svg rect.bar").Last).Not.ToHaveAttributeAsync("height", "0.0");
            Assert.Equal("[]", await page.EvaluateAsync<string>("JSON.stringify(window.cspViolations)"));
        }
        finally
        {
            await context.CloseAsync();
        }

        var origin = gateway.HttpAddress.GetLeftPart(UriPartial.Authority);
        Assert.Contains(requests, url => url.EndsWith("/lib/signalr.min.js", StringComparison.Ordinal));
        Assert.Contains(requests, url => url.StartsWith($"ws://{gateway.HttpAddress.Authority}/hubs/subjects", StringComparison.Ordinal));
        Assert.All(requests, url => Assert.True(
            url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith($"ws://{gateway.HttpAddress.Authority}/", StringComparison.Ordinal),
            $"Request to another host: {url}"));
    }

    [Fact]
    public async Task AReplyAboutASubjectCreatedAgainUnderTheSameNameIsAGap()
    {
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        var outcome = await page.Page.EvaluateAsync<string>("""
            async () => {
                const { SubjectStream } = await import('/js/subject-stream.js');
                const settled = [];
                const stream = new SubjectStream({ settled: ({ updates, gap }) => settled.push({ updates: updates.map(u => u.sequence), gap }), applied: () => {}, resubscribe: () => {} });
                const u = n => ({ subject: 's', sequence: n, text: 't' + n, timestamp: '2026-01-01T00:00:00Z', door: 'rest' });
                stream.subscribing();
                stream.settle({ subjectId: 1, content: 'c\nt1\nt2\nt3', lastSequence: 3, updates: [], gap: false });
                stream.subscribing();                   // back after a while: Subscribe(s, 3)
                stream.settle({ subjectId: 2, content: 'n\nt1\nt2\nt3\nt4', lastSequence: 4, updates: [u(4)], gap: false });
                return JSON.stringify({ settled, content: stream.content, last: stream.last });
            }
            """);
        Assert.Equal("""{"settled":[{"updates":[],"gap":false},{"updates":[4],"gap":true}],"content":"n\nt1\nt2\nt3\nt4","last":4}""", outcome);
    }

    [Fact]
    public async Task TheCatchUpRulesApplyEachUpdateOnceInOrderAndAskAgainOnAGap()
    {
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        var outcome = await page.Page.EvaluateAsync<string>("""
            async () => {
                const { SubjectStream } = await import('/js/subject-stream.js');
                const log = { settled: [], applied: [], resubscribed: [] };
                const stream = new SubjectStream({
                    settled: ({ updates }) => log.settled.push(updates.map(u => u.sequence)),
                    applied: u => log.applied.push(u.sequence),
                    resubscribe: after => log.resubscribed.push(after),
                });
                const u = n => ({ subject: 's', sequence: n, text: 't' + n, timestamp: '2026-01-01T00:00:00Z', door: 'rest' });
                stream.subscribing();                  // Subscribe(s, 1) sent
                stream.receive(u(3));                   // live updates overtake the reply
                stream.receive(u(4));
                stream.settle({ content: 'c\nt1\nt2\nt3', lastSequence: 3, updates: [u(2), u(3)], gap: false });
                stream.receive(u(4));                   // a duplicate
                stream.receive(u(6));                   // 5 went missing: catch up from 4
                stream.receive(u(7));                   // waits for that catch-up
                stream.settle({ content: 'c\nt1\nt2\nt3\nt4\nt5\nt6', lastSequence: 6, updates: [u(5), u(6)], gap: false });
                return JSON.stringify({ ...log, content: stream.content, last: stream.last, pending: stream.pending });
            }
            """);
        Assert.Equal(
            """{"settled":[[2,3],[5,6]],"applied":[4,7],"resubscribed":[4],"content":"c\nt1\nt2\nt3\nt4\nt5\nt6\nt7","last":7,"pending":false}""",
            outcome);
    }

    [GeneratedRegex(@"\S")]
    private static partial Regex NonBlank();
}
