namespace MessageQueue.Gateway.Ingest;

/// <summary>Why an ingest source dropped a message (the <c>reason</c> tag of <c>messagequeue.ingest.messages</c>).</summary>
public enum IngestDrop
{
    /// <summary>The payload frame was empty.</summary>
    Empty,

    /// <summary>The payload was larger than an update may be (for base64, its decoded bytes).</summary>
    TooLarge,

    /// <summary>A text payload, or a topic, was not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>Not [topic, payload], nor one frame where the source has a fixed subject: more frames, or a lone topic.</summary>
    Frames,

    /// <summary>The topic did not start with the source's StripTopicPrefix.</summary>
    UnmatchedTopic,

    /// <summary>The topic, as mapped, cannot be a subject name.</summary>
    BadSubject,

    /// <summary>No such subject, and the source does not create subjects.</summary>
    UnknownSubject,

    /// <summary>Creating the subject was refused: Subjects:MaxSubjects reached, or its name starts like another subject's.</summary>
    CreateRefused,

    /// <summary>The update was refused by the subject rules (blank text, a NUL character).</summary>
    Refused,

    /// <summary>The store was busy or unavailable (sub sources only: a pull source waits instead).</summary>
    Busy,

    /// <summary>Over the source's MaxMessagesPerSecond or MaxBytesPerSecond (sub sources only: a pull source waits instead).</summary>
    RateLimited,

    /// <summary>An unexpected failure in the gateway.</summary>
    Error,

    /// <summary>A Pushpin item in tnetstring form (<c>T</c>...): only the JSON form (<c>J</c>...) is read.</summary>
    Tnetstring,

    /// <summary>A Pushpin item that is not a JSON object of Pushpin's publish format.</summary>
    BadItem,

    /// <summary>A Pushpin item naming no channel.</summary>
    NoChannel,

    /// <summary>A Pushpin item with no ws-message, http-stream or http-response content.</summary>
    NoContent,

    /// <summary>Read by an instance that no longer holds the source's lease (another instance reads it now).</summary>
    Standby,
}

/// <summary>Why a pull source stopped reading for a while (the <c>reason</c> tag of <c>messagequeue.ingest.pauses</c>).</summary>
public enum IngestPause
{
    /// <summary>The store refused an update as busy or unavailable; the source holds it and retries.</summary>
    Store,

    /// <summary>The source read its MaxMessagesPerSecond or MaxBytesPerSecond; it reads on when the budget refills.</summary>
    Rate,
}
