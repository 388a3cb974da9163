using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Security;
using Microsoft.AspNetCore.SignalR.Client;

namespace MessageQueue.Tests.Email;

/// <summary>A registration's mode is set over REST and the hub; off mails nothing, and coming back mails only what follows.</summary>
public sealed class MailModeTests
{
    [Fact]
    public async Task OffStopsTheMailsAndImmediateAgainMailsOnlyWhatComesAfter()
    {
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port))
        {
            ["Email:ConfirmSubscriptions"] = "false",
            ["Email:MinIntervalSeconds"] = "0",
        });
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        foreach (var email in new[] { "ada@example.com", "marker@example.com" })
        {
            var registered = await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email }), HttpStatusCode.Created);
            Assert.Equal("immediate", registered.GetProperty("mode").GetString());
        }

        var off = await ApiAssert.Json(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ADA%40example.com", new { mode = "Off" }), HttpStatusCode.OK);
        Assert.Equal(("ada@example.com", "off"), (off.GetProperty("email").GetString(), off.GetProperty("mode").GetString()));
        await PostAsync(http, subject, "while ada is off");
        // The marker's mail went in the same round that would have mailed ada.
        Assert.Equal(["marker@example.com"], MailAssert.EnvelopeRecipients(Assert.Single(await smtp.WaitForAsync(1))));

        await ApiAssert.Json(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ada%40example.com", new { mode = "immediate" }), HttpStatusCode.OK);
        await PostAsync(http, subject, "ada is back");
        var mails = await smtp.WaitForAsync(3);
        var toAda = Assert.Single(mails, m => MailAssert.EnvelopeRecipients(m).Contains("ada@example.com"));
        Assert.Equal([2L], MailAssert.ReportedSequences(toAda));
    }

    [Fact]
    public async Task AModeThatIsNoneOfTheThreeOrAnAddressNotRegisteredIsRefusedNamingIt()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Email:ConfirmSubscriptions"] = "false" });
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "ada@example.com" }), HttpStatusCode.Created);

        foreach (var mode in new[] { "weekly", "1", "", "IMMEDIATE " })
        {
            var refused = await ApiAssert.Problem(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ada%40example.com", new { mode }), HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty("mode", out _), $"'{mode}' was not refused as the mode: {refused}");
        }
        var nothing = await ApiAssert.Problem(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ada%40example.com", new { }), HttpStatusCode.BadRequest);
        Assert.True(nothing.GetProperty("errors").TryGetProperty("mode", out _), $"A change of nothing was not refused: {nothing}");
        var seen = await ApiAssert.Json(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ada%40example.com", new { mailEvenWhenSeen = true }), HttpStatusCode.OK);
        Assert.Equal(("immediate", true), (seen.GetProperty("mode").GetString(), seen.GetProperty("mailEvenWhenSeen").GetBoolean())); // the mode stays
        await ApiAssert.Problem(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/bob%40example.com", new { mode = "digest" }), HttpStatusCode.NotFound);
        Assert.Equal("digest", (await ApiAssert.Json(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ada%40example.com", new { mode = "DIGEST" }), HttpStatusCode.OK))
            .GetProperty("mode").GetString());
    }

    [Fact]
    public async Task WithKeysOnlyAPublisherOrTheMailsOwnTokenChangesTheModeAndTheHubDoesItToo()
    {
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port))
        {
            ["Auth:ApiKeys:0:Key"] = KeyedGateway.PublisherKey,
            ["Auth:ApiKeys:0:Role"] = "publisher",
        });
        using var anonymous = gateway.CreateClient();
        const string subject = "React"; // creating one would need an admin key
        await ApiAssert.Json(await anonymous.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "ada@example.com" }), HttpStatusCode.Created);
        var confirmation = Assert.Single(await smtp.WaitForAsync(1));

        // Registering is open; silencing someone's mail is not.
        await ApiAssert.Problem(await anonymous.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ada%40example.com", new { mode = "off" }), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(MailAssert.LinkTo(confirmation, "/api/email/confirm"))).StatusCode);
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress, KeyedGateway.PublisherKey);
        await hub.PostAsync(subject, "news");
        var update = (await smtp.WaitForAsync(2)).Single(m => m.MessageId != confirmation.MessageId);
        var token = new Uri("http://x" + MailAssert.LinkTo(update, "/api/email/unsubscribe")).Query;

        var byToken = await ApiAssert.Json(await anonymous.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/ada%40example.com{token}", new { mode = "digest" }), HttpStatusCode.OK);
        Assert.Equal("digest", byToken.GetProperty("mode").GetString());
        var byHub = await hub.Connection.InvokeAsync<SubscriptionResource>("SetMailMode", subject, "ada@example.com", "off");
        Assert.Equal(("off", true), (byHub.Mode, byHub.Confirmed));
    }

    private static async Task PostAsync(HttpClient http, string subject, string text) =>
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text }), HttpStatusCode.Created);
}
