using System.Collections.Concurrent;
using System.Security.Cryptography;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Email;

/// <summary>
/// Drains the email outbox, never in the publish path and never through the store writer: expands recorded
/// notifications into deliveries, claims what is due for itself (a lease that no other sender, in this process or
/// another, can take while it lasts), sends it over reused connections with bounded concurrency, retries transient
/// failures with exponential backoff and jitter, and parks a mail after a permanent failure or too many attempts.
/// Each outcome is committed as soon as the server answers, and only while this sender still holds the claim, so a
/// crash between the server's acceptance and that commit is one way to send a mail twice (after the dead sender's
/// lease runs out); the other is a server that takes the whole mail and never answers (an unknown outcome), which
/// gets one resend, late.
/// </summary>
internal sealed partial class EmailSender(
    IDbContextFactory<MessageQueueDbContext> contextFactory,
    OutboxClaims claims,
    OutboxSignal signal,
    NotificationMail mail,
    MailContent content,
    Func<IMailTransport> createTransport,
    TimeProvider clock,
    GatewayMetrics metrics,
    IOptions<EmailOptions> options,
    ILogger<EmailSender> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);

    // After a round that found nothing to do, the next waits this long at least, however many commits wake it: each
    // round scans the registrations, and a busy subject commits hundreds of times a second.
    private static readonly TimeSpan QuietRoundInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SendGraceOnStop = TimeSpan.FromSeconds(5);
    private readonly EmailOptions _options = options.Value;
    private readonly TimeSpan _lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
    private readonly MailIntervals _intervals = new(
        TimeSpan.FromSeconds(options.Value.MinIntervalSeconds), TimeSpan.FromMinutes(options.Value.DigestMinutes), TimeSpan.FromSeconds(options.Value.SeenGraceSeconds));
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(30);
    private readonly ConcurrentBag<IMailTransport> _transports = [];
    private long _sent, _retried, _parked;
    private DateTimeOffset _lastSummary;

    /// <summary>Who holds this sender's claims: unique per process and sender, and readable in the store.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{System.Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}";

    // On the thread pool: the caller of StartAsync may have a synchronization context (a test runner's) that this
    // loop must not capture, or stopping the host from that context would wait on itself.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => SendUntilStoppedAsync(stoppingToken), CancellationToken.None);

    private async Task SendUntilStoppedAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!await RunRoundAsync(stoppingToken))
                    {
                        await Task.Delay(QuietRoundInterval, clock, stoppingToken);
                        await signal.WaitAsync(IdlePoll - QuietRoundInterval, stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The store refused (busy, stopping) or read failed: try again shortly, never give up the loop.
                    Log.RoundFailed(logger, ex);
                    await signal.WaitAsync(IdlePoll, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whatever was not recorded as sent stays pending in the store for the next start.
        }
        finally
        {
            while (_transports.TryTake(out var transport))
                await transport.DisposeAsync();
        }
    }

    /// <summary>One round: claim what is due, expand, then send what was claimed. False when there was nothing to do.</summary>
    private async Task<bool> RunRoundAsync(CancellationToken cancellationToken)
    {
        var claimed = await claims.ClaimAsync(Owner, _options.BatchSize, clock.GetUtcNow(), _lease, cancellationToken);
        if (claimed.Count < _options.BatchSize)
        {
            // New mails only once the deliveries already made are nearly sent, a batch of them at a time: the pending
            // list stays short, and no single transaction grows with a backlog.
            var composed = await claims.ComposeDueAsync(clock.GetUtcNow(), _options.BatchSize, _intervals, cancellationToken);
            var expanded = await claims.ExpandOneAsync(clock.GetUtcNow(), cancellationToken);
            if (claimed.Count == 0)
                return composed > 0 || expanded;
        }

        var recorded = 0;
        using var roundEnd = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewWhileSendingAsync(roundEnd.Token);
        try
        {
            var due = await ReadClaimedAsync(claimed, cancellationToken);
            var bodies = new ConcurrentDictionary<(int, long, long), Task<MailedUpdates>>();
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
                async (work, token) =>
                {
                    // Recorded before this sender takes its next mail, so a crash can leave at most one accepted but
                    // unrecorded mail per sender.
                    var outcome = await SendAsync(work, bodies, token);
                    if (await claims.RecordAsync(Owner, outcome, CancellationToken.None))
                        Interlocked.Increment(ref recorded);
                    else
                        Log.ClaimLost(logger, work.DeliveryId, work.Subject, outcome.State);
                });
        }
        finally
        {
            await roundEnd.CancelAsync();
            await renewing;
            // Cut short (stopping, a failure): what was claimed and not sent is free for the next round or sender at once.
            if (recorded < claimed.Count)
                await ReleaseQuietlyAsync();
        }
        LogSummaryNowAndThen();
        return true;
    }

    /// <summary>Keeps this round's claims while it sends, however long a send takes; renews only what it still holds.</summary>
    private async Task RenewWhileSendingAsync(CancellationToken roundEnd)
    {
        using var timer = new PeriodicTimer(_lease / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(roundEnd))
            {
                try
                {
                    await claims.RenewAsync(Owner, clock.GetUtcNow(), _lease, roundEnd);
                }
                catch (Exception ex) when (!roundEnd.IsCancellationRequested)
                {
                    // The store is busy or failing: the next tick tries again, well before the lease runs out.
                    Log.RenewFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (roundEnd.IsCancellationRequested)
        {
            // The round ended.
        }
    }

    private async Task ReleaseQuietlyAsync()
    {
        try
        {
            await claims.ReleaseAsync(Owner, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The claims lapse by themselves when their lease runs out.
            Log.ReleaseFailed(logger, ex);
        }
    }

    private async Task<DeliveryOutcome> SendAsync(DeliveryWork work, ConcurrentDictionary<(int, long, long), Task<MailedUpdates>> bodies, CancellationToken cancellationToken)
    {
        if (!_transports.TryTake(out var transport))
            transport = createTransport();
        var attempts = work.Attempts + 1;
        // The update's correlation id, derived from what the outbox row keeps; a confirmation has sequence 0.
        var updateId = new UpdateId(work.SubjectId, work.Kind == NotificationKind.Update ? work.LastSequence : 0);
        try
        {
            var message = work.Kind == NotificationKind.Confirmation
                ? mail.Confirmation(work)
                : await BuildUpdateAsync(work, bodies, cancellationToken);
            // A stop lets a mail already on its way finish for a few seconds: one cut off after the server has it but
            // before its answer is read would be sent again after the restart.
            using var grace = new CancellationTokenSource();
            using (cancellationToken.Register(() => grace.CancelAfter(SendGraceOnStop)))
                await transport.SendAsync(message, grace.Token);
            Log.Sent(logger, work.DeliveryId, work.Subject, updateId);
            Interlocked.Increment(ref _sent);
            metrics.MailAttempt(MailOutcome.Sent);
            return new DeliveryOutcome(work.DeliveryId, DeliveryState.Sent, attempts, clock.GetUtcNow(), null, clock.GetUtcNow());
        }
        catch (UnknownOutcomeMailException ex) when (!cancellationToken.IsCancellationRequested)
        {
            metrics.MailAttempt(MailOutcome.Unknown);
            if (work.State == DeliveryState.Unconfirmed)
            {
                // Sent twice and unanswered twice: a third copy would be one too many.
                Log.UnknownTwice(logger, work.DeliveryId, work.Subject, updateId, attempts, ex.Message);
                Interlocked.Increment(ref _parked);
                return new DeliveryOutcome(work.DeliveryId, DeliveryState.Parked, attempts, clock.GetUtcNow(), Truncate("Unknown outcome twice, not sent again. " + ex.Message), null);
            }
            var resendAt = clock.GetUtcNow() + TimeSpan.FromMinutes(_options.UnknownOutcomeRetryMinutes);
            Log.UnknownOutcome(logger, work.DeliveryId, work.Subject, updateId, attempts, resendAt, ex.Message);
            return new DeliveryOutcome(work.DeliveryId, DeliveryState.Unconfirmed, attempts, resendAt, Truncate(ex.Message), null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = $"{ex.GetType().Name}: {ex.Message}";
            if (ex is PermanentMailException || attempts >= _options.MaxAttempts)
            {
                Log.Parked(logger, work.DeliveryId, work.Subject, updateId, attempts, error);
                Interlocked.Increment(ref _parked);
                metrics.MailAttempt(MailOutcome.Parked);
                return new DeliveryOutcome(work.DeliveryId, DeliveryState.Parked, attempts, clock.GetUtcNow(), Truncate(error), null);
            }
            var retryAt = clock.GetUtcNow() + Backoff(attempts);
            Log.WillRetry(logger, work.DeliveryId, work.Subject, updateId, attempts, retryAt, error);
            Interlocked.Increment(ref _retried);
            metrics.MailAttempt(MailOutcome.Retried);
            // An unconfirmed mail stays so through ordinary failures: it still has only its one resend.
            return new DeliveryOutcome(work.DeliveryId, work.State, attempts, retryAt, Truncate(error), null);
        }
        finally
        {
            _transports.Add(transport);
        }
    }

    private async Task<MimeKit.MimeMessage> BuildUpdateAsync(DeliveryWork work, ConcurrentDictionary<(int, long, long), Task<MailedUpdates>> bodies, CancellationToken cancellationToken)
    {
        // Recipients mailed the same updates (all of a subject's after one update, usually) get the same body: read it once per round.
        var updates = await bodies.GetOrAdd((work.SubjectId, work.FirstSequence, work.LastSequence),
            _ => content.ReadAsync(work.SubjectId, work.FirstSequence, work.LastSequence, cancellationToken));
        return mail.Update(work, updates);
    }

    /// <summary>While mail flows, a line every half minute with the totals since start (GET /api/email/outbox has the store's).</summary>
    private void LogSummaryNowAndThen()
    {
        var now = clock.GetUtcNow();
        if (now - _lastSummary < SummaryInterval)
            return;
        _lastSummary = now;
        Log.Summary(logger, Interlocked.Read(ref _sent), Interlocked.Read(ref _retried), Interlocked.Read(ref _parked));
    }

    /// <summary>Exponential with full jitter around it (0.5x to 1.5x), capped.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var seconds = Math.Min(_options.RetryBaseSeconds * Math.Pow(2, attempts - 1), _options.RetryMaxSeconds);
        return TimeSpan.FromSeconds(seconds * (0.5 + Random.Shared.NextDouble()));
    }

    /// <summary>What the claimed deliveries are about; a delivery whose subject was deleted meanwhile is gone with it.</summary>
    private async Task<List<DeliveryWork>> ReadClaimedAsync(List<long> claimed, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await (
            from delivery in db.Deliveries.AsNoTracking()
            where claimed.Contains(delivery.Id)
            join subject in db.Subjects on delivery.SubjectId equals subject.Id
            orderby delivery.Id
            select new DeliveryWork(delivery.Id, delivery.NotificationId, delivery.FirstSequence == null ? NotificationKind.Confirmation : NotificationKind.Update,
                subject.Id, subject.Name, delivery.FirstSequence ?? 0, delivery.LastSequence ?? 0, delivery.Email, delivery.Attempts, delivery.State))
            .ToListAsync(cancellationToken);
    }

    private static string Truncate(string error) => error.Length <= 1000 ? error : error[..1000];

    private static partial class Log
    {
        [LoggerMessage(4000, LogLevel.Debug, "Mail {DeliveryId} for {Subject} (update {UpdateId}) sent")]
        public static partial void Sent(ILogger logger, long deliveryId, string subject, UpdateId updateId);

        [LoggerMessage(4001, LogLevel.Warning, "Mail {DeliveryId} for {Subject} (update {UpdateId}) failed (attempt {Attempts}); retrying at {RetryAt:O}: {Error}")]
        public static partial void WillRetry(ILogger logger, long deliveryId, string subject, UpdateId updateId, int attempts, DateTimeOffset retryAt, string error);

        [LoggerMessage(4002, LogLevel.Error, "Mail {DeliveryId} for {Subject} (update {UpdateId}) parked after {Attempts} attempts: {Error}")]
        public static partial void Parked(ILogger logger, long deliveryId, string subject, UpdateId updateId, int attempts, string error);

        [LoggerMessage(4005, LogLevel.Warning, "Mail {DeliveryId} for {Subject} (update {UpdateId}) reached the server, which never answered (attempt {Attempts}): it may have been delivered; sending it once more at {ResendAt:O}, with the same Message-Id. {Error}")]
        public static partial void UnknownOutcome(ILogger logger, long deliveryId, string subject, UpdateId updateId, int attempts, DateTimeOffset resendAt, string error);

        [LoggerMessage(4006, LogLevel.Warning, "Mail {DeliveryId} for {Subject} (update {UpdateId}) reached the server again without an answer (attempt {Attempts}); parked, not sent a third time. {Error}")]
        public static partial void UnknownTwice(ILogger logger, long deliveryId, string subject, UpdateId updateId, int attempts, string error);

        [LoggerMessage(4004, LogLevel.Information, "Mail since start: {Sent} sent, {Retried} failed and retried, {Parked} parked")]
        public static partial void Summary(ILogger logger, long sent, long retried, long parked);

        [LoggerMessage(4003, LogLevel.Error, "The email sender's round failed; trying again shortly")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(4007, LogLevel.Warning, "Mail {DeliveryId} for {Subject}: its outcome ({State}) was not recorded, because its subject was deleted or because its claim ran out and another sender took it, which may send it again")]
        public static partial void ClaimLost(ILogger logger, long deliveryId, string subject, DeliveryState state);

        [LoggerMessage(4008, LogLevel.Warning, "The email sender could not renew its claims; trying again before they run out")]
        public static partial void RenewFailed(ILogger logger, Exception exception);

        [LoggerMessage(4009, LogLevel.Warning, "The email sender could not give up the claims of a round cut short; they lapse when their lease runs out")]
        public static partial void ReleaseFailed(ILogger logger, Exception exception);
    }
}
