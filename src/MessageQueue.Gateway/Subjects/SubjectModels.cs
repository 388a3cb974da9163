namespace MessageQueue.Gateway.Subjects;

/// <summary>The way an operation entered the gateway; recorded with every update.</summary>
public enum Door
{
    Zmq,
    Rest,
    Hub,
}

/// <summary>An accepted, durable update as every door sees it.</summary>
/// <param name="Subject">The subject name.</param>
/// <param name="Sequence">Per-subject sequence number, starting at 1.</param>
/// <param name="Text">The text this update appended.</param>
/// <param name="Content">The subject's whole content after this update (what legacy subscribers receive).</param>
/// <param name="Timestamp">When the gateway accepted it.</param>
/// <param name="Door">Where it came in.</param>
public sealed record SubjectUpdate(string Subject, long Sequence, string Text, string Content, DateTimeOffset Timestamp, Door Door);

/// <summary>A subject's current state.</summary>
public sealed record SubjectSnapshot(string Name, string Content, long LastSequence, DateTimeOffset? LastUpdatedAt, int EmailCount);
