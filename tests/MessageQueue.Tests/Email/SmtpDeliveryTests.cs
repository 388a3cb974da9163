using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Email;

/// <summary>Mail through a real SMTP server: confirmation, the update mail itself, unsubscribe links.</summary>
#pragma warning disable CA1001 // xunit disposes through IAsyncLifetime
public sealed class SmtpDeliveryTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private SmtpSink _smtp = null!;
    private GatewayFactory _gateway = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpSink.StartAsync();
        _gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(_smtp.Port))
        {
            ["Smtp:From"] = "Updates <updates@mq.example>",
        });
        _http = _gateway.CreateClient();
    }

    [Fact]
    public async Task ConfirmedAddressesGetTheUpdateMailWithItsLinksAndHeaders()
    {
        var name = await ApiAssert.NewSubjectAsync(_http, "About the subject.");
        var registered = await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "ada@example.com" }), HttpStatusCode.Created);
        Assert.False(registered.GetProperty("confirmed").GetBoolean());

        // Double opt-in: the first mail asks to confirm, and nothing else is sent until then.
        var confirmation = Assert.Single(await _smtp.WaitForAsync(1));
        Assert.Equal(["ada@example.com"], MailAssert.EnvelopeRecipients(confirmation));
        Assert.Contains(name, confirmation.Subject, StringComparison.Ordinal);
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "before confirming" }), HttpStatusCode.Created);
        var confirmed = await _http.GetAsync(MailAssert.LinkTo(confirmation, "/api/email/confirm"));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("Subscription confirmed", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var update = await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "After <confirming> & more" }), HttpStatusCode.Created);

        var mails = await _smtp.WaitForAsync(2);
        var mail = mails[1];
        Assert.Equal(2, mails.Count);
        Assert.Equal(["ada@example.com"], MailAssert.EnvelopeRecipients(mail));
        Assert.Equal($"Pub-Sub System update content - {name}", mail.Subject);
        Assert.Equal("updates@mq.example", mail.From.Mailboxes.Single().Address);
        // The update itself, with its time and door, not the subject's whole content.
        var sequence = update.GetProperty("sequence").GetInt64();
        var time = update.GetProperty("timestamp").GetDateTimeOffset().UtcDateTime;
        var text = mail.TextBody!.ReplaceLineEndings("\n");
        Assert.StartsWith(
            $"Update your subscribe subject!\nSubject : [{name}]\n\nUpdate {sequence}, {time:yyyy-MM-dd HH:mm:ss} UTC, from rest:\nAfter <confirming> & more\n\nRead them on the dashboard: ",
            text, StringComparison.Ordinal);
        Assert.DoesNotContain("About the subject.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("before confirming", text, StringComparison.Ordinal);
        Assert.Contains($"?subject={name}&after={sequence - 1}", text, StringComparison.Ordinal);
        Assert.Contains("<blockquote style=\"white-space: pre-wrap\">After &lt;confirming&gt; &amp; more</blockquote>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.EndsWith("@mq.example", mail.MessageId, StringComparison.Ordinal);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        var listUnsubscribe = mail.Headers["List-Unsubscribe"]!.Trim();
        Assert.Equal($"<http://127.0.0.1:5080{MailAssert.LinkTo(mail, "/api/email/unsubscribe")}>", listUnsubscribe);
    }

    [Fact]
    public async Task OneClickUnsubscribeRemovesTheRegistrationAndAForgedTokenIsRefused()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "bob@example.com" }), HttpStatusCode.Created);
        var confirmation = Assert.Single(await _smtp.WaitForAsync(1));
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(MailAssert.LinkTo(confirmation, "/api/email/confirm"))).StatusCode);
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "one" }), HttpStatusCode.Created);
        var unsubscribe = MailAssert.LinkTo((await _smtp.WaitForAsync(2))[1], "/api/email/unsubscribe");

        // A forged or altered token changes nothing.
        var forged = unsubscribe[..^3] + (unsubscribe[^3] == 'A' ? "B" : "A") + unsubscribe[^2..];
        Assert.Equal(HttpStatusCode.BadRequest, (await PostOneClickAsync(forged)).StatusCode);
        Assert.Equal(1, (await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32());

        // Following the link only asks; the one-click POST (RFC 8058) unsubscribes, and again is harmless.
        Assert.Contains("<form method=\"post\">", await _http.GetStringAsync(unsubscribe), StringComparison.Ordinal);
        Assert.Equal(1, (await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await PostOneClickAsync(unsubscribe)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostOneClickAsync(unsubscribe)).StatusCode);
        Assert.Equal(0, (await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32());
    }

    [Fact]
    public async Task TheLegacySubscribeReplyIsUnchangedWhileTheAddressAwaitsConfirmation()
    {
        using var peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);

        var reply = peer.Request(new { type = "2", email = "carol@example.com", subject = "Django" });

        Assert.StartsWith("{\"data\": \"Django is a high-level Python web framework", reply, StringComparison.Ordinal);
        Assert.EndsWith("\"isValid\": \"isSuccess\"}", reply, StringComparison.Ordinal);
        Assert.Equal(["carol@example.com"], MailAssert.EnvelopeRecipients(Assert.Single(await _smtp.WaitForAsync(1))));
    }

    private async Task<HttpResponseMessage> PostOneClickAsync(string link)
    {
        using var body = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
        return await _http.PostAsync(link, body);
    }

    public Task DisposeAsync()
    {
        _http.Dispose();
        _gateway.Dispose();
        _smtp.Dispose();
        return Task.CompletedTask;
    }
}
