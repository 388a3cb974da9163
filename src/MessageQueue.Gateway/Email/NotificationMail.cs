using System.Net;
using MessageQueue.Gateway.Storage;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MessageQueue.Gateway.Email;

/// <summary>One delivery as the sender works on it: who, what, how many attempts so far, and whether one had an unknown outcome.</summary>
internal sealed record DeliveryWork(
    long DeliveryId, long NotificationId, NotificationKind Kind, int SubjectId, string Subject, long Sequence, string Email, int Attempts,
    DeliveryState State = DeliveryState.Pending);

/// <summary>
/// Writes the mails. An update mail keeps the original's subject line and body (the subject and its whole content)
/// and adds the new text, a link to the subject on the dashboard at that update, an unsubscribe link and the
/// List-Unsubscribe headers (RFC 2369, one-click per RFC 8058). The Message-Id is stable across retries.
/// </summary>
internal sealed class NotificationMail(EmailTokens tokens, IOptions<EmailOptions> email, IOptions<SmtpOptions> smtp)
{
    private readonly string _baseUrl = email.Value.PublicBaseUrl.TrimEnd('/');
    private readonly MailboxAddress _from = MailboxAddress.Parse(smtp.Value.From);

    public MimeMessage Update(DeliveryWork work, string text, string content)
    {
        var unsubscribe = Link("api/email/unsubscribe", tokens.Create(EmailTokenPurpose.Unsubscribe, work.Subject, work.Email));
        var dashboard = $"{_baseUrl}/?subject={Uri.EscapeDataString(work.Subject)}&after={work.Sequence - 1}";
        var message = Start(work, $"Pub-Sub System update content - {work.Subject}");
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

        var plain = $"""
            Update your subscribe subject!
            Subject : [{work.Subject}]
            {content}

            New in update {work.Sequence}:
            {text}

            Read it, and what came after it: {dashboard}
            Stop these mails: {unsubscribe}
            """;
        var html = $"""
            <p>Update your subscribe subject!</p>
            <p>Subject : [<strong>{Html(work.Subject)}</strong>]</p>
            <p>New in update {work.Sequence}:</p>
            <blockquote><mark>{Html(text)}</mark></blockquote>
            <p><a href="{Html(dashboard)}">Read it, and what came after it</a></p>
            <h2>The whole subject</h2>
            <pre style="white-space: pre-wrap">{Html(content)}</pre>
            <p style="font-size: small"><a href="{Html(unsubscribe)}">Stop these mails</a></p>
            """;
        message.Body = new BodyBuilder { TextBody = plain, HtmlBody = html }.ToMessageBody();
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
        message.MessageId = $"{work.NotificationId}.{work.DeliveryId}@{_from.Domain}";
        return message;
    }

    private string Link(string path, string token) => $"{_baseUrl}/{path}?token={Uri.EscapeDataString(token)}";

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
