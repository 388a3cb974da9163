using System.Text.RegularExpressions;
using MimeKit;

namespace MessageQueue.Tests.Email;

/// <summary>Reading what the gateway mailed.</summary>
internal static partial class MailAssert
{
    /// <summary>The path and query of the first link to <paramref name="path"/> in the plain-text part.</summary>
    public static string LinkTo(MimeMessage message, string path)
    {
        var match = Regex.Match(message.TextBody ?? "", $@"https?://\S+{Regex.Escape(path)}\?token=\S+");
        Assert.True(match.Success, $"No link to {path} in:\n{message.TextBody}");
        return new Uri(match.Value).PathAndQuery;
    }

    /// <summary>The sequence numbers an update mail reports, listed or not (its X-MessageQueue-Sequences header); none for a confirmation.</summary>
    public static IEnumerable<long> ReportedSequences(MimeMessage message)
    {
        if (message.Headers["X-MessageQueue-Sequences"] is not { } range)
            return [];
        var bounds = range.Trim().Split('-').Select(b => long.Parse(b, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return Enumerable.Range(0, (int)(bounds[1] - bounds[0] + 1)).Select(i => bounds[0] + i);
    }

    /// <summary>The envelope recipients the SMTP server saw (the test server writes them as X-Sink-Rcpt).</summary>
    public static IEnumerable<string> EnvelopeRecipients(MimeMessage message) =>
        message.Headers.Where(h => h.Field == "X-Sink-Rcpt").Select(h => h.Value.Trim());
}
