using System.Text.Json.Serialization;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.ScaleOut;

internal enum RelayedKind
{
    Created,
    Updated,
    Registrations,
    Deleted,
}

/// <summary>
/// One committed change as it travels between instances: what another instance needs to apply it in order (an
/// update's text, not the content: each instance builds its content from the texts, in sequence order).
/// </summary>
internal sealed record RelayedChange(
    RelayedKind Kind, int SubjectId, string Subject, long Sequence = 0, string? Text = null, DateTimeOffset? Timestamp = null,
    string? Origin = null, string? Content = null, int EmailCount = 0)
{
    public static RelayedChange From(SubjectChange change) => change switch
    {
        SubjectCreated { Snapshot: var s } => new(RelayedKind.Created, s.Id, s.Name, Content: s.Content, EmailCount: s.EmailCount),
        SubjectUpdate u => new(RelayedKind.Updated, u.SubjectId, u.Subject, u.Sequence, u.Text, u.Timestamp, u.Origin),
        RegistrationsChanged r => new(RelayedKind.Registrations, r.SubjectId, r.Subject, EmailCount: r.EmailCount),
        SubjectDeleted d => new(RelayedKind.Deleted, d.SubjectId, d.Subject),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.GetType().Name, "Not a change of the stream."),
    };
}

/// <summary>
/// One commit's own changes, from one instance, in commit order: one message on the bus. <paramref name="Sender"/> is
/// random per process, so that an instance skips its own echo even when two are given the same name.
/// </summary>
internal sealed record RelayedBatch(string Instance, string Sender, IReadOnlyList<RelayedChange> Changes);

[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(RelayedBatch))]
internal sealed partial class RelayJson : JsonSerializerContext;
