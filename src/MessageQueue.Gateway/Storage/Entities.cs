using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Storage;

/// <summary>A subject. Its current content is <see cref="InitialContent"/> followed by every update's text, one per line.</summary>
public sealed class SubjectEntity
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string InitialContent { get; set; }
    public long LastSequence { get; set; }
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
    public Door Door { get; set; }
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
}
