using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The store behind <see cref="SubjectService"/>: the truth about subjects, their history and registrations.
/// <list type="bullet">
/// <item>Each change is atomic: all of it is stored or none, and its task completes only once it is durable.</item>
/// <item>Per subject, the store numbers updates itself, gap-free from 1, in commit order; a repeat of an idempotency
/// key already stored on the subject stores nothing and completes with the stored update.</item>
/// <item>Once committed, a commit's changes go first to the <see cref="SubjectCatalog"/> and then to the change
/// stream, in commit order, before any of its callers is answered; so a caller that reads after its answer sees its
/// change, and every door sees a subject's changes in the same order.</item>
/// <item>A refusal (an unknown subject, a name taken, a full queue, a store that refuses writes) completes with a
/// <see cref="SubjectError"/>; it never throws.</item>
/// <item>A change's task may complete on the store's own writing thread, and the caller's code after its await then
/// runs there until its next wait: it must not block (no sleeps, no synchronous waits or I/O), or every write waits.</item>
/// </list>
/// </summary>
internal interface ISubjectStore
{
    Task<SubjectResult<SubjectSnapshot>> CreateSubjectAsync(string name, string initialContent);

    /// <summary>Deletes a subject with its history and registrations; completes with its last state.</summary>
    Task<SubjectResult<SubjectSnapshot>> DeleteSubjectAsync(string subject);

    Task<SubjectResult<SubjectUpdate>> AppendUpdateAsync(string subject, string text, string origin, string? idempotencyKey);

    Task<SubjectResult<EmailRegistration>> RegisterEmailAsync(string subject, string email);

    Task<SubjectResult<EmailRegistration>> ConfirmEmailAsync(string subject, string email);

    Task<SubjectResult<SubjectSnapshot>> UnregisterEmailAsync(string subject, string email);

    Task<SubjectResult<EmailRegistration>> SetMailModeAsync(string subject, string email, MailSettings settings);

    /// <summary>
    /// Up to <paramref name="limit"/> committed updates of the subject of that id after a sequence number, oldest
    /// first: nothing once it is deleted, never the updates of a later subject of the same name. A read sees whole
    /// commits only.
    /// </summary>
    Task<List<UpdateEntry>> ReadUpdatesAsync(int subjectId, long afterSequence, int limit, CancellationToken cancellationToken);

    /// <summary>How many of the registrations on the subject of that id are in each mail mode.</summary>
    Task<MailModeCounts> CountMailModesAsync(int subjectId, CancellationToken cancellationToken);

    /// <summary>
    /// Brings the catalog up to what the store holds now, when other instances share it (PostgreSQL) and the store
    /// holds more of the subject of that id than <paramref name="heard"/> (or no longer holds it): what they committed
    /// that this instance has not heard of yet reaches the catalog and every door here before this completes. Nothing
    /// to do on a store of one instance's own.
    /// </summary>
    Task CatchUpAsync(int subjectId, long heard, CancellationToken cancellationToken);
}

/// <summary>The store on EF Core (SQLite today): changes through the group-committing writer, reads on pooled contexts.</summary>
internal sealed class SubjectStore(StoreWriter writer, SubjectHistory history, IDbContextFactory<MessageQueueDbContext> contextFactory, IOptions<StoreOptions> options) : ISubjectStore
{
    public Task<SubjectResult<SubjectSnapshot>> CreateSubjectAsync(string name, string initialContent) =>
        writer.Submit(new CreateSubjectCommand(name, initialContent));

    public Task<SubjectResult<SubjectSnapshot>> DeleteSubjectAsync(string subject) => writer.Submit(new DeleteSubjectCommand(subject));

    public Task<SubjectResult<SubjectUpdate>> AppendUpdateAsync(string subject, string text, string origin, string? idempotencyKey) =>
        writer.Submit(new AppendUpdateCommand(subject, text, origin, idempotencyKey));

    public Task<SubjectResult<EmailRegistration>> RegisterEmailAsync(string subject, string email) => writer.Submit(new RegisterEmailCommand(subject, email));

    public Task<SubjectResult<EmailRegistration>> ConfirmEmailAsync(string subject, string email) => writer.Submit(new ConfirmEmailCommand(subject, email));

    public Task<SubjectResult<SubjectSnapshot>> UnregisterEmailAsync(string subject, string email) => writer.Submit(new UnregisterEmailCommand(subject, email));

    public Task<SubjectResult<EmailRegistration>> SetMailModeAsync(string subject, string email, MailSettings settings) => writer.Submit(new SetMailModeCommand(subject, email, settings));

    public Task<List<UpdateEntry>> ReadUpdatesAsync(int subjectId, long afterSequence, int limit, CancellationToken cancellationToken) =>
        history.ReadAsync(subjectId, afterSequence, limit, cancellationToken);

    public async Task<MailModeCounts> CountMailModesAsync(int subjectId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        // Through the index on (SubjectId, NormalizedEmail): the subject's registrations only.
        var counts = await db.Subscriptions.AsNoTracking().Where(s => s.SubjectId == subjectId)
            .GroupBy(s => s.Mode).Select(g => new { Mode = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Mode, g => g.Count, cancellationToken);
        return new MailModeCounts(counts.GetValueOrDefault(MailMode.Immediate), counts.GetValueOrDefault(MailMode.Digest), counts.GetValueOrDefault(MailMode.Off));
    }

    public async Task CatchUpAsync(int subjectId, long heard, CancellationToken cancellationToken)
    {
        if (options.Value.Provider != StoreProvider.PostgreSql)
            return;
        // One row read on a pooled context first: a position past what the store holds (an earlier subject's, or made
        // up) may come with every client's every reconnection, and must not each have the writer reconcile every subject.
        if (await history.LastSequenceAsync(subjectId, cancellationToken).ConfigureAwait(false) is { } stored && stored <= heard)
            return;
        await writer.Submit(new ReconcileCommand()).ConfigureAwait(false);
    }
}
