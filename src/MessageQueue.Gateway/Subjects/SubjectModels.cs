namespace MessageQueue.Gateway.Subjects;

/// <summary>The door a request came in by, for request counts (an update records its <see cref="Origins">origin</see>).</summary>
public enum Door
{
    Zmq,
    Rest,
    Hub,
}

/// <summary>An accepted, durable update as every door sees it; on the change stream, the change that appended it.</summary>
/// <param name="Subject">The subject name.</param>
/// <param name="Sequence">Per-subject sequence number, starting at 1.</param>
/// <param name="Text">The text this update appended.</param>
/// <param name="Content">The subject's whole content after this update (what legacy subscribers receive).</param>
/// <param name="Timestamp">When the gateway accepted it.</param>
/// <param name="Origin">Where it came in (<see cref="Origins"/>).</param>
/// <param name="SubjectId">The subject's store id, which tells a subject from an earlier one of the same name.</param>
public sealed record SubjectUpdate(string Subject, long Sequence, string Text, string Content, DateTimeOffset Timestamp, string Origin, int SubjectId)
    : SubjectChange(Subject, SubjectId)
{
    /// <summary>
    /// True when a post repeated an idempotency key already stored on the subject: nothing was stored or published
    /// now, and this is the update stored then.
    /// </summary>
    public bool IsRepeat { get; init; }

    public UpdateEntry ToEntry() => new(Sequence, Text, Timestamp, Origin);
}

/// <summary>A subject's current state.</summary>
/// <param name="Name">The subject's name.</param>
/// <param name="Content">The initial content followed by every update's text, one per line.</param>
/// <param name="LastSequence">Sequence number of the newest update; 0 before the first.</param>
/// <param name="LastUpdatedAt">When the newest update was accepted; null before the first.</param>
/// <param name="EmailCount">How many email addresses are registered on it.</param>
/// <param name="Id">The store's id: a subject deleted and created again under the same name gets a new one.</param>
public sealed record SubjectSnapshot(string Name, string Content, long LastSequence, DateTimeOffset? LastUpdatedAt, int EmailCount, int Id);

/// <summary>A stored update as history keeps it (the content it produced is not stored per update).</summary>
public sealed record UpdateEntry(long Sequence, string Text, DateTimeOffset Timestamp, string Origin);

/// <summary>A page of a subject's history, oldest first, with the subject's state when it was read.</summary>
public sealed record HistoryPage(SubjectSnapshot Subject, IReadOnlyList<UpdateEntry> Updates);

/// <summary>The outcome of registering an email: the subject's state, whether the registration is new and whether it is confirmed.</summary>
public sealed record EmailRegistration(SubjectSnapshot Subject, string Email, bool IsNew, bool Confirmed, MailMode Mode, bool MailEvenWhenSeen);

/// <summary>How many registrations of a subject are in each mail mode.</summary>
public sealed record MailModeCounts(int Immediate, int Digest, int Off);

/// <summary>A change to how a registration is mailed: each setting that is not null.</summary>
public sealed record MailSettings(MailMode? Mode, bool? MailEvenWhenSeen);

/// <summary>How often a registration is mailed.</summary>
public enum MailMode
{
    /// <summary>A mail as soon as the subject changes, at most one per Email:MinIntervalSeconds; what comes in between is collected into the next.</summary>
    Immediate,

    /// <summary>At most one mail per Email:DigestMinutes, listing every update since the last one.</summary>
    Digest,

    /// <summary>Registered, and no mail.</summary>
    Off,
}

/// <summary>A subject's state and the updates a client missed before it, oldest first.</summary>
/// <param name="Subject">The subject's state; the updates end at its last sequence number.</param>
/// <param name="Updates">The missed updates, or the newest of them when there were too many.</param>
/// <param name="Gap">True when the updates do not start right after the client's position: it missed more than were
/// returned, or its position is past the subject's newest update. The content is then the client's way back in.</param>
public sealed record CatchUp(SubjectSnapshot Subject, IReadOnlyList<UpdateEntry> Updates, bool Gap);
