using System.Globalization;
using System.Net;
using System.Text;
using MessageQueue.Gateway.Storage;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MessageQueue.Gateway.Email;

/// <summary>
/// One delivery as the sender works on it: who, what (a confirmation, or the updates <see cref="FirstSequence"/> to
/// <see cref="LastSequence"/>), how many attempts so far, and whether one had an unknown outcome.
/// </summary>
internal sealed record DeliveryWork(
    long DeliveryId, long? NotificationId, NotificationKind Kind, int SubjectId, string Subject, long FirstSequence, long LastSequence, string Email,
    int Attempts, DeliveryState State = DeliveryState.Pending);

/// <summary>
/// Writes the mails. An update mail keeps the original's subject line and greeting and reports the updates themselves
/// (text, time, door; not the subject's whole content), with a link to the subject on the dashboard at the first of
/// them, an unsubscribe link and the List-Unsubscribe headers (RFC 2369, one-click per RFC 8058). The Message-Id is
/// stable across retries.
/// </summary>
internal sealed class NotificationMail(EmailTokens tokens, IOptions<EmailOptions> email, IOptions<SmtpOptions> smtp)
{
    private readonly string _baseUrl = email.Value.PublicBaseUrl.TrimEnd('/');
    private readonly MailboxAddress _from = MailboxAddress.Parse(smtp.Value.From);

    /// <summary>The first and last sequence number an update mail reports, e.g. "5-27".</summary>
    public const string SequencesHeader = "X-MessageQueue-Sequences";

    public MimeMessage Update(DeliveryWork work, MailedUpdates updates)
    {
        var unsubscribe = Link("api/email/unsubscribe", tokens.Create(EmailTokenPurpose.Unsubscribe, work.Subject, work.Email));
        var dashboard = $"{_baseUrl}/?subject={Uri.EscapeDataString(work.Subject)}&after={updates.FirstSequence - 1}";
        var preferences = Link("api/email/preferences", tokens.CreatePreferences(work.Email));
        var message = Start(work, $"Pub-Sub System update content - {work.Subject}");
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        // For programs that read the mail: every update it reports, listed or not ("And N more").
        message.Headers.Add(SequencesHeader, $"{work.FirstSequence}-{work.LastSequence}");

        var plain = new StringBuilder($"""
            Update your subscribe subject!
            Subject : [{work.Subject}]

            """);
        var html = new StringBuilder($"""
            <p>Update your subscribe subject!</p>
            <p>Subject : [<strong>{Html(work.Subject)}</strong>]</p>

            """);
        foreach (var update in updates.Shown)
        {
            var heading = $"Update {update.Sequence}, {When(update.Timestamp)}, from {update.Origin}";
            plain.Append(CultureInfo.InvariantCulture, $"\n{heading}:\n{update.Text}\n");
            html.Append(CultureInfo.InvariantCulture, $"""
                <h2 style="font-size: medium">{Html(heading)}</h2>
                <blockquote style="white-space: pre-wrap">{Html(update.Text)}</blockquote>

                """);
        }
        var more = updates.More > 0 ? $"And {updates.More} more. " : "";
        plain.Append(CultureInfo.InvariantCulture, $"""

            {more}Read them on the dashboard: {dashboard}
            How often you hear of this, for each of your subjects: {preferences}
            Stop these mails: {unsubscribe}
            """);
        html.Append(CultureInfo.InvariantCulture, $"""
            <p>{Html(more)}<a href="{Html(dashboard)}">Read them on the dashboard</a></p>
            <p style="font-size: small"><a href="{Html(preferences)}">How often you hear of this</a> · <a href="{Html(unsubscribe)}">Stop these mails</a></p>
            """);
        message.Body = new BodyBuilder { TextBody = plain.ToString(), HtmlBody = html.ToString() }.ToMessageBody();
        return message;
    }

    public MimeMessage Confirmation(DeliveryWork work)
    {
        var confirm = Link("api/email/confirm", tokens.Create(EmailTokenPurpose.Confirm, work.Subject, work.Email));
        var message = Start(work, $"Confirm your subscription - {work.Subject}");
        message.Body = new BodyBuilder
        {
            TextBody = $"""
                Someone, hopefully you, asked to receive the updates of {work.Subject} at this address.
                Confirm it here: {confirm}

                If it was not you, ignore this mail: nothing will be sent without that confirmation.
                """,
            HtmlBody = $"""
                <p>Someone, hopefully you, asked to receive the updates of <strong>{Html(work.Subject)}</strong> at this address.</p>
                <p><a href="{Html(confirm)}">Confirm the subscription</a></p>
                <p>If it was not you, ignore this mail: nothing will be sent without that confirmation.</p>
                """,
        }.ToMessageBody();
        return message;
    }

    private MimeMessage Start(DeliveryWork work, string subjectLine)
    {
        var message = new MimeMessage();
        message.From.Add(_from);
        message.To.Add(MailboxAddress.Parse(work.Email));
        message.Subject = subjectLine;
        message.MessageId = $"{work.NotificationId ?? 0}.{work.DeliveryId}@{_from.Domain}";
        return message;
    }

    private static string When(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private string Link(string path, string token) => $"{_baseUrl}/{path}?token={Uri.EscapeDataString(token)}";

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
