using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The hot path of every door: appending an update. Prepared statements on the writer's own connection cost a
/// fraction of change tracking (measured: about 30 instead of 150 microseconds of CPU per update). The sequence number
/// comes from the counter on the subject's row, in the same transaction: the store, not a cache, numbers updates, and a
/// second writer on the same subject waits for the row (or the database) until the first commits.
/// </summary>
internal sealed class UpdateAppender : IDisposable
{
    private readonly DbCommand _nextSequence;
    private readonly DbCommand _insert;
    private readonly ValueConverter? _timestamp;

    public UpdateAppender(MessageQueueDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        _nextSequence = PreparedSql.Prepare(connection,
            """
            UPDATE "Subjects" SET "LastSequence" = "LastSequence" + 1, "LastUpdatedAt" = @timestamp WHERE "Id" = @subject RETURNING "LastSequence"
            """,
            "@timestamp", "@subject");
        _insert = PreparedSql.Prepare(connection,
            """
            INSERT INTO "Updates" ("SubjectId", "Sequence", "Text", "Timestamp", "Origin", "IdempotencyKey")
            VALUES (@subject, @sequence, @text, @timestamp, @origin, @key)
            """,
            "@subject", "@sequence", "@text", "@timestamp", "@origin", "@key");

        _timestamp = PreparedSql.Converter<UpdateEntity>(db, nameof(UpdateEntity.Timestamp));
    }

    /// <summary>Stores an update as the subject's next one; returns its sequence number.</summary>
    public long Append(IDbContextTransaction transaction, int subjectId, string text, DateTimeOffset timestamp, string origin, string? idempotencyKey)
    {
        var storedTimestamp = _timestamp.ToProvider(timestamp);
        var sequence = Convert.ToInt64(PreparedSql.Scalar(_nextSequence, transaction, storedTimestamp, subjectId), CultureInfo.InvariantCulture);
        PreparedSql.Execute(_insert, transaction, subjectId, sequence, text, storedTimestamp, origin, idempotencyKey);
        return sequence;
    }

    public void Dispose()
    {
        _nextSequence.Dispose();
        _insert.Dispose();
    }
}
