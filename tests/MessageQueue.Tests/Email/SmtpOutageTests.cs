using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Storage;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Email;

/// <summary>Publishing never waits for SMTP: with the server down updates succeed, and their mails go out once it is back.</summary>
public sealed class SmtpOutageTests
{
    [Fact]
    public async Task UpdatesSucceedWhileTheServerIsDownAndTheirMailsArriveWhenItComesBack()
    {
        var port = SmtpSink.FreePort();
        var clock = new ShiftedClock();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(port))
        {
            ["Email:ConfirmSubscriptions"] = "false",
            ["Email:RetryBaseSeconds"] = "0.05",
            ["Email:RetryMaxSeconds"] = "0.5",
            ["Email:MaxAttempts"] = "100",
        }, host => host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "dan@example.com" }), HttpStatusCode.Created);

        // The first update's mail fails and waits; the next two wait for the address's interval, then go in one mail.
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "while down 1" }), HttpStatusCode.Created);
        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("retrying").GetInt32() == 1, () => "The mail never failed and waited.");
        for (var i = 2; i <= 3; i++)
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"while down {i}" }), HttpStatusCode.Created);
        clock.Advance(TimeSpan.FromSeconds(61));
        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("retrying").GetInt32() == 2, () => "The second mail never failed and waited.");

        using var smtp = await SmtpSink.StartAsync(port);

        var mails = (await smtp.WaitForAsync(2)).OrderBy(m => MailAssert.ReportedSequences(m).First()).ToList();
        Assert.Equal(2, mails.Count);
        Assert.All(mails, m => Assert.Equal(["dan@example.com"], MailAssert.EnvelopeRecipients(m)));
        Assert.Equal([[1L], [2L, 3L]], mails.Select(m => MailAssert.ReportedSequences(m).ToArray()));
        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("sent").GetInt32() == 2, () => "The outbox never recorded the mails as sent.");
        var outbox = await OutboxAsync(http);
        Assert.Equal(0, outbox.GetProperty("pending").GetInt32());
        Assert.Equal(0, outbox.GetProperty("parked").GetInt32());
    }

    [Fact]
    public async Task AMailIsParkedAfterItsLastAttemptAndTheUpdateStillSucceeds()
    {
        // Nothing listens on that port.
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(SmtpSink.FreePort()))
        {
            ["Email:ConfirmSubscriptions"] = "false",
            ["Email:RetryBaseSeconds"] = "0.05",
            ["Email:MaxAttempts"] = "2",
        });
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "fay@example.com" }), HttpStatusCode.Created);

        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "never delivered" }), HttpStatusCode.Created);

        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("parked").GetInt32() == 1, () => "The mail was never parked.");
        var outbox = await OutboxAsync(http);
        Assert.Equal(0, outbox.GetProperty("pending").GetInt32());
        Assert.Equal(0, outbox.GetProperty("sent").GetInt32());
        await using var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync();
        var parked = await db.Deliveries.SingleAsync();
        Assert.Equal((DeliveryState.Parked, 2), (parked.State, parked.Attempts));
        Assert.Contains("SocketException", parked.LastError, StringComparison.Ordinal); // the reason is kept
    }

    private static async Task<System.Text.Json.JsonElement> OutboxAsync(HttpClient http) =>
        await ApiAssert.Json(await http.GetAsync("/api/email/outbox"), HttpStatusCode.OK);
}
