using System.Data.Common;
using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The hot path of every door: appending an update. Prepared statements on the writer's own connection cost a
/// fraction of change tracking (measured: about 30 instead of 150 microseconds of CPU per update).
/// </summary>
internal sealed class UpdateAppender : IDisposable
{
    private readonly DbCommand _insert;
    private readonly DbCommand _touchSubject;
    private readonly ValueConverter? _timestamp;
    private readonly ValueConverter? _door;

    public UpdateAppender(MessageQueueDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        _insert = PreparedSql.Prepare(connection,
            "INSERT INTO Updates (SubjectId, Sequence, Text, Timestamp, Door) VALUES (@subject, @sequence, @text, @timestamp, @door)",
            "@subject", "@sequence", "@text", "@timestamp", "@door");
        _touchSubject = PreparedSql.Prepare(connection,
            "UPDATE Subjects SET LastSequence = @sequence, LastUpdatedAt = @timestamp WHERE Id = @subject",
            "@sequence", "@timestamp", "@subject");

        _timestamp = PreparedSql.Converter<UpdateEntity>(db, nameof(UpdateEntity.Timestamp));
        _door = PreparedSql.Converter<UpdateEntity>(db, nameof(UpdateEntity.Door));
    }

    public void Append(IDbContextTransaction transaction, int subjectId, long sequence, string text, DateTimeOffset timestamp, Door door) =>
        PreparedSql.Execute(_insert, transaction, subjectId, sequence, text, _timestamp.ToProvider(timestamp), _door.ToProvider(door));

    /// <summary>Records a subject's newest sequence number once per batch, not once per update.</summary>
    public void TouchSubject(IDbContextTransaction transaction, int subjectId, long lastSequence, DateTimeOffset timestamp) =>
        PreparedSql.Execute(_touchSubject, transaction, lastSequence, _timestamp.ToProvider(timestamp), subjectId);

    public void Dispose()
    {
        _insert.Dispose();
        _touchSubject.Dispose();
    }
}
