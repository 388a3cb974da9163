using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// One group commit: its changes staged in arrival order inside one transaction, with each subject's state as it
/// will be once they commit, and the changes the commit makes, in order, for the change stream. Each method returns
/// how to complete its caller after the commit.
/// </summary>
internal sealed partial class BatchState(
    MessageQueueDbContext db,
    SubjectStatements rows,
    OutboxStatements outbox,
    bool confirmSubscriptions,
    IReadOnlyDictionary<string, int> subjectIds,
    SubjectCatalog catalog,
    SubjectValidator validator,
    ContentWindow window,
    DateTimeOffset now) : IDisposable
{
    // Ordered: subjects created in this batch are listed in the order they were created.
    private readonly OrderedDictionary<string, SubjectSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _createdIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);
    private readonly Dictionary<(int SubjectId, string Key), SubjectUpdate> _keyed = [];
    private readonly IDbContextTransaction _transaction = db.Database.BeginTransaction();

    /// <summary>What this batch changes, in the order it changes it: the change stream's next entries.</summary>
    public List<SubjectChange> Changes { get; } = [];

    /// <summary>True when this batch recorded mail for the sender to send.</summary>
    public bool RecordedNotifications { get; private set; }

    public bool Exists(string subject) =>
        _createdIds.ContainsKey(subject) || (!_deleted.Contains(subject) && subjectIds.ContainsKey(subject) && catalog.TryGet(subject, out _));

    public Action Append(AppendUpdateCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (command.IdempotencyKey is { } key)
        {
            if (!rows.Lock(_transaction, subjectId))
                return Gone(command);
            if (FindRepeat(subjectId, key, current) is { } stored)
                return () => command.Complete(stored);
        }
        if (rows.NextSequence(_transaction, subjectId, now) is not var (sequence, emailCount))
            return Gone(command);
        current = CatchUp(current, sequence);
        rows.InsertUpdate(_transaction, subjectId, sequence, command.Text, now, command.Origin, command.IdempotencyKey);

        // The legacy content rule, content = content + "\n" + text, within the content window.
        var update = new SubjectUpdate(command.Subject, sequence, command.Text, window.Append(current.Content, command.Text), now, command.Origin, subjectId);
        if (command.IdempotencyKey is { } newKey)
            _keyed[(subjectId, newKey)] = update;
        if (emailCount > 0)
        {
            // One outbox row whatever the number of addresses; the sender expands it.
            outbox.RecordUpdate(_transaction, subjectId, sequence, now);
            RecordedNotifications = true;
        }
        _snapshots[command.Subject] = current with { Content = update.Content, LastSequence = sequence, LastUpdatedAt = now };
        Changes.Add(update);
        return () => command.Complete(update);
    }

    public Action Register(RegisterEmailCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(_transaction, subjectId))
            return Gone(command);
        var normalized = SubjectValidator.NormalizeEmail(command.Email);
        var existing = Find(subjectId, normalized);
        var registration = existing ?? new SubscriptionEntity
        {
            SubjectId = subjectId,
            Email = command.Email,
            NormalizedEmail = normalized,
            CreatedAt = now,
            ConfirmedAt = confirmSubscriptions ? null : now,
        };
        if (existing is null)
        {
            db.Subscriptions.Add(registration);
            current = _snapshots[command.Subject] = current with { EmailCount = rows.CountRegistrations(_transaction, subjectId, +1) };
            Changes.Add(new RegistrationsChanged(command.Subject, subjectId, current.EmailCount));
        }

        // A new registration, or one registering again before confirming, gets a (new) confirmation mail.
        if (registration.ConfirmedAt is null)
            RecordConfirmation(subjectId, registration.Email);
        var result = new EmailRegistration(current, registration.Email, IsNew: existing is null, Confirmed: registration.ConfirmedAt is not null);
        return () => command.Complete(result);
    }

    public Action Confirm(ConfirmEmailCommand command)
    {
        var current = Current(command.Subject);
        var existing = Find(IdOf(command.Subject), SubjectValidator.NormalizeEmail(command.Email));
        if (existing is null)
        {
            var error = new SubjectError(SubjectErrorKind.EmailNotRegistered, $"'{command.Email}' is not registered on subject '{command.Subject}'.", "email");
            return () => command.Fail(error);
        }
        existing.ConfirmedAt ??= now;
        var result = new EmailRegistration(current, existing.Email, IsNew: false, Confirmed: true);
        return () => command.Complete(result);
    }

    public Action Unregister(UnregisterEmailCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(_transaction, subjectId))
            return Gone(command);
        var existing = Find(subjectId, SubjectValidator.NormalizeEmail(command.Email));
        if (existing is null)
        {
            var error = new SubjectError(SubjectErrorKind.EmailNotRegistered, $"'{command.Email}' is not registered on subject '{command.Subject}'.", "email");
            return () => command.Fail(error);
        }
        db.Subscriptions.Remove(existing);
        current = _snapshots[command.Subject] = current with { EmailCount = rows.CountRegistrations(_transaction, subjectId, -1) };
        Changes.Add(new RegistrationsChanged(command.Subject, subjectId, current.EmailCount));
        return () => command.Complete(current);
    }

    public Action Create(CreateSubjectCommand command)
    {
        if (validator.CheckNewName(command.Subject, [.. LiveNames()]) is { } refusal)
            return () => command.Fail(refusal);

        if (rows.InsertSubject(_transaction, command.Subject, command.Content, now) is not { } id)
        {
            var taken = new SubjectError(SubjectErrorKind.Conflict, $"Subject '{command.Subject}' already exists.", "name");
            return () => command.Fail(taken);
        }
        _createdIds[command.Subject] = id;
        var snapshot = _snapshots[command.Subject] = new SubjectSnapshot(command.Subject, window.Trim(command.Content), 0, null, 0, id);
        Changes.Add(new SubjectCreated(snapshot));
        return () => command.Complete(snapshot);
    }

    public Action Delete(DeleteSubjectCommand command)
    {
        var last = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(_transaction, subjectId))
            return Gone(command);

        // Flush what this batch tracked so far, then forget it: the rows below go without the change tracker.
        db.SaveChanges();
        db.ChangeTracker.Clear();
        db.Deliveries.Where(d => db.Notifications.Any(n => n.Id == d.NotificationId && n.SubjectId == subjectId)).ExecuteDelete();
        db.Notifications.Where(n => n.SubjectId == subjectId).ExecuteDelete();
        db.Updates.Where(u => u.SubjectId == subjectId).ExecuteDelete();
        db.Subscriptions.Where(s => s.SubjectId == subjectId).ExecuteDelete();
        db.Subjects.Where(s => s.Id == subjectId).ExecuteDelete();

        // Updates accepted earlier in this batch stay on the change stream before the deletion: they were acknowledged.
        _createdIds.Remove(command.Subject);
        _deleted.Add(command.Subject);
        _snapshots.Remove(command.Subject);
        Changes.Add(new SubjectDeleted(command.Subject, subjectId));
        return () => command.Complete(last);
    }

    /// <summary>Writes what EF Core tracks, then commits: one disk flush.</summary>
    public void Commit()
    {
        db.ChangeTracker.DetectChanges();
        if (db.ChangeTracker.HasChanges())
            db.SaveChanges(acceptAllChangesOnSuccess: true);
        _transaction.Commit();
    }

    public void Dispose() => _transaction.Dispose();

    /// <summary>
    /// The subject is no longer in the store: another instance deleted it, and this one has not heard yet. The caller
    /// is told it does not exist, and the deletion joins this batch's changes so every door here learns it now.
    /// </summary>
    private Action Gone(StoreCommand command)
    {
        var subjectId = IdOf(command.Subject);
        _createdIds.Remove(command.Subject);
        _deleted.Add(command.Subject);
        _snapshots.Remove(command.Subject);
        Changes.Add(new SubjectDeleted(command.Subject, subjectId));
        return () => command.Fail(new SubjectError(SubjectErrorKind.SubjectNotFound, $"Subject '{command.Subject}' does not exist.", "subject"));
    }

    /// <summary>
    /// The subject as of the update before <paramref name="sequence"/>. Another instance may have committed updates
    /// this one has not heard of yet; holding the subject's row, they are all in the store: they join this batch's
    /// changes first, so this instance's doors see the subject's updates gap-free and in order, and the content is right.
    /// </summary>
    private SubjectSnapshot CatchUp(SubjectSnapshot current, long sequence)
    {
        if (sequence == current.LastSequence + 1)
            return current;
        foreach (var (missed, text, timestamp, origin) in rows.ReadUpdates(_transaction, current.Id, current.LastSequence, sequence))
        {
            var update = new SubjectUpdate(current.Name, missed, text, window.Append(current.Content, text), timestamp, origin, current.Id);
            current = current with { Content = update.Content, LastSequence = missed, LastUpdatedAt = timestamp };
            Changes.Add(update);
        }
        return current;
    }

    private int IdOf(string subject) => _createdIds.TryGetValue(subject, out var id) ? id : subjectIds[subject];

    private IEnumerable<string> LiveNames() =>
        catalog.Names.Where(n => !_deleted.Contains(n)).Concat(_createdIds.Keys).Distinct(StringComparer.Ordinal);

    private SubjectSnapshot Current(string name) =>
        _snapshots.TryGetValue(name, out var staged) ? staged
        : catalog.TryGet(name, out var committed) ? committed
        : throw new InvalidOperationException($"Subject '{name}' is in the store but not in the catalog.");

    /// <summary>The update stored on the subject under this key, in this batch or before; the content is the subject's now.</summary>
    private SubjectUpdate? FindRepeat(int subjectId, string key, SubjectSnapshot current)
    {
        if (_keyed.TryGetValue((subjectId, key), out var staged))
            return staged;
        var stored = db.Updates.AsNoTracking().Where(u => u.SubjectId == subjectId && u.IdempotencyKey == key)
            .Select(u => new { u.Sequence, u.Text, u.Timestamp, u.Origin }).FirstOrDefault();
        return stored is null ? null : new SubjectUpdate(current.Name, stored.Sequence, stored.Text, current.Content, stored.Timestamp, stored.Origin, subjectId);
    }

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
