using System.Text;
using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// A subject's content as of one of its updates, rebuilt from the store: its newest updates are read back only as far
/// as the content window reaches, so the cost does not grow with the subject's age.
/// </summary>
internal static class StoredContent
{
    public static async Task<string> ReadAsync(
        MessageQueueDbContext db, ContentWindow window, int subjectId, string initialContent, long upToSequence, CancellationToken cancellationToken)
    {
        var newestFirst = new List<string>();
        long bytes = 0;
        var texts = db.Updates.AsNoTracking()
            .Where(u => u.SubjectId == subjectId && u.Sequence <= upToSequence)
            .OrderByDescending(u => u.Sequence)
            .Select(u => u.Text)
            .AsAsyncEnumerable();
        await foreach (var text in texts.WithCancellation(cancellationToken))
        {
            newestFirst.Add(text);
            bytes += Encoding.UTF8.GetByteCount(text) + 1; // and its line break
            if (bytes > window.MaxBytes)
                return Rebuild(window, newestFirst);
        }
        newestFirst.Add(initialContent); // every update read: the content starts from the initial one
        return Rebuild(window, newestFirst);
    }

    private static string Rebuild(ContentWindow window, List<string> newestFirst)
    {
        newestFirst.Reverse();
        return window.Rebuild(newestFirst);
    }
}
