using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Email;

/// <summary>Gateway processes on one store: their senders share the mail, and one that stops hands its share on at once.</summary>
public sealed class SenderProcessTests
{
    [Fact]
    public async Task TwoGatewaysOnOneStoreSendEveryMailOnceBetweenThem()
    {
        const int Addresses = 300;
        using var data = new TempDirectory();
        using var smtp = await SmtpSink.StartAsync();
        var environment = new Dictionary<string, string>(SmtpSink.ProcessEnvironment(smtp.Port))
        {
            // Small rounds, so that both senders keep coming back for more while the other one sends.
            ["Email__BatchSize"] = "10",
            ["Email__MaxConcurrency"] = "1",
            ["Email__MinIntervalSeconds"] = "0",
        };
        await using var first = await GatewayProcess.StartAsync(data.Path, environment);
        await using var second = await GatewayProcess.StartAsync(data.Path, environment);
        using var toFirst = new LegacyPeer(first.ReplyEndpoint);
        var addresses = Enumerable.Range(0, Addresses).Select(i => $"reader{i}@example.com").ToList();
        foreach (var email in addresses)
            Assert.EndsWith("\"isSuccess\"}", toFirst.Request(new { type = "2", email, subject = "React" }), StringComparison.Ordinal);

        // Both updates through the first gateway (the second's catalog does not follow another writer's sequence
        // numbers yet); the second's sender finds the mail on its next look at the outbox. The second update once
        // every mail of the first is sent, so that each is a mail of its own.
        using var http = new HttpClient();
        double sentByFirst = 0, sentBySecond = 0;
        Assert.Equal("isSuccess", toFirst.Request(new { type = "3", subject = "React", updateMessage = "first" }));
        await Poll.UntilAsync(async () => await SentAsync(http, first) + await SentAsync(http, second) >= Addresses,
            () => "The first update's mails were not all sent.", TimeSpan.FromSeconds(90));
        Assert.Equal("isSuccess", toFirst.Request(new { type = "3", subject = "React", updateMessage = "second" }));

        await Poll.UntilAsync(async () =>
        {
            sentByFirst = await SentAsync(http, first);
            sentBySecond = await SentAsync(http, second);
            return sentByFirst + sentBySecond >= 2 * Addresses;
        }, () => $"{sentByFirst} + {sentBySecond} of {2 * Addresses} mails were sent.", TimeSpan.FromSeconds(90));

        var mails = await smtp.WaitForAsync(2 * Addresses);
        Assert.Equal(2 * Addresses, sentByFirst + sentBySecond);
        Assert.Equal(2 * Addresses, mails.Count);
        Assert.Equal(2 * Addresses, mails.Select(m => m.MessageId).Distinct().Count());
        // Each address heard of each update once, each update in a mail of its own (the second came after the interval).
        var reported = mails.SelectMany(m => MailAssert.EnvelopeRecipients(m).SelectMany(r => MailAssert.ReportedSequences(m).Select(s => (r, s)))).ToList();
        Assert.Equal(2 * Addresses, reported.Distinct().Count());
        Assert.All(reported.CountBy(r => r.r), r => Assert.Equal(2, r.Value));
        Assert.True(sentByFirst > 0 && sentBySecond > 0, $"One sender did all the work ({sentByFirst} and {sentBySecond}); the test proves nothing.");
    }

    [Fact]
    public async Task AfterAGracefulStopTheNextStartSendsTheRestAtOnceWithoutWaitingForTheLease()
    {
        const int Addresses = 500;
        using var data = new TempDirectory();
        using var smtp = await SmtpSink.StartAsync();
        var environment = new Dictionary<string, string>(SmtpSink.ProcessEnvironment(smtp.Port))
        {
            ["Email__MaxConcurrency"] = "1",
            ["Email__LeaseSeconds"] = "300",
        };
        var addresses = Enumerable.Range(0, Addresses).Select(i => $"reader{i}@example.com").ToHashSet();
        await using (var stopped = await GatewayProcess.StartAsync(data.Path, environment))
        {
            using var peer = new LegacyPeer(stopped.ReplyEndpoint);
            foreach (var email in addresses)
                Assert.EndsWith("\"isSuccess\"}", peer.Request(new { type = "2", email, subject = "React" }), StringComparison.Ordinal);
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = "to everyone" }));
            await smtp.WaitForAsync(20);
            await stopped.StopAsync();
        }
        var beforeRestart = smtp.Messages().Count;
        Assert.True(beforeRestart < Addresses, "The fan-out finished before the stop; the test proves nothing.");

        // The stopped sender gave up the claims it had not used: the rest goes now, not after a five-minute lease.
        await using var restarted = await GatewayProcess.StartAsync(data.Path, environment);
        var mails = await smtp.WaitForAsync(Addresses, TimeSpan.FromSeconds(30));
        Assert.Equal(addresses.Order(), mails.SelectMany(MailAssert.EnvelopeRecipients).Distinct().Order());
    }

    private static async Task<double> SentAsync(HttpClient http, GatewayProcess gateway) =>
        Operations.PrometheusText.Value(await http.GetStringAsync(new Uri(gateway.HttpAddress, "/metrics")), "messagequeue_email_attempts_total", ("outcome", "sent"));
}
