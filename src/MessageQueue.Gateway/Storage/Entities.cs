using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Storage;

/// <summary>A subject. Its current content is <see cref="InitialContent"/> followed by every update's text, one per line.</summary>
public sealed class SubjectEntity
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string InitialContent { get; set; }
    public long LastSequence { get; set; }

    /// <summary>Registrations on the subject, kept in the transaction that changes them: the row lock orders them with updates.</summary>
    public int EmailCount { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUpdatedAt { get; set; }
}

/// <summary>One accepted update: the full history, never rewritten.</summary>
public sealed class UpdateEntity
{
    public long Id { get; set; }
    public int SubjectId { get; set; }
    public long Sequence { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>Where it came in (<see cref="Origins"/>).</summary>
    public required string Origin { get; set; }

    /// <summary>The client's key for this update, if it gave one: a repeat with the same key on the subject is stored once.</summary>
    public string? IdempotencyKey { get; set; }
}

/// <summary>An email address registered on a subject.</summary>
public sealed class SubscriptionEntity
{
    public long Id { get; set; }
    public int SubjectId { get; set; }
    public required string Email { get; set; }

    /// <summary>Lower-cased address: one registration per address and subject, whatever its case.</summary>
    public required string NormalizedEmail { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the address confirmed it wants mail (double opt-in); null while it has not.</summary>
    public DateTimeOffset? ConfirmedAt { get; set; }

    /// <summary>When the last confirmation mail was queued for it: the next waits Email:ConfirmationResendMinutes.</summary>
    public DateTimeOffset? ConfirmationQueuedAt { get; set; }

    /// <summary>How often it hears of the subject's updates.</summary>
    public MailMode Mode { get; set; }

    /// <summary>
    /// The subject's last sequence number that a mail to it already reports (or that came before it confirmed): the
    /// next mail reports the updates after it.
    /// </summary>
    public long MailedThrough { get; set; }

    /// <summary>When its next mail may go out, at the earliest (Email:MinIntervalSeconds or Email:DigestMinutes after the last).</summary>
    public DateTimeOffset? NextMailAt { get; set; }

    /// <summary>
    /// Whether it is mailed updates a browser of the address already received (see <see cref="Email.SeenLive"/>); off by
    /// default: what was seen live is not mailed.
    /// </summary>
    public bool MailEvenWhenSeen { get; set; }
}

public enum NotificationKind
{
    /// <summary>A subject changed: mail every address confirmed on it by then. Written by stores before mails collected updates; read only.</summary>
    Update,

    /// <summary>A new registration: mail that one address a confirmation link.</summary>
    Confirmation,
}

/// <summary>
/// A confirmation mail to send, written in the same transaction as the registration, so an accepted registration never
/// loses it; the sender expands it into a delivery. (Stores from before mails collected updates also hold one row per
/// update.) Updates need no row: a registration's <see cref="SubscriptionEntity.MailedThrough"/> says what it has not
/// been mailed yet.
/// </summary>
public sealed class NotificationEntity
{
    public long Id { get; set; }
    public NotificationKind Kind { get; set; }
    public int SubjectId { get; set; }

    /// <summary>The update's sequence number (Update only).</summary>
    public long Sequence { get; set; }

    /// <summary>The address to confirm (Confirmation only).</summary>
    public string? Email { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When its deliveries were created; null while it waits for the sender.</summary>
    public DateTimeOffset? ExpandedAt { get; set; }
}

public enum DeliveryState
{
    Pending,
    Sent,

    /// <summary>Given up on after a permanent failure or too many attempts; <see cref="DeliveryEntity.LastError"/> says why.</summary>
    Parked,

    /// <summary>
    /// Pending, after an attempt whose outcome is unknown (the server took the whole mail and never answered): it is sent
    /// at most once more, after Email:UnknownOutcomeRetryMinutes, and parked if that outcome is unknown too.
    /// </summary>
    Unconfirmed,
}

/// <summary>
/// One mail to one recipient (a confirmation, or the updates <see cref="FirstSequence"/> to <see cref="LastSequence"/>
/// of a subject), tracked until it is sent or parked. A sender claims it for a while before sending it
/// (<see cref="LeaseOwner"/> until <see cref="LeaseExpiresAt"/>), so no other sender, in this process or another, takes
/// it meanwhile; a claim whose owner died lapses when its lease runs out.
/// </summary>
public sealed class DeliveryEntity
{
    public long Id { get; set; }

    /// <summary>The confirmation (or, in stores from before, the update) it mails; null for a mail of updates.</summary>
    public long? NotificationId { get; set; }

    public int SubjectId { get; set; }

    /// <summary>The first and last update it reports (sequence numbers); null for a confirmation.</summary>
    public long? FirstSequence { get; set; }

    /// <inheritdoc cref="FirstSequence"/>
    public long? LastSequence { get; set; }

    public required string Email { get; set; }
    public DeliveryState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>The sender that holds the claim (machine, process and a random part); null when nobody does.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>When the claim lapses unless its owner renews it; null when nobody holds one.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }
}

/// <summary>
/// A gateway instance on a shared store and what it last said of itself (<see cref="ScaleOut.InstanceHeartbeat"/>):
/// every instance reads the others' rows to show the whole cluster's listeners.
/// </summary>
public sealed class InstanceEntity
{
    /// <summary>The process's random id: two instances given one name are still two rows.</summary>
    public required string Id { get; set; }

    public required string Name { get; set; }
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The store's clock at the instance's last heartbeat: the instances' own clocks need not agree.</summary>
    public DateTimeOffset HeartbeatAt { get; set; }

    /// <summary>Its listeners and update rate as of that heartbeat (JSON, <see cref="ScaleOut.InstanceReport"/>).</summary>
    public required string Report { get; set; }
}
