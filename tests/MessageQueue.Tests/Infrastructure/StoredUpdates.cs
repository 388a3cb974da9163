using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Email;
using MessageQueue.Tests.Legacy;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// What a gateway holds after a fault, read through every door, checked against what <see cref="MixedLoad"/> was
/// promised: each acknowledged update is in the history (REST, paged), in the content (legacy "2") and in the hub's
/// replay (Subscribe with afterSequence); each subject's sequence numbers run 1..N without gap or duplicate.
/// </summary>
public static class StoredUpdates
{
    /// <summary>Gateway settings so a hub Subscribe from 0 replays a whole test's history instead of the newest 1,000.</summary>
    public static readonly Dictionary<string, string> WholeReplay = new()
    {
        ["Hub__MaxReplayUpdates"] = "100000",
        ["Hub__MaxReplayBytes"] = $"{256L * 1024 * 1024}",
    };

    /// <summary>Checks every door against the acknowledged updates; returns each subject's history, oldest first.</summary>
    public static async Task<Dictionary<string, List<UpdateResource>>> AssertEveryAcknowledgedUpdateIsStoredAsync(
        GatewayProcess gateway, IReadOnlyList<string> subjects, IReadOnlyCollection<AcknowledgedUpdate> acknowledged) =>
        await AssertEveryAcknowledgedUpdateIsStoredAsync(gateway.HttpAddress, gateway.ReplyEndpoint, subjects, acknowledged);

    /// <summary>The same for a gateway at these addresses (one in this process, say).</summary>
    public static async Task<Dictionary<string, List<UpdateResource>>> AssertEveryAcknowledgedUpdateIsStoredAsync(
        Uri httpAddress, string replyEndpoint, IReadOnlyList<string> subjects, IReadOnlyCollection<AcknowledgedUpdate> acknowledged)
    {
        using var http = new HttpClient { BaseAddress = httpAddress };
        await using var hub = await HubPeer.ConnectAsync(httpAddress);
        using var legacy = new LegacyPeer(replyEndpoint);
        var histories = new Dictionary<string, List<UpdateResource>>();
        foreach (var subject in subjects)
        {
            var history = await HistoryAsync(http, subject);
            histories[subject] = history;

            // No gap, no duplicate: 1..N in order.
            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(u => u.Sequence));

            var bySequence = history.ToDictionary(u => u.Sequence);
            var texts = history.GroupBy(u => u.Text).ToDictionary(g => g.Key, g => g.Count());
            foreach (var ack in acknowledged.Where(a => a.Subject == subject))
            {
                Assert.True(texts.TryGetValue(ack.Text, out var times) && times == 1, $"Acknowledged {ack} is stored {times} times.");
                if (ack.Sequence is { } sequence)
                    Assert.Equal(ack.Text, bySequence[sequence].Text);
            }

            // The legacy door's content is the initial text followed by every stored update, in sequence order.
            var content = LegacyProtocolTests.ContentOf(legacy.Request(new { type = "2", subject, email = "after-the-fault@example.com" }));
            if (history.Count > 0)
                Assert.EndsWith("\n" + string.Join('\n', history.Select(u => u.Text)), content, StringComparison.Ordinal);

            // The hub replays the same updates from any position: from the start, and from the middle.
            var whole = await hub.SubscribeAsync(subject, 0);
            Assert.False(whole.Gap);
            Assert.Equal(history.Select(u => (u.Sequence, u.Text)), whole.Updates.Select(u => (u.Sequence, u.Text)));
            Assert.Equal(content, whole.Content);
            var middle = history.Count / 2;
            var tail = await hub.SubscribeAsync(subject, middle);
            Assert.Equal(history.Skip(middle).Select(u => (u.Sequence, u.Text)), tail.Updates.Select(u => (u.Sequence, u.Text)));
        }
        return histories;
    }

    /// <summary>A subject's whole history through REST, page by page (following "next").</summary>
    public static async Task<List<UpdateResource>> HistoryAsync(HttpClient http, string subject)
    {
        var updates = new List<UpdateResource>();
        string? next = $"/api/subjects/{subject}/updates?after=0&limit=500";
        while (next is not null)
        {
            var page = await http.GetFromJsonAsync<HistoryPageResource>(next, HubPeerJson.Options);
            updates.AddRange(page!.Updates);
            next = page.Next;
        }
        return updates;
    }
}

/// <summary>
/// The update mails an SMTP sink received, parsed once each (a long test receives thousands): who got which update
/// of which subject, under which Message-Id.
/// </summary>
public sealed class MailLedger(SmtpSink smtp)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly List<(string Recipient, string Subject, long Sequence, string MessageId)> _mails = [];

    /// <summary>Each update reported to each recipient: a mail that reports several updates is several entries.</summary>
    public IReadOnlyList<(string Recipient, string Subject, long Sequence, string MessageId)> Mails => _mails;

    /// <summary>Mails received, one per recipient.</summary>
    public int MailCount => _mails.Select(m => (m.MessageId, m.Recipient)).Distinct().Count();

    /// <summary>Reads the files that arrived since the last call.</summary>
    public void Refresh()
    {
        foreach (var file in Directory.GetFiles(smtp.StorePath, "*.eml").Order(StringComparer.Ordinal))
        {
            if (!_read.Add(file))
                continue;
            var message = MimeKit.MimeMessage.Load(file);
            var subject = (message.Subject ?? "").Replace("Pub-Sub System update content - ", "", StringComparison.Ordinal);
            // A mail reports one update or several, listed or not (a confirmation mail none).
            foreach (var sequence in MailAssert.ReportedSequences(message))
            {
                foreach (var recipient in MailAssert.EnvelopeRecipients(message))
                    _mails.Add((recipient, subject, sequence, message.MessageId ?? ""));
            }
        }
    }

    /// <summary>
    /// Polls until every (address, update) in <paramref name="expected"/> has a mail; fails the test with what is
    /// missing after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForAsync(IReadOnlyCollection<(string Recipient, string Subject, long Sequence)> expected, TimeSpan timeout)
    {
        var missing = expected.ToHashSet();
        await Poll.UntilAsync(() =>
        {
            Refresh();
            missing.ExceptWith(_mails.Select(m => (m.Recipient, m.Subject, m.Sequence)));
            return missing.Count == 0;
        }, () => $"{missing.Count} of {expected.Count} mails never arrived, e.g. {string.Join(", ", missing.Take(5))}; {_mails.Count} received.", timeout);
    }

    /// <summary>Message-Ids that arrived more than once.</summary>
    public List<string> Duplicates() => [.. _mails.GroupBy(m => (m.MessageId, m.Recipient, m.Sequence)).Where(g => g.Count() > 1).Select(g => g.Key.MessageId).Distinct()];
}
