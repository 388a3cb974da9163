using System.Globalization;
using System.Text;
using MessageQueue.Gateway.Subjects;
using static System.Net.WebUtility;

namespace MessageQueue.Gateway.Email;

/// <summary>
/// The forms of an address's mail settings page: one per subject (its mode, or unsubscribe) and one to unsubscribe
/// from all. Plain HTML that works without JavaScript, each control labelled, each subject a fieldset.
/// </summary>
internal static class PreferencesPage
{
    /// <summary>One subject the address is registered on.</summary>
    public sealed record Registration(string Subject, MailMode Mode, bool Confirmed, bool MailEvenWhenSeen);

    public static string Render(IReadOnlyList<Registration> registrations, EmailOptions options, string? done, string? subject)
    {
        var html = new StringBuilder();
        var said = done switch
        {
            "saved" => $"Saved: {subject} is mailed as you chose.",
            "unsubscribed" when string.IsNullOrEmpty(subject) => "Unsubscribed from every subject.",
            "unsubscribed" => $"Unsubscribed from {subject}.",
            _ => null,
        };
        if (said is not null)
            html.Append(CultureInfo.InvariantCulture, $"""<p role="status"><strong>{HtmlEncode(said)}</strong></p>""").AppendLine();
        if (registrations.Count == 0)
            return html.Append("<p>This address is registered on no subject: nothing is mailed to it.</p>").ToString();

        var choices = new (MailMode Mode, string Label)[]
        {
            (MailMode.Immediate, options.MinIntervalSeconds <= 0 ? "As it happens, a mail for each update"
                : $"As it happens, at most one mail every {Interval(options.MinIntervalSeconds)} (what comes in between goes in the next)"),
            (MailMode.Digest, $"A digest: one mail at most every {Interval(options.DigestMinutes * 60)}, listing everything since the last"),
            (MailMode.Off, "No mail, and stay registered"),
        };
        foreach (var (registration, index) in registrations.Select((r, i) => (r, i)))
        {
            var pending = registration.Confirmed ? "" : " (not confirmed yet: nothing is sent before the confirmation link is followed)";
            html.Append(CultureInfo.InvariantCulture, $"""
                <form method="post">
                <fieldset>
                <legend>{HtmlEncode(registration.Subject)}{HtmlEncode(pending)}</legend>
                <input type="hidden" name="subject" value="{HtmlEncode(registration.Subject)}">

                """);
            foreach (var (mode, label) in choices)
            {
                var id = $"mode-{index}-{mode.ToString().ToLowerInvariant()}";
                var check = mode == registration.Mode ? " checked" : "";
                html.Append(CultureInfo.InvariantCulture,
                    $"""<div><input type="radio" id="{id}" name="mode" value="{mode.ToString().ToLowerInvariant()}"{check}> <label for="{id}">{HtmlEncode(label)}</label></div>""").AppendLine();
            }
            var seenId = $"seen-{index}";
            var seenCheck = registration.MailEvenWhenSeen ? " checked" : "";
            html.Append(CultureInfo.InvariantCulture, $"""
                <div><input type="checkbox" id="{seenId}" name="mailEvenWhenSeen" value="true" aria-describedby="seen-live"{seenCheck}> <label for="{seenId}">Mail me even the updates I already saw live on the dashboard</label></div>
                <p><button type="submit" name="action" value="save">Save for {HtmlEncode(registration.Subject)}</button>
                <button type="submit" name="action" value="unsubscribe">Unsubscribe from {HtmlEncode(registration.Subject)}</button></p>
                </fieldset>
                </form>

                """);
        }
        return html.Append("""
            <p id="seen-live">Seen live, not mailed: a dashboard page where you registered this address tells the gateway
            which of the subject's later updates it received, while it stays open on the subject. Those updates are left
            out of your mails, unless you tick the box. A page closed or cut off before an update arrived did not
            receive it, so that update is mailed.</p>
            <form method="post"><p><button type="submit" name="action" value="unsubscribe-all">Unsubscribe from every subject</button></p></form>
            """).ToString();
    }

    private static string Interval(double seconds) => seconds switch
    {
        < 120 => $"{seconds:0.#} seconds",
        < 7200 => $"{seconds / 60:0.#} minutes",
        _ => $"{seconds / 3600:0.#} hours",
    };
}
