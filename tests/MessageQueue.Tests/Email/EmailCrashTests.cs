using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Email;

/// <summary>The outbox survives a crash in the middle of a large fan-out.</summary>
public sealed class EmailCrashTests
{
    private const int Addresses = 1000;
    private const int MaxConcurrency = 4;

    [Theory]
    [InlineData("immediate", 1)]
    [InlineData("digest", 3)] // a digest of three updates, the oldest 0.6 s old when it is composed
    public async Task AfterSigkillInTheMiddleOfAFanOutEveryMailArrivesAndOnlyTheOnesInFlightTwice(string mode, int updates)
    {
        using var data = new TempDirectory();
        using var smtp = await SmtpSink.StartAsync();
        var environment = new Dictionary<string, string>(SmtpSink.ProcessEnvironment(smtp.Port))
        {
            ["Email__MaxConcurrency"] = $"{MaxConcurrency}",
            // The mails the killed gateway had claimed wait for its lease to run out before the revived one takes them.
            ["Email__LeaseSeconds"] = "5",
            ["Email__DefaultMode"] = mode,
            ["Email__DigestMinutes"] = "0.01",
        };
        var addresses = Enumerable.Range(0, Addresses).Select(i => $"reader{i}@example.com").ToHashSet();

        await using (var doomed = await GatewayProcess.StartAsync(data.Path, environment))
        {
            using var peer = new LegacyPeer(doomed.ReplyEndpoint);
            foreach (var email in addresses)
                Assert.EndsWith("\"isSuccess\"}", peer.Request(new { type = "2", email, subject = "React" }), StringComparison.Ordinal);
            for (var i = 1; i <= updates; i++)
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = $"to everyone, {i}" }));

            await smtp.WaitForAsync(Addresses / 10);
            // Leaving the block kills the process tree at once: no graceful shutdown, mails in flight.
        }
        var beforeRestart = smtp.Messages().Count;
        Assert.True(beforeRestart < Addresses, "The fan-out finished before the kill; the test proves nothing.");

        await using var revived = await GatewayProcess.StartAsync(data.Path, environment);
        var mails = await WaitForEveryRecipientAsync(smtp, addresses, updates);

        Assert.Equal(addresses.Order(), mails.SelectMany(MailAssert.EnvelopeRecipients).Distinct().Order());
        Assert.All(mails, m => Assert.Equal("Pub-Sub System update content - React", m.Subject));
        // The only mails sent twice are those the server had accepted when the process died, before their
        // "sent" was committed: at most one per sender in flight, and each again under its own Message-Id.
        var twice = mails.GroupBy(m => m.MessageId).Where(g => g.Count() > 1).ToList();
        Assert.True(twice.Count <= MaxConcurrency, $"{twice.Count} mails were sent twice (killed after {beforeRestart}).");
        Assert.Equal(mails.Count - twice.Count, mails.Select(m => m.MessageId).Distinct().Count());
        // Whatever the mails each address got (one digest of all, or one and then the rest), together, once each,
        // they report every update exactly once.
        var reported = mails.DistinctBy(m => m.MessageId).GroupBy(m => MailAssert.EnvelopeRecipients(m).Single());
        Assert.All(reported, byAddress => Assert.Equal(Enumerable.Range(1, updates).Select(i => (long)i), byAddress.SelectMany(MailAssert.ReportedSequences).Order()));
    }

    private static async Task<List<MimeKit.MimeMessage>> WaitForEveryRecipientAsync(SmtpSink smtp, HashSet<string> addresses, int updates)
    {
        var mails = new List<MimeKit.MimeMessage>();
        await Poll.UntilAsync(() =>
        {
            // Parse only once there are enough files: counting them is cheap, reading a thousand mails is not.
            if (Directory.GetFiles(smtp.StorePath, "*.eml").Length < addresses.Count)
                return false;
            mails = smtp.Messages();
            // Every address told of every update, in one mail or more.
            return mails.SelectMany(m => MailAssert.ReportedSequences(m).SelectMany(sequence => MailAssert.EnvelopeRecipients(m).Select(to => (to, sequence))))
                .Distinct().Count() >= addresses.Count * updates;
        }, () => $"Only {Directory.GetFiles(smtp.StorePath, "*.eml").Length} mails arrived after the restart.", TimeSpan.FromSeconds(60));
        return mails;
    }
}
