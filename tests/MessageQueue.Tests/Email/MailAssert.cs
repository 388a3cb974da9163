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

    /// <summary>The envelope recipients the SMTP server saw (the test server writes them as X-Sink-Rcpt).</summary>
    public static IEnumerable<string> EnvelopeRecipients(MimeMessage message) =>
        message.Headers.Where(h => h.Field == "X-Sink-Rcpt").Select(h => h.Value.Trim());
}
