using MessageQueue.Gateway.Email;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.ScaleOut;
using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The single writer of the store. Changes from every door queue here; whatever has queued while the previous
/// commit was flushing is committed together in one transaction (group commit), so concurrent updates share one
/// disk flush. After the commit it hands the batch's changes, in commit order, first to the catalog and then to the
/// change stream, and only then completes the callers.
/// </summary>
internal sealed partial class StoreWriter(
    IDbContextFactory<MessageQueueDbContext> contextFactory,
    SubjectCatalog catalog,
    SubjectValidator validator,
    ContentWindow window,
    IChangeFanout fanout,
    IChangeBus bus,
    OutboxSignal outboxSignal,
    TimeProvider clock,
    IOptions<StoreOptions> options,
    IOptionsMonitor<StoreOptions> liveOptions,
    BacklogMetrics backlog,
    GatewayMetrics metrics,
    IOptions<EmailOptions> emailOptions,
    ILogger<StoreWriter> logger) : IHostedService
{
    // The ingest sources' lane holds their share, half the queue (see IngestService); the doors keep the whole queue.
    private readonly StoreQueue _queue = new(options.Value.MaxQueuedChanges, Math.Max(1, options.Value.MaxQueuedChanges / 2));
    private readonly int _maxBatch = options.Value.MaxBatchSize;
    private readonly MessageQueue.Gateway.Operations.LogThrottle _stillRefusing = new();
    private Thread? _thread;
    private volatile bool _failed;
    private volatile string? _lastWriteFailure;

    /// <summary>True once the writer could not work at all: it refuses every change until restart (readiness).</summary>
    public bool Failed => _failed;

    /// <summary>Why the last write failed with a storage error (disk full, read-only, I/O); null once a write succeeded (readiness).</summary>
    public string? LastWriteFailure => _lastWriteFailure;

    /// <summary>Changes waiting for a commit.</summary>
    public int QueuedChanges => _queue.Count;

    /// <summary>Queues a change; refuses at once when the queue is full rather than letting callers pile up.</summary>
    public Task<SubjectResult<T>> Submit<T>(StoreCommand<T> command)
    {
        if (!_queue.TryWrite(command))
        {
            command.Fail(new SubjectError(SubjectErrorKind.Unavailable, "The gateway is busy or stopping."));
        }
        return command.Completion;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Commits block on the disk: a dedicated thread, never the thread pool.
        _thread = new Thread(Run) { IsBackground = true, Name = "store-writer" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // The doors have stopped taking requests by now (they stop first); commit what is queued, then end.
        _queue.Complete();
        return _thread is null ? Task.CompletedTask : Task.Run(() => _thread.Join(), CancellationToken.None).WaitAsync(cancellationToken);
    }

    private void Run()
    {
        try
        {
            CommitUntilStopped();
        }
        catch (Exception ex)
        {
            // The store cannot be used at all (it would not open, say): refuse every change rather than leave callers waiting.
            _failed = true;
            Log.WriterFailed(logger, ex);
            while (_queue.WaitToReadAsync().GetAwaiter().GetResult())
            {
                while (_queue.TryRead(out var command))
                    command.Fail(new SubjectError(SubjectErrorKind.Unavailable, "The store is unavailable."));
            }
        }
    }

    private void CommitUntilStopped()
    {
        // One context and one open connection for the writer's whole life, its change tracker cleared per batch.
        using var db = contextFactory.CreateDbContext();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Database.OpenConnection();
        if (!options.Value.FlushEachCommit && db.Database.IsSqlite())
            db.Database.ExecuteSqlRaw("PRAGMA synchronous = NORMAL;"); // per connection: only the writer's commits skip the flush
        using var rows = new SubjectStatements(db);
        var confirmSubscriptions = emailOptions.Value.ConfirmSubscriptions;
        var confirmationResend = TimeSpan.FromMinutes(emailOptions.Value.ConfirmationResendMinutes);
        // From the catalog the initializer loaded, not a second read of the store: another instance may have changed
        // it in between, and the two must agree on every subject's id.
        var subjectIds = catalog.All().ToDictionary(s => s.Name, s => s.Id, StringComparer.Ordinal);

        var batch = new List<StoreCommand>(_maxBatch);
        long? sizeCap = null;
        Task<bool>? waiting = null;
        while (true)
        {
            // While the last write failed, an idle writer probes now and then, so readiness recovers without traffic.
            waiting ??= _queue.WaitToReadAsync();
            if (_lastWriteFailure is not null && !waiting.Wait(TimeSpan.FromSeconds(liveOptions.CurrentValue.ProbeIntervalSeconds)))
            {
                Attempt(() => StoreWriteHealth.Probe(db), db, ref sizeCap);
                continue;
            }
            if (!waiting.GetAwaiter().GetResult())
                break;
            waiting = null;

            while (batch.Count < _maxBatch && _queue.TryRead(out var command))
                batch.Add(command);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var command in batch)
                metrics.WaitedForStore(command.SubmittedAt, started);
            BatchState? committed = null;
            List<Action>? completions = null;
            if (Attempt(() =>
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        using var staged = new BatchState(db, rows, confirmSubscriptions, confirmationResend, emailOptions.Value.DefaultMode, subjectIds, catalog, validator, window, StoredPrecision(clock.GetUtcNow()));
                        completions = Commit(batch, staged);
                        committed = staged;
                        return;
                    }
                    catch (Exception ex) when (attempt < MaxDeadlockAttempts && StoreWriteHealth.IsDeadlock(ex))
                    {
                        // Another instance's batch took the same subjects' rows in another order and PostgreSQL
                        // aborted this one: nothing of it is stored or handed on yet, so it is staged again.
                        Log.DeadlockRetried(logger, attempt);
                        db.ChangeTracker.Clear();
                    }
                }
            }, db, ref sizeCap))
            {
                metrics.Committed(started, batch.Count);
                AfterCommit(committed!, completions!, subjectIds);
            }
            else
            {
                foreach (var command in batch)
                    command.Fail(new SubjectError(SubjectErrorKind.Unavailable, "The change could not be stored."));
            }
            db.ChangeTracker.Clear();
            batch.Clear();
        }
    }

    /// <summary>One write (a batch or a probe), its outcome recorded for readiness; false when it failed.</summary>
    private bool Attempt(Action write, MessageQueueDbContext db, ref long? sizeCap)
    {
        try
        {
            var cap = liveOptions.CurrentValue.MaxDatabaseBytes;
            if (sizeCap != cap)
            {
                StoreWriteHealth.ApplySizeCap(db, cap);
                sizeCap = cap;
            }
            write();
            if (_lastWriteFailure is not null)
            {
                _lastWriteFailure = null;
                Log.WritesRecovered(logger);
            }
            return true;
        }
        catch (Exception ex) when (StoreWriteHealth.IsStorageError(ex))
        {
            backlog.StoreWriteFailed();
            if (_lastWriteFailure is null)
                Log.StoreRefusesWrites(logger, ex);
            else if (_stillRefusing.ShouldLog(out var suppressed))
                Log.StillRefusing(logger, StoreWriteHealth.Describe(ex), suppressed); // every batch under load: not every time
            _lastWriteFailure = StoreWriteHealth.Describe(ex);
            return false;
        }
        catch (Exception ex)
        {
            Log.CommitFailed(logger, ex);
            return false;
        }
    }

    /// <summary>Stages every command and commits them in one transaction; how to complete each caller afterwards.</summary>
    private static List<Action> Commit(List<StoreCommand> batch, BatchState staged)
    {
        var completions = new List<Action>(batch.Count);
        staged.LockSubjectsOf(batch);
        var reconciled = false;
        foreach (var command in batch)
        {
            switch (command)
            {
                case CreateSubjectCommand create:
                    completions.Add(staged.Create(create));
                    continue;
                case RelayedChangesCommand relayed:
                    foreach (var change in relayed.Changes)
                        staged.Relay(change);
                    completions.Add(() => relayed.Complete(true));
                    continue;
                case ReconcileCommand reconcile:
                    // Once per batch, however many asked (clients resuming after a failover, the timer, Redis back):
                    // it reads the store after every one of them asked.
                    if (!reconciled)
                        staged.Reconcile();
                    reconciled = true;
                    completions.Add(() => reconcile.Complete(true));
                    continue;
            }
            if (!staged.Exists(command.Subject))
            {
                // Answered after the commit with the rest: a caller's continuation runs on this thread.
                completions.Add(() => command.Fail(new SubjectError(SubjectErrorKind.SubjectNotFound, $"Subject '{command.Subject}' does not exist.", "subject")));
                continue;
            }
            completions.Add(command switch
            {
                AppendUpdateCommand append => staged.Append(append),
                RegisterEmailCommand register => staged.Register(register),
                UnregisterEmailCommand unregister => staged.Unregister(unregister),
                DeleteSubjectCommand delete => staged.Delete(delete),
                ConfirmEmailCommand confirm => staged.Confirm(confirm),
                SetMailModeCommand mode => staged.SetMailMode(mode),
                _ => throw new InvalidOperationException($"Unknown store command {command.GetType().Name}."),
            });
        }
        staged.Commit();
        return completions;
    }

    /// <summary>
    /// Once committed, the changes are stored whatever happens next: a fault here is the gateway's own and is logged,
    /// but every caller is still answered with its stored outcome, never told that its change was not stored.
    /// </summary>
    private void AfterCommit(BatchState committed, List<Action> completions, Dictionary<string, int> subjectIds)
    {
        try
        {
            // The catalog first, whole: a caller answered next, or a sink reading it, sees the batch committed.
            foreach (var change in committed.Changes)
            {
                if (change is SubjectCreated created)
                    subjectIds[created.Subject] = created.SubjectId;
                else if (change is SubjectDeleted deleted)
                    subjectIds.Remove(deleted.Subject);
                catalog.Apply(change);
            }
            foreach (var change in committed.Changes)
                fanout.Publish(change);
            if (committed.OwnChanges.Count > 0)
                bus.Publish(committed.OwnChanges);
            if (committed.RecordedNotifications)
                outboxSignal.Notify();
        }
        catch (Exception ex)
        {
            Log.AfterCommitFailed(logger, ex);
        }
        foreach (var complete in completions)
        {
            try
            {
                complete();
            }
            catch (Exception ex)
            {
                Log.AfterCommitFailed(logger, ex);
            }
        }
    }

    private const int MaxDeadlockAttempts = 3;

    /// <summary>
    /// Whole milliseconds: finer than the store keeps a DateTimeOffset (SQLite's binary form holds about 0.1 ms), so
    /// what the doors show at once is what they show from the store later, after a restart too.
    /// </summary>
    private static DateTimeOffset StoredPrecision(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerMillisecond));

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Error, "Committing queued changes failed; every one was refused")]
        public static partial void CommitFailed(ILogger logger, Exception exception);

        [LoggerMessage(1010, LogLevel.Error, "The store refuses writes; every change is refused and readiness fails until a write succeeds")]
        public static partial void StoreRefusesWrites(ILogger logger, Exception exception);

        [LoggerMessage(1011, LogLevel.Warning, "The store still refuses writes: {Error}; {Suppressed} more since the last line")]
        public static partial void StillRefusing(ILogger logger, string error, long suppressed);

        [LoggerMessage(1013, LogLevel.Error, "After a commit, handing its changes on failed; they are stored and their callers are answered")]
        public static partial void AfterCommitFailed(ILogger logger, Exception exception);

        [LoggerMessage(1014, LogLevel.Warning, "A batch was aborted in a deadlock with another instance's (attempt {Attempt}); staging it again")]
        public static partial void DeadlockRetried(ILogger logger, int attempt);

        [LoggerMessage(1012, LogLevel.Information, "The store takes writes again")]
        public static partial void WritesRecovered(ILogger logger);

        [LoggerMessage(1002, LogLevel.Critical, "The store writer cannot work; every change is refused until restart")]
        public static partial void WriterFailed(ILogger logger, Exception exception);
    }
}
