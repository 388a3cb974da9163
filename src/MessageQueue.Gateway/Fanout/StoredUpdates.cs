using System.Runtime.CompilerServices;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Fanout;

/// <summary>Committed updates read back from the store, as the fan-out handed them on: for a sink that failed to take them.</summary>
internal sealed class StoredUpdates(
    IDbContextFactory<MessageQueueDbContext> contextFactory, SubjectHistory history, SubjectCatalog catalog, ContentWindow window)
{
    private const int PageSize = 500;

    /// <summary>
    /// The subject's updates after <paramref name="afterSequence"/> up to its newest committed one, oldest first, each
    /// with the content it produced; nothing once the subject was deleted (its id is no longer the catalog's).
    /// </summary>
    public async IAsyncEnumerable<SubjectUpdate> ReadAsync(int subjectId, string subject, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!catalog.TryGet(subject, out var state) || state.Id != subjectId || state.LastSequence <= afterSequence)
            yield break;

        // The content as it stood at the position, then each update applied to it as the store writer did.
        string content;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            var initial = await db.Subjects.Where(s => s.Id == subjectId).Select(s => s.InitialContent)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (initial is null)
                yield break; // deleted meanwhile
            content = await StoredContent.ReadAsync(db, window, subjectId, initial, afterSequence, cancellationToken).ConfigureAwait(false);
        }

        await foreach (var entry in EntriesAsync(subjectId, afterSequence, state.LastSequence, cancellationToken))
        {
            content = window.Append(content, entry.Text);
            yield return new SubjectUpdate(subject, entry.Sequence, entry.Text, content, entry.Timestamp, entry.Origin, subjectId);
        }
    }

    // By the subject's id: once it is deleted nothing more, never the updates of a later subject of the same name.
    private async IAsyncEnumerable<UpdateEntry> EntriesAsync(int subjectId, long after, long upTo, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (after < upTo)
        {
            var page = await history.ReadAsync(subjectId, after, (int)Math.Min(PageSize, upTo - after), cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
                yield break;
            foreach (var entry in page)
            {
                if (entry.Sequence > upTo)
                    yield break;
                yield return entry;
                after = entry.Sequence;
            }
        }
    }
}
