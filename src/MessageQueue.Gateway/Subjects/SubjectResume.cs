using System.Runtime.CompilerServices;
using System.Text;
using MessageQueue.Gateway.Storage;

namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// How a client that held a subject up to some sequence number gets back in, whichever door it comes through (and,
/// later, on whichever instance): its door registers it as a listener first; then the history bound is read, the
/// subject's last sequence number as the catalog shows it at that moment; then the stored updates after the client's
/// position up to that bound are replayed; then live updates carry on, skipping any at or below what was replayed.
/// Why nothing is missed and nothing doubled: the catalog takes each change before any sink does, so an update above
/// the bound reaches the sinks after the listener was registered, and one at or below it is in the replay.
/// (mercure's AddSubscriber does the same: register, capture the history bound, replay, then live.)
/// </summary>
internal sealed class SubjectResume(SubjectCatalog catalog, ISubjectStore store, SubjectValidator validator)
{
    /// <summary>Updates read from the store at a time.</summary>
    public const int PageSize = 500;

    /// <summary>
    /// Registers the client with <paramref name="listen"/> (given the subject's id), then captures the history bound.
    /// Without a position the client starts at the bound. A position past the bound belongs to an earlier subject of
    /// that name: the client starts over from 0 (<see cref="Resumption.StartedOver"/>). On an error after
    /// <paramref name="listen"/> ran (the subject was deleted meanwhile) the caller undoes its registration.
    /// </summary>
    public async Task<SubjectResult<Resumption>> BeginAsync(
        string? subject, long? afterSequence, Func<int, CancellationToken, ValueTask> listen, CancellationToken cancellationToken)
    {
        if ((validator.CheckName(subject) ?? validator.CheckPosition(afterSequence ?? 0)) is { } error)
            return error;
        if (!catalog.TryGet(subject!, out var found))
            return new SubjectError(SubjectErrorKind.SubjectNotFound, $"Subject '{Echo.Of(subject)}' does not exist.", "subject");

        await listen(found.Id, cancellationToken).ConfigureAwait(false);
        if (!catalog.TryGet(subject!, found.Id, out var bound))
            return DeletedMeanwhile(subject!);
        if (afterSequence > bound.LastSequence)
        {
            // A client that read on another instance may be ahead of what this one has heard (the relay is late, or
            // that instance died between its commit and its message): the store says whether the position is real.
            // Taken for an earlier subject's, it would replay the whole history again, or report a gap. Continued off
            // the store writer's thread, where the catch-up completes: the replay that follows reads the store.
            await store.CatchUpAsync(found.Id, bound.LastSequence, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            if (!catalog.TryGet(subject!, found.Id, out bound))
                return DeletedMeanwhile(subject!);
        }
        var after = afterSequence ?? bound.LastSequence;
        var startedOver = after > bound.LastSequence;
        return new Resumption(this, bound, startedOver ? 0 : after, startedOver);
    }

    private static SubjectError DeletedMeanwhile(string subject) =>
        new(SubjectErrorKind.SubjectNotFound, $"Subject '{Echo.Of(subject)}' was deleted meanwhile; subscribe again.", "subject");

    /// <summary>
    /// One client's resumption: where the history bound lies and what it has been handed so far. Used by one client's
    /// door at a time.
    /// </summary>
    internal sealed class Resumption(SubjectResume resume, SubjectSnapshot bound, long position, bool startedOver)
    {
        /// <summary>The subject's state at the history bound: live updates carry on after its last sequence number.</summary>
        public SubjectSnapshot Bound { get; } = bound;

        /// <summary>The newest sequence number handed to the client (from the replay or live).</summary>
        public long Position { get; private set; } = position;

        /// <summary>The client's position was past the bound (an earlier subject of that name): it starts over from 0.</summary>
        public bool StartedOver { get; } = startedOver;

        /// <summary>
        /// Hands on the stored updates after <see cref="Position"/> up to <paramref name="upTo"/> (the bound, or just
        /// before a live update that came after a gap), page by page, advancing the position with each. Read by the
        /// subject's id: it ends early, and quietly, when the subject was deleted (its listener hears of that), and
        /// never yields a later subject's updates of the same name.
        /// </summary>
        public async IAsyncEnumerable<UpdateEntry> ReplayAsync(long upTo, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (Position < upTo)
            {
                var limit = (int)Math.Min(PageSize, upTo - Position);
                var page = await resume.ReadAsync(Bound.Id, Position, limit, cancellationToken).ConfigureAwait(false);
                foreach (var update in page)
                {
                    if (update.Sequence > upTo)
                        yield break;
                    Position = update.Sequence;
                    yield return update;
                }
                if (page.Count < limit)
                    yield break;
            }
        }

        /// <summary>What to do with a live update of this subject: skip it, hand it on, or replay what it skipped first.</summary>
        public LiveStep Admit(long sequence) =>
            sequence <= Position ? LiveStep.Skip : sequence == Position + 1 ? LiveStep.Next : LiveStep.AfterGap;

        /// <summary>A live update was handed to the client.</summary>
        public void HandedOn(long sequence) => Position = sequence;

        /// <summary>
        /// The replay in one answer, for a door that sends it so: the updates after the position up to the bound, the
        /// newest of them only, at most <paramref name="maxUpdates"/> and at most <paramref name="maxBytes"/> of text
        /// (updates are up to 32 KiB each: a thousand would make one answer of tens of megabytes).
        /// <see cref="CatchUp.Gap"/> says they do not join the client's position. An error when the subject was deleted
        /// meanwhile: then a replay read by its id may be cut short.
        /// </summary>
        public async Task<SubjectResult<CatchUp>> ReplayNewestAsync(int maxUpdates, long maxBytes, CancellationToken cancellationToken)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(maxUpdates);
            ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
            var last = Bound.LastSequence;
            var gap = StartedOver || last - Position > maxUpdates;
            if (gap)
                Position = Math.Max(0, last - maxUpdates);
            var updates = new List<UpdateEntry>();
            await foreach (var update in ReplayAsync(last, cancellationToken).ConfigureAwait(false))
                updates.Add(update);
            if (!resume.StillExists(Bound))
                return DeletedMeanwhile(Bound.Name);

            var firstKept = updates.Count;
            long bytes = 0;
            while (firstKept > 0 && (bytes += Encoding.UTF8.GetByteCount(updates[firstKept - 1].Text)) <= maxBytes)
                firstKept--;
            if (firstKept > 0)
            {
                updates.RemoveRange(0, firstKept);
                gap = true;
            }
            return new CatchUp(Bound, updates, gap);
        }
    }

    private bool StillExists(SubjectSnapshot subject) => catalog.TryGet(subject.Name, subject.Id, out _);

    private Task<List<UpdateEntry>> ReadAsync(int subjectId, long afterSequence, int limit, CancellationToken cancellationToken) =>
        store.ReadUpdatesAsync(subjectId, afterSequence, limit, cancellationToken);
}

/// <summary>What a resuming client's door does with a live update.</summary>
internal enum LiveStep
{
    /// <summary>At or below what the client was handed: already sent.</summary>
    Skip,

    /// <summary>The next one: hand it on.</summary>
    Next,

    /// <summary>Some before it are missing (the listener's queue dropped them): replay those from the store first.</summary>
    AfterGap,
}
