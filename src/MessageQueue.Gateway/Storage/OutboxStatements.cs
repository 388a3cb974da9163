using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The email outbox's statement on the store writer's connection: an update's mail is one row, committed with the
/// update, whatever the number of recipients. The sender expands and sends it on its own connection (<see cref="OutboxClaims"/>).
/// </summary>
internal sealed class OutboxStatements : IDisposable
{
    private readonly DbCommand _recordUpdate;
    private readonly ValueConverter? _time;
    private readonly ValueConverter? _kind;

    public OutboxStatements(MessageQueueDbContext db)
    {
        _recordUpdate = PreparedSql.Prepare(db.Database.GetDbConnection(),
            """
            INSERT INTO "Notifications" ("Kind", "SubjectId", "Sequence", "CreatedAt") VALUES (@kind, @subject, @sequence, @time)
            """,
            "@kind", "@subject", "@sequence", "@time");
        _time = PreparedSql.Converter<NotificationEntity>(db, nameof(NotificationEntity.CreatedAt));
        _kind = PreparedSql.Converter<NotificationEntity>(db, nameof(NotificationEntity.Kind));
    }

    /// <summary>The mail of one update, to be expanded by the sender: constant cost, whatever the recipients.</summary>
    public void RecordUpdate(IDbContextTransaction transaction, int subjectId, long sequence, DateTimeOffset time) =>
        PreparedSql.Execute(_recordUpdate, transaction, _kind.ToProvider(NotificationKind.Update), subjectId, sequence, _time.ToProvider(time));

    public void Dispose() => _recordUpdate.Dispose();
}
