using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Dashboard;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Email;

/// <summary>The page a mail's settings link opens: every subject of the address, its mode, unsubscribe; with or without JavaScript.</summary>
[Collection(BrowserTests.Name)]
public sealed class PreferencesPageTests(BrowserFixture browser)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task APersonChoosesADigestForOneSubjectLeavesAnotherThenLeavesAll(bool javaScript)
    {
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = Gateway(smtp, TimeProvider.System);
        using var http = gateway.CreateClient();
        var (first, second) = (await ApiAssert.NewSubjectAsync(http), await ApiAssert.NewSubjectAsync(http));
        await RegisterAsync(http, first, "ada@example.com");
        await RegisterAsync(http, second, "ADA@example.com");
        await RegisterAsync(http, first, "bob@example.com"); // someone else's: not on Ada's page
        var link = await SettingsLinkAsync(http, smtp, first, "ada@example.com");

        await using var context = await browser.Browser.NewContextAsync(new() { JavaScriptEnabled = javaScript });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(gateway.HttpAddress, link).ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your mail" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Group)).ToHaveCountAsync(2);
        await Expect(page.GetByText("bob@example.com")).ToHaveCountAsync(0);

        var firstGroup = page.GetByRole(AriaRole.Group, new() { Name = first });
        await Expect(firstGroup.GetByLabel("As it happens", new() { Exact = false })).ToBeCheckedAsync();
        const string seenLive = "Mail me even the updates I already saw live on the dashboard";
        await firstGroup.GetByLabel("A digest", new() { Exact = false }).CheckAsync();
        await Expect(firstGroup.GetByLabel(seenLive)).Not.ToBeCheckedAsync();
        await firstGroup.GetByLabel(seenLive).CheckAsync();
        await firstGroup.GetByRole(AriaRole.Button, new() { Name = $"Save for {first}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Saved: {first}");
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = first }).GetByLabel("A digest", new() { Exact = false })).ToBeCheckedAsync();
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = first }).GetByLabel(seenLive)).ToBeCheckedAsync();
        var saved = await RegistrationAsync(http, first, "ada@example.com");
        Assert.Equal(("digest", true), (saved.GetProperty("mode").GetString(), saved.GetProperty("mailEvenWhenSeen").GetBoolean()));

        await page.GetByRole(AriaRole.Button, new() { Name = $"Unsubscribe from {second}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Unsubscribed from {second}.");
        await Expect(page.GetByRole(AriaRole.Group)).ToHaveCountAsync(1);
        Assert.Equal(0, (await ApiAssert.Json(await http.GetAsync($"/api/subjects/{second}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32());

        await page.GetByRole(AriaRole.Button, new() { Name = "Unsubscribe from every subject" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Unsubscribed from every subject.");
        await Expect(page.GetByText("registered on no subject")).ToBeVisibleAsync();
        Assert.Equal(1, (await ApiAssert.Json(await http.GetAsync($"/api/subjects/{first}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32()); // Bob's
    }

    [Fact]
    public async Task TheUnsubscribeLinksButtonWorksInABrowser()
    {
        // A browser's form post says its origin; with Referrer-Policy no-referrer it said "null", which the origin check refused.
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = Gateway(smtp, TimeProvider.System);
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await RegisterAsync(http, subject, "ada@example.com");
        await SettingsLinkAsync(http, smtp, subject, "ada@example.com");
        var unsubscribe = MailAssert.LinkTo(smtp.Messages().Last(), "/api/email/unsubscribe");

        await using var context = await browser.Browser.NewContextAsync(new() { JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(gateway.HttpAddress, unsubscribe).ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Unsubscribe" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Unsubscribed" })).ToBeVisibleAsync();
        Assert.Equal(0, (await ApiAssert.Json(await http.GetAsync($"/api/subjects/{subject}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32());
    }

    [Fact]
    public async Task AForgedOrExpiredLinkIsRefusedAndChangesNothing()
    {
        using var smtp = await SmtpSink.StartAsync();
        var clock = new ShiftedClock();
        using var gateway = Gateway(smtp, clock);
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await RegisterAsync(http, subject, "ada@example.com");
        var link = await SettingsLinkAsync(http, smtp, subject, "ada@example.com");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(link)).StatusCode);

        var forged = link[..^3] + (link[^3] == 'A' ? "B" : "A") + link[^2..];
        var refused = await http.GetAsync(forged);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not valid", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromDays(31));
        var expired = await http.GetAsync(link);
        Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var form = new FormUrlEncodedContent([new("action", "unsubscribe-all")]);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync(link, form)).StatusCode);
        Assert.Equal(1, (await ApiAssert.Json(await http.GetAsync($"/api/subjects/{subject}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32());
    }

    private static GatewayFactory Gateway(SmtpSink smtp, TimeProvider clock) =>
        new(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port)) { ["Email:ConfirmSubscriptions"] = "false" },
            host => host.ConfigureTestServices(services => services.AddSingleton(clock)));

    private static async Task RegisterAsync(HttpClient http, string subject, string email) =>
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email }), HttpStatusCode.Created);

    /// <summary>Posts an update and returns the settings link (path and query) of the mail it sends <paramref name="email"/>.</summary>
    private static async Task<string> SettingsLinkAsync(HttpClient http, SmtpSink smtp, string subject, string email)
    {
        var before = smtp.Messages().Count;
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = "news" }), HttpStatusCode.Created);
        // Others registered on the subject are mailed in the same round, in any order: wait for this address's mail.
        var mail = await Poll.ForAsync(() => Task.FromResult(smtp.Messages().Skip(before).LastOrDefault(m => MailAssert.EnvelopeRecipients(m).Contains(email))),
            found => found is not null, _ => $"No mail to {email} arrived.");
        return MailAssert.LinkTo(mail!, "/api/email/preferences");
    }

    /// <summary>The registration as REST answers it, read through a PUT that changes nothing.</summary>
    private static async Task<System.Text.Json.JsonElement> RegistrationAsync(HttpClient http, string subject, string email) =>
        await ApiAssert.Json(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/{Uri.EscapeDataString(email)}", new { mode = "digest" }), HttpStatusCode.OK);
}
