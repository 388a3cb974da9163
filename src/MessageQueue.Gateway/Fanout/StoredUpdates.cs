using System.Runtime.CompilerServices;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Fanout;

/// <summary>Committed updates read back from the store, as the fan-out handed them on: for a sink that failed to take them.</summary>
internal sealed class StoredUpdates(SubjectHistory history, SubjectCatalog catalog)
{
    private const int PageSize = 500;

    /// <summary>
    /// The subject's updates after <paramref name="afterSequence"/> up to its newest committed one, oldest first, each
    /// with the content it produced; nothing once the subject was deleted (its id is no longer the catalog's).
    /// </summary>
    /// <remarks>
    /// The content rule lives here too (content = previous content + "\n" + text): the content after an update is the
    /// current content without the lines of the updates that came after it.
    /// </remarks>
    public async IAsyncEnumerable<SubjectUpdate> ReadAsync(int subjectId, string subject, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!catalog.TryGet(subject, out var state) || state.Id != subjectId || state.LastSequence <= afterSequence)
            yield break;

        // First pass: how much of the current content the updates after the position added.
        long added = 0;
        await foreach (var entry in EntriesAsync(subject, afterSequence, state.LastSequence, cancellationToken))
            added += 1 + entry.Text.Length;
        var length = state.Content.Length - added;
        if (length < 0)
            yield break; // the store and the catalog disagree (the subject changed under us): nothing safe to hand on

        await foreach (var entry in EntriesAsync(subject, afterSequence, state.LastSequence, cancellationToken))
        {
            length += 1 + entry.Text.Length;
            yield return new SubjectUpdate(subject, entry.Sequence, entry.Text, state.Content[..(int)length], entry.Timestamp, entry.Door, subjectId);
        }
    }

    private async IAsyncEnumerable<UpdateEntry> EntriesAsync(string subject, long after, long upTo, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (after < upTo)
        {
            var page = await history.ReadAsync(subject, after, (int)Math.Min(PageSize, upTo - after), cancellationToken).ConfigureAwait(false);
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
