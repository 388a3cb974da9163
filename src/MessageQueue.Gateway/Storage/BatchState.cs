using MessageQueue.Gateway.ScaleOut;
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
    bool confirmSubscriptions,
    TimeSpan confirmationResend,
    MailMode defaultMode,
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
    private IDbContextTransaction? _transaction;

    /// <summary>What this batch changes, in the order it changes it: the change stream's next entries.</summary>
    public List<SubjectChange> Changes { get; } = [];

    /// <summary>The changes this instance made (not those it caught up on or heard of): what it relays to the others.</summary>
    public List<SubjectChange> OwnChanges { get; } = [];

    /// <summary>True when this batch gave the sender mail to send: a confirmation, or an update with registrations.</summary>
    public bool RecordedNotifications { get; private set; }

    public bool Exists(string subject) =>
        _createdIds.ContainsKey(subject) || (!_deleted.Contains(subject) && subjectIds.ContainsKey(subject) && catalog.TryGet(subject, out _));

    /// <summary>Locks the rows of the existing subjects these commands change, in id order (see <see cref="SubjectStatements.LockInIdOrder"/>).</summary>
    public void LockSubjectsOf(IEnumerable<StoreCommand> commands)
    {
        var ids = commands
            .Where(c => c is AppendUpdateCommand or RegisterEmailCommand or UnregisterEmailCommand or DeleteSubjectCommand or ConfirmEmailCommand or SetMailModeCommand)
            .Select(c => subjectIds.TryGetValue(c.Subject, out var id) ? id : 0)
            .Where(id => id != 0)
            .Distinct()
            .Order()
            .ToArray();
        // A creation counts too: its insert waits on another batch's insert of the same name, which may hold one of these rows.
        if (ids.Length > 1 || (ids.Length == 1 && commands.Any(c => c is CreateSubjectCommand)))
            rows.LockInIdOrder(Transaction, ids);
    }

    public Action Append(AppendUpdateCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (command.IdempotencyKey is { } key)
        {
            if (!rows.Lock(Transaction, subjectId))
                return Gone(command);
            if (FindRepeat(subjectId, key, current) is { } stored)
                return () => command.Complete(stored with { IsRepeat = true });
        }
        if (rows.AppendUpdate(Transaction, subjectId, command.Text, now, command.Origin, command.IdempotencyKey) is not var (sequence, emailCount))
            return Gone(command);
        current = CatchUp(current, sequence);

        // The legacy content rule, content = content + "\n" + text, within the content window.
        var update = new SubjectUpdate(command.Subject, sequence, command.Text, window.Append(current.Content, command.Text), now, command.Origin, subjectId);
        if (command.IdempotencyKey is { } newKey)
            _keyed[(subjectId, newKey)] = update;
        // Nothing to write whatever the number of addresses: each registration's MailedThrough says what it has not
        // been mailed yet, and the sender reads that.
        if (emailCount > 0)
            RecordedNotifications = true;
        _snapshots[command.Subject] = current with { Content = update.Content, LastSequence = sequence, LastUpdatedAt = now };
        Own(update);
        return () => command.Complete(update);
    }

    public Action Register(RegisterEmailCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(Transaction, subjectId))
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
            Mode = defaultMode,
            // What came before it is not its news: the store's number, which may be ahead of this instance's catalog.
            MailedThrough = rows.ReadLastSequence(Transaction, subjectId),
        };
        if (existing is null)
        {
            db.Subscriptions.Add(registration);
            current = _snapshots[command.Subject] = current with { EmailCount = rows.CountRegistrations(Transaction, subjectId, +1) };
            Own(new RegistrationsChanged(command.Subject, subjectId, current.EmailCount));
        }

        // A new registration, or one registering again before confirming, gets a (new) confirmation mail, at most one
        // per Email:ConfirmationResendMinutes: registering someone's address over and over must not flood their inbox.
        var resendDue = registration.ConfirmationQueuedAt is not { } queued || now - queued >= confirmationResend;
        if (registration.ConfirmedAt is null && resendDue)
        {
            RecordConfirmation(subjectId, registration.Email);
            registration.ConfirmationQueuedAt = now;
        }
        var result = new EmailRegistration(current, registration.Email, IsNew: existing is null, Confirmed: registration.ConfirmedAt is not null, registration.Mode, registration.MailEvenWhenSeen);
        return () => command.Complete(result);
    }

    public Action Confirm(ConfirmEmailCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(Transaction, subjectId))
            return Gone(command);
        var existing = Find(subjectId, SubjectValidator.NormalizeEmail(command.Email));
        if (existing is null)
        {
            var error = new SubjectError(SubjectErrorKind.EmailNotRegistered, $"'{command.Email}' is not registered on subject '{command.Subject}'.", "email");
            return () => command.Fail(error);
        }
        if (existing.ConfirmedAt is null)
        {
            existing.ConfirmedAt = now;
            existing.MailedThrough = rows.ReadLastSequence(Transaction, subjectId); // mail only what comes after the confirmation
        }
        var result = new EmailRegistration(current, existing.Email, IsNew: false, Confirmed: true, existing.Mode, existing.MailEvenWhenSeen);
        return () => command.Complete(result);
    }

    public Action SetMailMode(SetMailModeCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(Transaction, subjectId))
            return Gone(command);
        var existing = Find(subjectId, SubjectValidator.NormalizeEmail(command.Email));
        if (existing is null)
        {
            var error = new SubjectError(SubjectErrorKind.EmailNotRegistered, $"'{command.Email}' is not registered on subject '{command.Subject}'.", "email");
            return () => command.Fail(error);
        }
        if (command.Settings.Mode is { } mode && existing.Mode != mode)
        {
            // Back from off: what came while it was off is not news to mail now.
            if (existing.Mode == MailMode.Off)
                existing.MailedThrough = rows.ReadLastSequence(Transaction, subjectId);
            // Into immediate: the next mail may go at once, not when a digest would have.
            if (mode == MailMode.Immediate)
                existing.NextMailAt = null;
            existing.Mode = mode;
        }
        if (command.Settings.MailEvenWhenSeen is { } mailEvenWhenSeen)
            existing.MailEvenWhenSeen = mailEvenWhenSeen;
        var result = new EmailRegistration(current, existing.Email, IsNew: false, Confirmed: existing.ConfirmedAt is not null, existing.Mode, existing.MailEvenWhenSeen);
        return () => command.Complete(result);
    }

    public Action Unregister(UnregisterEmailCommand command)
    {
        var current = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(Transaction, subjectId))
            return Gone(command);
        var existing = Find(subjectId, SubjectValidator.NormalizeEmail(command.Email));
        if (existing is null)
        {
            var error = new SubjectError(SubjectErrorKind.EmailNotRegistered, $"'{command.Email}' is not registered on subject '{command.Subject}'.", "email");
            return () => command.Fail(error);
        }
        db.Subscriptions.Remove(existing);
        current = _snapshots[command.Subject] = current with { EmailCount = rows.CountRegistrations(Transaction, subjectId, -1) };
        Own(new RegistrationsChanged(command.Subject, subjectId, current.EmailCount));
        return () => command.Complete(current);
    }

    public Action Create(CreateSubjectCommand command)
    {
        if (validator.CheckNewName(command.Subject, [.. LiveNames()]) is { } refusal)
            return () => command.Fail(refusal);

        if (rows.InsertSubject(Transaction, command.Subject, command.Content, now) is not { } id)
        {
            var taken = new SubjectError(SubjectErrorKind.Conflict, $"Subject '{command.Subject}' already exists.", "name");
            return () => command.Fail(taken);
        }
        _createdIds[command.Subject] = id;
        var snapshot = _snapshots[command.Subject] = new SubjectSnapshot(command.Subject, window.Trim(command.Content), 0, null, 0, id);
        Own(new SubjectCreated(snapshot));
        return () => command.Complete(snapshot);
    }

    public Action Delete(DeleteSubjectCommand command)
    {
        var last = Current(command.Subject);
        var subjectId = IdOf(command.Subject);
        if (!rows.Lock(Transaction, subjectId))
            return Gone(command);

        // Flush what this batch tracked so far, then forget it: the rows below go without the change tracker.
        db.SaveChanges();
        db.ChangeTracker.Clear();
        db.Deliveries.Where(d => d.SubjectId == subjectId).ExecuteDelete();
        db.Notifications.Where(n => n.SubjectId == subjectId).ExecuteDelete();
        db.Updates.Where(u => u.SubjectId == subjectId).ExecuteDelete();
        db.Subscriptions.Where(s => s.SubjectId == subjectId).ExecuteDelete();
        db.Subjects.Where(s => s.Id == subjectId).ExecuteDelete();

        // Updates accepted earlier in this batch stay on the change stream before the deletion: they were acknowledged.
        _createdIds.Remove(command.Subject);
        _deleted.Add(command.Subject);
        _snapshots.Remove(command.Subject);
        Own(new SubjectDeleted(command.Subject, subjectId));
        return () => command.Complete(last);
    }

    /// <summary>Applies what another instance committed and relayed, in order, after anything it missed before it.</summary>
    public void Relay(RelayedChange change)
    {
        var known = TryCurrent(change.Subject, change.SubjectId, out var current);
        switch (change.Kind)
        {
            case RelayedKind.Created when !known:
                if (Exists(change.Subject))
                    Forget(change.Subject, IdOf(change.Subject)); // a deletion this instance missed
                Learn(new SubjectSnapshot(change.Subject, window.Trim(change.Content ?? ""), 0, null, change.EmailCount, change.SubjectId));
                break;
            case RelayedKind.Updated when known && change.Sequence > current.LastSequence:
                current = CatchUp(current, change.Sequence);
                var update = new SubjectUpdate(change.Subject, change.Sequence, change.Text ?? "", window.Append(current.Content, change.Text ?? ""),
                    change.Timestamp ?? now, change.Origin ?? "", change.SubjectId);
                _snapshots[change.Subject] = current with { Content = update.Content, LastSequence = update.Sequence, LastUpdatedAt = update.Timestamp };
                Changes.Add(update);
                break;
            case RelayedKind.Registrations when known && change.EmailCount != current.EmailCount:
                _snapshots[change.Subject] = current with { EmailCount = change.EmailCount };
                Changes.Add(new RegistrationsChanged(change.Subject, change.SubjectId, change.EmailCount));
                break;
            case RelayedKind.Deleted when known:
                Forget(change.Subject, change.SubjectId);
                break;
        }
    }

    /// <summary>
    /// Brings the catalog to what the store holds now, for whatever the relay did not bring: subjects created or
    /// deleted elsewhere, updates this instance has not heard of (read back in order), registration counts.
    /// </summary>
    public void Reconcile()
    {
        var stored = rows.ReadSubjects(Transaction);
        var storedIds = stored.Select(s => s.Id).ToHashSet();
        foreach (var name in LiveNames().ToList())
        {
            var id = IdOf(name);
            if (!storedIds.Contains(id))
                Forget(name, id);
        }
        foreach (var row in stored)
        {
            if (!TryCurrent(row.Name, row.Id, out var current))
            {
                if (rows.ReadInitialContent(Transaction, row.Id) is not { } initial)
                    continue; // deleted since the read above
                if (Exists(row.Name))
                    Forget(row.Name, IdOf(row.Name));
                current = Learn(new SubjectSnapshot(row.Name, window.Trim(initial), 0, null, 0, row.Id));
            }
            if (row.LastSequence > current.LastSequence)
                current = _snapshots[row.Name] = CatchUp(current, row.LastSequence + 1);
            if (row.EmailCount != current.EmailCount)
            {
                _snapshots[row.Name] = current with { EmailCount = row.EmailCount };
                Changes.Add(new RegistrationsChanged(row.Name, row.Id, row.EmailCount));
            }
        }
    }

    /// <summary>Writes what EF Core tracks, then commits: one disk flush.</summary>
    public void Commit()
    {
        db.ChangeTracker.DetectChanges();
        if (db.ChangeTracker.HasChanges())
        {
            _ = Transaction; // begun, so that SaveChanges joins it
            db.SaveChanges(acceptAllChangesOnSuccess: true);
        }
        _transaction?.Commit();
    }

    public void Dispose() => _transaction?.Dispose();

    /// <summary>
    /// Begun at the batch's first statement: a batch of other instances' changes heard in order (or a reconciliation
    /// that finds nothing new) costs the store no transaction at all, however many instances relay to this one.
    /// </summary>
    private IDbContextTransaction Transaction => _transaction ??= db.Database.BeginTransaction();

    private void Own(SubjectChange change)
    {
        Changes.Add(change);
        OwnChanges.Add(change);
    }

    /// <summary>The subject of that name, only while it is the one of that id, as this batch leaves it.</summary>
    private bool TryCurrent(string name, int id, out SubjectSnapshot current)
    {
        if (_snapshots.TryGetValue(name, out current!))
            return current.Id == id;
        return !_deleted.Contains(name) && catalog.TryGet(name, id, out current);
    }

    /// <summary>A subject another instance created: known from this batch on.</summary>
    private SubjectSnapshot Learn(SubjectSnapshot snapshot)
    {
        _deleted.Remove(snapshot.Name);
        _createdIds[snapshot.Name] = snapshot.Id;
        _snapshots[snapshot.Name] = snapshot;
        Changes.Add(new SubjectCreated(snapshot));
        return snapshot;
    }

    /// <summary>A subject gone from the store: forgotten from this batch on, and its deletion handed to this instance's doors.</summary>
    private void Forget(string subject, int subjectId)
    {
        _createdIds.Remove(subject);
        _deleted.Add(subject);
        _snapshots.Remove(subject);
        Changes.Add(new SubjectDeleted(subject, subjectId));
    }

    /// <summary>
    /// The subject is no longer in the store: another instance deleted it, and this one has not heard yet. The caller
    /// is told it does not exist, and the deletion joins this batch's changes so every door here learns it now.
    /// </summary>
    private Action Gone(StoreCommand command)
    {
        Forget(command.Subject, IdOf(command.Subject));
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
        foreach (var (missed, text, timestamp, origin) in rows.ReadUpdates(Transaction, current.Id, current.LastSequence, sequence))
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
