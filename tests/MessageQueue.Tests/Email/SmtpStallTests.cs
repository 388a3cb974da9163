using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;

namespace MessageQueue.Tests.Email;

/// <summary>
/// A server that takes the whole mail and never answers leaves its outcome unknown: the mail is sent once more, late,
/// with the same Message-Id, and never a third time.
/// </summary>
[Collection(OneGatewayAtATime.Name)] // reads /metrics
public sealed class SmtpStallTests
{
    private static readonly string[] Recipients = ["ann@example.com", "bob@example.com", "cy@example.com"];

    [Fact]
    public async Task AServerThatNeverAnswersAfterTheBodyGetsAtMostTwoCopiesOfEachMailWithOneMessageId()
    {
        using var smtp = await SmtpSink.StartAsync(stallAfterData: true);
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port))
        {
            ["Email:ConfirmSubscriptions"] = "false",
            ["Smtp:TimeoutSeconds"] = "1",
            ["Email:UnknownOutcomeRetryMinutes"] = "0.03", // 1.8 s
            ["Email:RetryBaseSeconds"] = "0.05",
            ["Email:MaxAttempts"] = "10",
        });
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        foreach (var email in Recipients)
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email }), HttpStatusCode.Created);
        var before = await http.GetStringAsync("/metrics");

        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "stalled" }), HttpStatusCode.Created);

        // First the server has one copy of each and the mails wait for their one resend...
        await smtp.WaitForAsync(Recipients.Length, TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("retrying").GetInt32() == Recipients.Length,
            () => "The mails never waited after their unknown outcome.");
        // ...then, resent and unanswered again, they are parked.
        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("parked").GetInt32() == Recipients.Length,
            () => "The mails were never given up on.", TimeSpan.FromSeconds(60));

        var copies = smtp.Messages();
        Assert.Equal(2 * Recipients.Length, copies.Count);
        foreach (var recipient in Recipients)
        {
            var mine = copies.Where(m => MailAssert.EnvelopeRecipients(m).SequenceEqual([recipient])).ToList();
            Assert.Equal(2, mine.Count);
            Assert.Equal(mine[0].MessageId, mine[1].MessageId);
        }
        double counted = 0;
        await Poll.UntilAsync(async () => (counted = Unknown(await http.GetStringAsync("/metrics")) - Unknown(before)) == 2 * Recipients.Length,
            () => $"{counted} attempts counted with an unknown outcome, not {2 * Recipients.Length}.");
    }

    private static double Unknown(string metrics) => PrometheusText.Value(metrics, "messagequeue_email_attempts_total", ("outcome", "unknown"));

    private static async Task<JsonElement> OutboxAsync(HttpClient http) =>
        await ApiAssert.Json(await http.GetAsync("/api/email/outbox"), HttpStatusCode.OK);
}
