using System.ComponentModel.DataAnnotations;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Api;

// Request fields are nullable so a missing one reaches the application service, which names it in its refusal;
// [Required] only tells the OpenAPI document that callers must send it.

/// <summary>A new subject.</summary>
public sealed record CreateSubjectRequest
{
    /// <summary>A letter or digit, then letters, digits, '.', '_' or '-'; it may not start another subject's name or vice versa.</summary>
    /// <example>Rust</example>
    [Required]
    public string? Name { get; init; }

    /// <summary>The subject's initial content (optional); updates are appended to it line by line.</summary>
    /// <example>Rust is a language empowering everyone to build reliable and efficient software.</example>
    public string? Content { get; init; }
}

/// <summary>An update to append to a subject.</summary>
public sealed record PostUpdateRequest
{
    /// <summary>The text to append, at most Subjects:MaxUpdateBytes (32 KiB by default) of UTF-8.</summary>
    /// <example>React 20 is out.</example>
    [Required]
    public string? Text { get; init; }
}

/// <summary>An email address to notify when a subject changes.</summary>
public sealed record RegisterEmailRequest
{
    /// <summary>One bare address, such as ada@example.com.</summary>
    /// <example>ada@example.com</example>
    [Required]
    public string? Email { get; init; }
}

/// <summary>A subject in the list: its state without its content.</summary>
/// <param name="Name">The subject's name.</param>
/// <param name="LastSequence">Sequence number of its newest update; 0 before the first.</param>
/// <param name="LastUpdatedAt">When its newest update was accepted; null before the first.</param>
/// <param name="EmailCount">How many email addresses are registered on it.</param>
public sealed record SubjectSummary(string Name, long LastSequence, DateTimeOffset? LastUpdatedAt, int EmailCount)
{
    internal static SubjectSummary From(SubjectSnapshot s) => new(s.Name, s.LastSequence, s.LastUpdatedAt, s.EmailCount);
}

/// <summary>A subject with its whole current content.</summary>
/// <param name="Name">The subject's name.</param>
/// <param name="Content">The initial content followed by every update's text, one per line.</param>
/// <param name="LastSequence">Sequence number of its newest update; 0 before the first.</param>
/// <param name="LastUpdatedAt">When its newest update was accepted; null before the first.</param>
/// <param name="EmailCount">How many email addresses are registered on it.</param>
public sealed record SubjectDetails(string Name, string Content, long LastSequence, DateTimeOffset? LastUpdatedAt, int EmailCount)
{
    internal static SubjectDetails From(SubjectSnapshot s) => new(s.Name, s.Content, s.LastSequence, s.LastUpdatedAt, s.EmailCount);
}

/// <summary>A stored update.</summary>
/// <param name="Subject">The subject it belongs to.</param>
/// <param name="Sequence">Its per-subject sequence number, from 1; also its id on the event stream.</param>
/// <param name="Text">The text it appended.</param>
/// <param name="Timestamp">When the gateway accepted it.</param>
/// <param name="Door">Where it came in: zmq, rest or hub (or, later, an ingest source such as zmq-ingest:telemetry).</param>
public sealed record UpdateResource(string Subject, long Sequence, string Text, DateTimeOffset Timestamp, string Door)
{
    internal static UpdateResource From(string subject, UpdateEntry u) => new(subject, u.Sequence, u.Text, u.Timestamp, u.Origin);
}

/// <summary>A page of a subject's history, oldest first.</summary>
/// <param name="Subject">The subject's name.</param>
/// <param name="LastSequence">The subject's newest sequence number when the page was read.</param>
/// <param name="Updates">The updates of this page.</param>
/// <param name="Next">The next page's URL, or null when this page reaches the newest update.</param>
public sealed record HistoryPageResource(string Subject, long LastSequence, IReadOnlyList<UpdateResource> Updates, string? Next);

/// <summary>An email address registered on a subject.</summary>
/// <param name="Subject">The subject's name.</param>
/// <param name="Email">The address as registered.</param>
/// <param name="EmailCount">How many addresses the subject has now.</param>
/// <param name="Confirmed">False until the address follows the link in its confirmation mail (Email:ConfirmSubscriptions); only confirmed addresses get updates.</param>
/// <param name="Mode">How often it is mailed: immediate (at most one mail per Email:MinIntervalSeconds, collecting what came in between), digest (one per Email:DigestMinutes) or off.</param>
public sealed record SubscriptionResource(string Subject, string Email, int EmailCount, bool Confirmed, string Mode, bool MailEvenWhenSeen)
{
    internal static SubscriptionResource From(EmailRegistration registration) => new(
        registration.Subject.Name, registration.Email, registration.Subject.EmailCount, registration.Confirmed,
        registration.Mode.ToString().ToLowerInvariant(), registration.MailEvenWhenSeen);
}

/// <summary>How a registration is mailed: either setting, or both.</summary>
public sealed record SetMailModeRequest
{
    /// <summary>immediate, digest or off; omitted, unchanged.</summary>
    /// <example>digest</example>
    public string? Mode { get; init; }

    /// <summary>
    /// true: mail every update, even one a dashboard that registered this address already received; false (the default
    /// of a registration): skip what was seen live. Omitted, unchanged.
    /// </summary>
    /// <example>false</example>
    public bool? MailEvenWhenSeen { get; init; }
}
