using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Email;

/// <summary>An update's text and the subject's content (within the window) as it stood right after that update.</summary>
internal sealed class MailContent(IDbContextFactory<MessageQueueDbContext> contextFactory, SubjectCatalog catalog, ContentWindow window)
{
    public async Task<(string Text, string Content)> ReadAsync(int subjectId, string subject, long sequence, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var text = await db.Updates.Where(u => u.SubjectId == subjectId && u.Sequence == sequence).Select(u => u.Text).SingleAsync(cancellationToken);

        // Usually nothing came after it yet, and the catalog holds exactly that content.
        if (catalog.TryGet(subject, out var current) && current.Id == subjectId && current.LastSequence == sequence)
            return (text, current.Content);

        var initial = await db.Subjects.Where(s => s.Id == subjectId).Select(s => s.InitialContent).SingleAsync(cancellationToken);
        return (text, await StoredContent.ReadAsync(db, window, subjectId, initial, sequence, cancellationToken));
    }
}
