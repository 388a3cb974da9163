using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The email outbox's statements on the store writer's connection. Recording an update's mail is one row whatever
/// the number of recipients. (Expanding and recording outcomes here are left over: the email sender does both on its
/// own connection now, see <see cref="OutboxClaims"/>.)
/// </summary>
internal sealed class OutboxStatements : IDisposable
{
    private readonly DbCommand _recordUpdate;
    private readonly DbCommand _expandUpdate;
    private readonly DbCommand _expandConfirmation;
    private readonly DbCommand _markExpanded;
    private readonly DbCommand _recordOutcome;
    private readonly ValueConverter? _time;
    private readonly ValueConverter? _kind;
    private readonly ValueConverter? _state;

    public OutboxStatements(MessageQueueDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        _recordUpdate = PreparedSql.Prepare(connection,
            "INSERT INTO Notifications (Kind, SubjectId, Sequence, CreatedAt) VALUES (@kind, @subject, @sequence, @time)",
            "@kind", "@subject", "@sequence", "@time");
        _expandUpdate = PreparedSql.Prepare(connection,
            """
            INSERT INTO Deliveries (NotificationId, Email, State, Attempts, NextAttemptAt)
            SELECT @notification, Email, @state, 0, @now FROM Subscriptions
            WHERE SubjectId = @subject AND ConfirmedAt IS NOT NULL AND ConfirmedAt <= @createdAt
            """,
            "@notification", "@state", "@now", "@subject", "@createdAt");
        _expandConfirmation = PreparedSql.Prepare(connection,
            "INSERT INTO Deliveries (NotificationId, Email, State, Attempts, NextAttemptAt) VALUES (@notification, @email, @state, 0, @now)",
            "@notification", "@email", "@state", "@now");
        _markExpanded = PreparedSql.Prepare(connection, "UPDATE Notifications SET ExpandedAt = @now WHERE Id = @notification", "@now", "@notification");
        _recordOutcome = PreparedSql.Prepare(connection,
            "UPDATE Deliveries SET State = @state, Attempts = @attempts, NextAttemptAt = @next, LastError = @error, SentAt = @sent WHERE Id = @delivery",
            "@state", "@attempts", "@next", "@error", "@sent", "@delivery");

        _time = PreparedSql.Converter<NotificationEntity>(db, nameof(NotificationEntity.CreatedAt));
        _kind = PreparedSql.Converter<NotificationEntity>(db, nameof(NotificationEntity.Kind));
        _state = PreparedSql.Converter<DeliveryEntity>(db, nameof(DeliveryEntity.State));
    }

    /// <summary>The mail of one update, to be expanded by the sender: constant cost, whatever the recipients.</summary>
    public void RecordUpdate(IDbContextTransaction transaction, int subjectId, long sequence, DateTimeOffset time) =>
        PreparedSql.Execute(_recordUpdate, transaction, _kind.ToProvider(NotificationKind.Update), subjectId, sequence, _time.ToProvider(time));

    /// <summary>Creates a notification's deliveries and marks it expanded; returns how many.</summary>
    public int Expand(IDbContextTransaction transaction, NotificationEntity notification, DateTimeOffset now)
    {
        var pending = _state.ToProvider(DeliveryState.Pending);
        var created = notification.Kind == NotificationKind.Update
            ? PreparedSql.Execute(_expandUpdate, transaction, notification.Id, pending, _time.ToProvider(now), notification.SubjectId, _time.ToProvider(notification.CreatedAt))
            : PreparedSql.Execute(_expandConfirmation, transaction, notification.Id, notification.Email!, pending, _time.ToProvider(now));
        PreparedSql.Execute(_markExpanded, transaction, _time.ToProvider(now), notification.Id);
        return created;
    }

    /// <summary>What became of one attempt: one prepared UPDATE, committed with whatever else the batch holds.</summary>
    public void Record(IDbContextTransaction transaction, DeliveryOutcome outcome) =>
        PreparedSql.Execute(_recordOutcome, transaction, _state.ToProvider(outcome.State), outcome.Attempts, _time.ToProvider(outcome.NextAttemptAt),
            (object?)outcome.Error ?? DBNull.Value, outcome.SentAt is { } sent ? _time.ToProvider(sent) : DBNull.Value, outcome.DeliveryId);

    public void Dispose()
    {
        _recordOutcome.Dispose();
        _recordUpdate.Dispose();
        _expandUpdate.Dispose();
        _expandConfirmation.Dispose();
        _markExpanded.Dispose();
    }
}
