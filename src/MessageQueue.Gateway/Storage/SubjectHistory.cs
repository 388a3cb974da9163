using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Storage;

/// <summary>Reads stored updates. Readers use their own pooled contexts; WAL lets them run beside the writer's commits.</summary>
internal sealed class SubjectHistory(IDbContextFactory<MessageQueueDbContext> contextFactory)
{
    /// <summary>Up to <paramref name="limit"/> updates of the subject of that id (not a later one of the same name) after a sequence number, oldest first.</summary>
    public async Task<List<UpdateEntry>> ReadAsync(int subjectId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Updates.AsNoTracking()
            .Where(u => u.SubjectId == subjectId && u.Sequence > afterSequence)
            .OrderBy(u => u.Sequence)
            .Select(u => new { u.Sequence, u.Text, u.Timestamp, u.Origin })
            .Take(limit)
            .ToListAsync(cancellationToken);
        return rows.ConvertAll(r => new UpdateEntry(r.Sequence, r.Text, r.Timestamp, r.Origin));
    }

    /// <summary>The last sequence number the store holds for the subject of that id; null when it holds no such subject.</summary>
    public async Task<long?> LastSequenceAsync(int subjectId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Subjects.AsNoTracking().Where(s => s.Id == subjectId).Select(s => (long?)s.LastSequence).FirstOrDefaultAsync(cancellationToken);
    }
}
