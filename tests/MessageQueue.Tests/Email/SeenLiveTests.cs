using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Storage;
using MessageQueue.Tests.Dashboard;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.Email;

/// <summary>
/// Seen live, not mailed: an update the dashboard that registered an address showed is left out of that address's
/// mail; one that came after the page closed is mailed; an address that wants everything gets everything.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class SeenLiveTests(BrowserFixture browser)
{
    [Fact]
    public async Task AnUpdateThePageShowedIsNotMailedAndOneAfterThePageClosedIs()
    {
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = SeenLiveGateway(smtp);
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);

        var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        await page.SelectAsync(subject);
        foreach (var address in new[] { "ada@example.com", "bob@example.com" })
        {
            await page.Page.GetByLabel("Email address").FillAsync(address);
            await page.Page.GetByRole(AriaRole.Button, new() { Name = "Register email" }).ClickAsync();
            await Expect(page.Page.Locator("#email-status")).ToContainTextAsync($"{address} gets the updates of {subject} by mail");
        }
        // Bob wants every update by mail, seen or not; the marker registered elsewhere, with no page.
        var bob = await ApiAssert.Json(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/bob%40example.com", new { mailEvenWhenSeen = true }), HttpStatusCode.OK);
        Assert.True(bob.GetProperty("mailEvenWhenSeen").GetBoolean());
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "marker@example.com" }), HttpStatusCode.Created);

        await PostAsync(http, subject, "shown on the page");
        await Expect(page.FeedItem("shown on the page")).ToHaveCountAsync(1);
        var first = await smtp.WaitForAsync(2);
        Assert.Equal(["bob@example.com", "marker@example.com"], first.SelectMany(MailAssert.EnvelopeRecipients).Order());
        // Ada's mail would have been composed with the marker's, in one statement: there is none, not one on its way.
        Assert.Empty(await DeliveriesToAsync(gateway, "ada@example.com"));
        page.AssertNoScriptErrors();

        await page.DisposeAsync();
        await PostAsync(http, subject, "after the page closed");
        var mails = await smtp.WaitForAsync(5);
        var toAda = Assert.Single(mails, m => MailAssert.EnvelopeRecipients(m).Contains("ada@example.com"));
        Assert.Equal([2L], MailAssert.ReportedSequences(toAda));
        Assert.DoesNotContain("shown on the page", toAda.TextBody);
    }

    [Fact]
    public async Task AfterItsConnectionDropsAndComesBackThePageStillSpeaksForTheAddressItRegistered()
    {
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = SeenLiveGateway(smtp);
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await using var proxy = new TcpCutProxy(gateway.HttpAddress);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, proxy.Address);
        await page.SelectAsync(subject);
        await page.Page.GetByLabel("Email address").FillAsync("ada@example.com");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Register email" }).ClickAsync();
        await Expect(page.Page.Locator("#email-status")).ToContainTextAsync("ada@example.com gets the updates");
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "marker@example.com" }), HttpStatusCode.Created);

        proxy.Cut();
        await Expect(page.ConnectionState).Not.ToHaveAttributeAsync("data-state", "connected");
        proxy.Restore();
        await Expect(page.ConnectionState).ToHaveAttributeAsync("data-state", "connected");
        // Subscribed again: the page shows what comes next.
        await PostAsync(http, subject, "after the return");
        await Expect(page.FeedItem("after the return")).ToHaveCountAsync(1);

        Assert.Equal(["marker@example.com"], MailAssert.EnvelopeRecipients(Assert.Single(await smtp.WaitForAsync(1))));
        Assert.Empty(await DeliveriesToAsync(gateway, "ada@example.com"));
        page.AssertNoScriptErrors();
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.PostgreSql)]
    public async Task AConnectionSpeaksOnlyForAddressesItRegisteredOnSubjectsItReceivesAndNeverSkipsAGap(StoreProvider store)
    {
        // No mail goes within the test's time (the sender composes all along, and finds nothing old enough): only the
        // browsers' word moves the marks.
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Email:ConfirmSubscriptions"] = "false", ["Email:SeenGraceSeconds"] = "600" },
            store: store);
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "ada@example.com" }), HttpStatusCode.Created);
        await using var bea = await HubPeer.ConnectAsync(gateway.HttpAddress); // registers bea, and receives the subject
        await bea.Connection.InvokeAsync<object>("RegisterEmail", subject, "Bea@Example.com");
        await bea.SubscribeAsync(subject);
        await using var cy = await HubPeer.ConnectAsync(gateway.HttpAddress); // registers cy, and does not receive it yet
        await cy.Connection.InvokeAsync<object>("RegisterEmail", subject, "cy@example.com");

        await PostAsync(http, subject, "one");
        await cy.Connection.InvokeAsync("Seen", subject, 1L, 1L);
        await bea.Connection.InvokeAsync("Seen", subject, 1L, 1L);
        // Each report is written in the order it came: once bea's is, cy's would have been, and ada's.
        await Poll.UntilAsync(async () => await MailedThroughAsync(gateway, "bea@example.com") == 1, () => "bea's mark did not move to 1.");
        Assert.Equal(0, await MailedThroughAsync(gateway, "cy@example.com"));
        Assert.Equal(0, await MailedThroughAsync(gateway, "ada@example.com"));

        await PostAsync(http, subject, "two");
        await PostAsync(http, subject, "three");
        await bea.Connection.InvokeAsync("Seen", subject, 3L, 3L); // update 2 was not seen: it is mailed, and what follows with it
        await cy.SubscribeAsync(subject);
        await cy.Connection.InvokeAsync("Seen", subject, 1L, long.MaxValue); // nobody saw updates that do not exist yet
        await Poll.UntilAsync(async () => await MailedThroughAsync(gateway, "cy@example.com") == 3, () => "cy's mark did not move to 3.");
        Assert.Equal(1, await MailedThroughAsync(gateway, "bea@example.com"));

        // Registering an address that was registered before speaks only for what comes after: updates 1 to 3 went
        // before this connection registered ada, whatever it says.
        await using var late = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await late.Connection.InvokeAsync<object>("RegisterEmail", subject, "ada@example.com");
        await late.SubscribeAsync(subject);
        await late.Connection.InvokeAsync("Seen", subject, 1L, 3L);
        await PostAsync(http, subject, "four");
        await bea.Connection.InvokeAsync("Seen", subject, 2L, 4L);
        await Poll.UntilAsync(async () => await MailedThroughAsync(gateway, "bea@example.com") == 4, () => "bea's mark did not move to 4.");
        Assert.Equal(0, await MailedThroughAsync(gateway, "ada@example.com"));

        var refused = await Assert.ThrowsAsync<HubException>(() => bea.Connection.InvokeAsync("Seen", subject, 3L, 2L));
        Assert.Contains("from <= through", refused.Message);
    }

    private static GatewayFactory SeenLiveGateway(SmtpSink smtp) => new(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port))
    {
        ["Email:ConfirmSubscriptions"] = "false",
        ["Email:MinIntervalSeconds"] = "0",
        // Long enough for the page's word to arrive first on a busy test machine; each mail waits this long.
        ["Email:SeenGraceSeconds"] = "3",
    });

    private static async Task PostAsync(HttpClient http, string subject, string text) =>
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text }), HttpStatusCode.Created);

    private static async Task<List<DeliveryEntity>> DeliveriesToAsync(GatewayFactory gateway, string email)
    {
        await using var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().Where(d => d.Email == email && d.FirstSequence != null).ToListAsync();
    }

    private static async Task<long> MailedThroughAsync(GatewayFactory gateway, string email)
    {
        await using var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync();
        return await db.Subscriptions.AsNoTracking().Where(s => s.NormalizedEmail == email).Select(s => s.MailedThrough).SingleAsync();
    }
}
