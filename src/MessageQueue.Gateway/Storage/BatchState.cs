using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The changes of one group commit, staged on the context in arrival order, with each subject's state as it will
/// be once they commit. Each method returns how to complete its caller after the commit.
/// </summary>
internal sealed class BatchState(MessageQueueDbContext db, SubjectCatalog catalog, DateTimeOffset now)
{
    private readonly Dictionary<string, SubjectSnapshot> _snapshots = new(StringComparer.Ordinal);

    public List<SubjectUpdate> Updates { get; } = [];

    public IEnumerable<SubjectSnapshot> Snapshots => _snapshots.Values;

    public Action Append(SubjectEntity subject, AppendUpdateCommand command)
    {
        var current = Current(subject.Name);
        var sequence = subject.LastSequence + 1;
        subject.LastSequence = sequence;
        subject.LastUpdatedAt = now;
        db.Updates.Add(new UpdateEntity
        {
            SubjectId = subject.Id,
            Sequence = sequence,
            Text = command.Text,
            Timestamp = now,
            Door = command.Door,
        });

        // The legacy content rule: content = content + "\n" + text.
        var update = new SubjectUpdate(subject.Name, sequence, command.Text, current.Content + "\n" + command.Text, now, command.Door);
        _snapshots[subject.Name] = current with { Content = update.Content, LastSequence = sequence, LastUpdatedAt = now };
        Updates.Add(update);
        return () => command.Complete(update);
    }

    public Action Register(SubjectEntity subject, RegisterEmailCommand command)
    {
        var current = Current(subject.Name);
        var normalized = SubjectValidator.NormalizeEmail(command.Email);
        if (Find(subject.Id, normalized) is null)
        {
            db.Subscriptions.Add(new SubscriptionEntity
            {
                SubjectId = subject.Id,
                Email = command.Email,
                NormalizedEmail = normalized,
                CreatedAt = now,
            });
            current = _snapshots[subject.Name] = current with { EmailCount = current.EmailCount + 1 };
        }
        return () => command.Complete(current);
    }

    public Action Unregister(SubjectEntity subject, UnregisterEmailCommand command)
    {
        var current = Current(subject.Name);
        var existing = Find(subject.Id, SubjectValidator.NormalizeEmail(command.Email));
        if (existing is null)
        {
            var error = new SubjectError(SubjectErrorKind.EmailNotRegistered, $"'{command.Email}' is not registered on subject '{subject.Name}'.", "email");
            return () => command.Fail(error);
        }
        db.Subscriptions.Remove(existing);
        current = _snapshots[subject.Name] = current with { EmailCount = current.EmailCount - 1 };
        return () => command.Complete(current);
    }

    private SubjectSnapshot Current(string name) =>
        _snapshots.TryGetValue(name, out var staged) ? staged
        : catalog.TryGet(name, out var committed) ? committed
        : throw new InvalidOperationException($"Subject '{name}' is in the store but not in the catalog.");

    /// <summary>The live registration, counting what this batch already added or removed.</summary>
    private SubscriptionEntity? Find(int subjectId, string normalizedEmail)
    {
        var staged = db.Subscriptions.Local.FirstOrDefault(s => s.SubjectId == subjectId && s.NormalizedEmail == normalizedEmail);
        if (staged is not null)
            return staged;
        var stored = db.Subscriptions.FirstOrDefault(s => s.SubjectId == subjectId && s.NormalizedEmail == normalizedEmail);
        return stored is null || db.Entry(stored).State == Microsoft.EntityFrameworkCore.EntityState.Deleted ? null : stored;
    }
}
