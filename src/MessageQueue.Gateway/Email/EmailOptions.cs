using System.ComponentModel.DataAnnotations;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Email;

/// <summary>What mail the gateway sends and how hard it tries.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    /// <summary>Double opt-in: a new address gets a confirmation mail and no notification until it confirms.</summary>
    public bool ConfirmSubscriptions { get; set; } = true;

    /// <summary>
    /// At most one confirmation mail per address and subject within this many minutes: registering an unconfirmed
    /// address again inside it answers as before and sends nothing more, so nobody can flood an inbox by registering it.
    /// </summary>
    [Range(0, 10_080)]
    public double ConfirmationResendMinutes { get; set; } = 60;

    /// <summary>How often a new registration is mailed: immediate, digest or off.</summary>
    public MailMode DefaultMode { get; set; } = MailMode.Immediate;

    /// <summary>
    /// In immediate mode, at most one mail per address and subject within this many seconds: the updates in between are
    /// collected into the next mail, which goes out when the interval ends. 0: a mail per update.
    /// </summary>
    [Range(0, 86_400)]
    public double MinIntervalSeconds { get; set; } = 60;

    /// <summary>In digest mode, a mail once the oldest update not mailed yet is this old, listing every update since the last mail.</summary>
    [Range(0.01, 10_080)]
    public double DigestMinutes { get; set; } = 60;

    /// <summary>
    /// An update is mailed once it is this old, so that a dashboard which registered the address and received the update
    /// can say so first (seen live, not mailed). Registrations with mailEvenWhenSeen are mailed without waiting.
    /// </summary>
    [Range(0, 3600)]
    public double SeenGraceSeconds { get; set; } = 5;

    /// <summary>How long the link to an address's mail settings, in every update mail, stays valid.</summary>
    [Range(1, 3650)]
    public int PreferencesLinkDays { get; set; } = 30;

    /// <summary>The gateway's address as readers reach it, for the links in mails.</summary>
    [Required, Url]
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Without Smtp:Host, each mail is written here as an .eml file (relative to the content root).</summary>
    [Required]
    public string PickupDirectory { get; set; } = "data/mail";

    /// <summary>Where the keys that sign confirmation and unsubscribe links are kept (relative to the content root).</summary>
    [Required]
    public string KeysDirectory { get; set; } = "data/keys";

    /// <summary>Attempts before a mail is parked with its last error.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The first retry waits about this long; each later one twice as long, with jitter.</summary>
    [Range(0.01, 3600)]
    public double RetryBaseSeconds { get; set; } = 2;

    /// <summary>Longest wait between two attempts.</summary>
    [Range(0.01, 86_400)]
    public double RetryMaxSeconds { get; set; } = 600;

    /// <summary>
    /// After the server took a whole mail but never answered (a timeout or a lost connection after the body), the mail
    /// may have been delivered: it is sent once more after this long, never more, with the same Message-Id.
    /// </summary>
    [Range(0.001, 10_080)]
    public double UnknownOutcomeRetryMinutes { get; set; } = 30;

    /// <summary>Mails sent at once, each sender with its own reused SMTP connection.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Deliveries read from the outbox per round.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>
    /// How long a sender's claim on the mails of its round lasts; it renews the claim every third of this while it
    /// sends, so a send of any length keeps it. The mails claimed by a gateway that died wait this long before another
    /// sender (or the same gateway, restarted) takes them.
    /// </summary>
    [Range(1, 3600)]
    public int LeaseSeconds { get; set; } = 60;
}

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
    Auto,
}

/// <summary>The SMTP server. Without <see cref="Host"/> mail goes to Email:PickupDirectory instead.</summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public string? Username { get; set; }

    public string? Password { get; set; }

    [Required]
    public string From { get; set; } = "MessageQueue <messagequeue@localhost>";

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    /// <summary>Seconds to wait for the server on each step.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}
