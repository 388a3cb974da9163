using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// One group commit: its changes staged in arrival order inside one transaction, with each subject's state as it
/// will be once they commit. Each method returns how to complete its caller after the commit.
/// </summary>
internal sealed class BatchState(
    MessageQueueDbContext db,
    UpdateAppender appender,
    IReadOnlyDictionary<string, int> subjectIds,
    SubjectCatalog catalog,
    DateTimeOffset now) : IDisposable
{
    private readonly Dictionary<string, SubjectSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly IDbContextTransaction _transaction = db.Database.BeginTransaction();

    public List<SubjectUpdate> Updates { get; } = [];

    public IEnumerable<SubjectSnapshot> Snapshots => _snapshots.Values;

    public bool Exists(string subject) => subjectIds.ContainsKey(subject) && catalog.TryGet(subject, out _);

    public Action Append(AppendUpdateCommand command)
    {
        var current = Current(command.Subject);
        var sequence = current.LastSequence + 1;
        appender.Append(_transaction, subjectIds[command.Subject], sequence, command.Text, now, command.Door);

        // The legacy content rule: content = content + "\n" + text.
        var update = new SubjectUpdate(command.Subject, sequence, command.Text, current.Content + "\n" + command.Text, now, command.Door);
        _snapshots[command.Subject] = current with { Content = update.Content, LastSequence = sequence, LastUpdatedAt = now };
        Updates.Add(update);
        return () => command.Complete(update);
    }

    public Action Register(RegisterEmailCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = subjectIds[command.Subject];
        var normalized = SubjectValidator.NormalizeEmail(command.Email);
        if (Find(subjectId, normalized) is null)
        {
            db.Subscriptions.Add(new SubscriptionEntity
            {
                SubjectId = subjectId,
                Email = command.Email,
                NormalizedEmail = normalized,
                CreatedAt = now,
            });
            current = _snapshots[command.Subject] = current with { EmailCount = current.EmailCount + 1 };
        }
        return () => command.Complete(current);
    }

    public Action Unregister(UnregisterEmailCommand command)
    {
        var current = Current(command.Subject);
        var existing = Find(subjectIds[command.Subject], SubjectValidator.NormalizeEmail(command.Email));
        if (existing is null)
        {
            var error = new SubjectError(SubjectErrorKind.EmailNotRegistered, $"'{command.Email}' is not registered on subject '{command.Subject}'.", "email");
            return () => command.Fail(error);
        }
        db.Subscriptions.Remove(existing);
        current = _snapshots[command.Subject] = current with { EmailCount = current.EmailCount - 1 };
        return () => command.Complete(current);
    }

    /// <summary>Writes what EF Core tracks and each touched subject's newest sequence, then commits: one disk flush.</summary>
    public void Commit()
    {
        var appended = Updates.GroupBy(u => u.Subject).Select(g => g.Last());
        foreach (var last in appended)
            appender.TouchSubject(_transaction, subjectIds[last.Subject], last.Sequence, last.Timestamp);
        db.ChangeTracker.DetectChanges();
        if (db.ChangeTracker.HasChanges())
            db.SaveChanges(acceptAllChangesOnSuccess: true);
        _transaction.Commit();
    }

    public void Dispose() => _transaction.Dispose();

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
        return stored is null || db.Entry(stored).State == EntityState.Deleted ? null : stored;
    }
}
