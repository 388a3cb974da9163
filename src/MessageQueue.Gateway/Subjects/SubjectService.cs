using System.Collections.Immutable;
using MessageQueue.Gateway.Storage;

namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// The application service every door calls: validation, then reads from the catalog (the store's cache) or the
/// store's history, or changes through the store. Doors only decode their input, call this and encode the result.
/// </summary>
public sealed class SubjectService
{
    private readonly SubjectCatalog _catalog;
    private readonly ISubjectStore _store;
    private readonly SubjectValidator _validator;

    internal SubjectService(SubjectCatalog catalog, ISubjectStore store, SubjectValidator validator)
    {
        _catalog = catalog;
        _store = store;
        _validator = validator;
    }

    /// <summary>Subject names in creation order.</summary>
    public ImmutableArray<string> SubjectNames => _catalog.Names;

    public IEnumerable<SubjectSnapshot> ListSubjects() => _catalog.All();

    public SubjectResult<SubjectSnapshot> GetSubject(string? subject)
    {
        var error = CheckExisting(subject);
        return error is not null ? error : _catalog.TryGet(subject!, out var snapshot) ? snapshot : NotFound(subject!);
    }

    /// <summary>How many of the subject's registrations are mailed immediately, in digests, or not at all.</summary>
    public async Task<SubjectResult<MailModeCounts>> CountMailModesAsync(string? subject, CancellationToken cancellationToken)
    {
        var found = GetSubject(subject);
        return found.Value is { } state ? await _store.CountMailModesAsync(state.Id, cancellationToken) : found.Error!;
    }

    /// <summary>The subject's state, when it exists and the address is one that could be registered on it.</summary>
    public SubjectResult<SubjectSnapshot> CheckEmailOn(string? subject, string? email) =>
        _validator.CheckEmail(email) is { } invalid ? invalid : GetSubject(subject);

    /// <summary>Creates a subject with an optional initial content. Its name may not start another subject's name or vice versa.</summary>
    public Task<SubjectResult<SubjectSnapshot>> CreateSubjectAsync(string? name, string? content)
    {
        var error = _validator.CheckNewName(name, _catalog.Names) ?? _validator.CheckInitialContent(content);
        return error is not null ? Task.FromResult<SubjectResult<SubjectSnapshot>>(error)
            : _store.CreateSubjectAsync(name!, content ?? "");
    }

    /// <summary>Deletes a subject with its history and registrations; completes with its last state.</summary>
    public Task<SubjectResult<SubjectSnapshot>> DeleteSubjectAsync(string? subject)
    {
        var error = CheckExisting(subject);
        return error is not null ? Task.FromResult<SubjectResult<SubjectSnapshot>>(error)
            : _store.DeleteSubjectAsync(subject!);
    }

    /// <summary>Registers an email on a subject (again is harmless: the result says whether it is new).</summary>
    public Task<SubjectResult<EmailRegistration>> RegisterEmailAsync(string? subject, string? email)
    {
        var error = CheckExisting(subject) ?? _validator.CheckEmail(email);
        return error is not null ? Task.FromResult<SubjectResult<EmailRegistration>>(error)
            : _store.RegisterEmailAsync(subject!, email!);
    }

    /// <summary>Confirms a registration (double opt-in): from then on the address receives the subject's updates.</summary>
    public Task<SubjectResult<EmailRegistration>> ConfirmEmailAsync(string? subject, string? email)
    {
        var error = CheckExisting(subject) ?? _validator.CheckEmail(email);
        return error is not null ? Task.FromResult<SubjectResult<EmailRegistration>>(error)
            : _store.ConfirmEmailAsync(subject!, email!);
    }

    public Task<SubjectResult<SubjectSnapshot>> UnregisterEmailAsync(string? subject, string? email)
    {
        var error = CheckExisting(subject) ?? _validator.CheckEmail(email);
        return error is not null ? Task.FromResult<SubjectResult<SubjectSnapshot>>(error)
            : _store.UnregisterEmailAsync(subject!, email!);
    }

    /// <summary>
    /// Sets how often a registration is mailed (<paramref name="mode"/>: <c>immediate</c>, <c>digest</c> or <c>off</c>,
    /// any case) and whether it is mailed what a browser of its address already received; each when given, one at least.
    /// </summary>
    public Task<SubjectResult<EmailRegistration>> SetMailModeAsync(string? subject, string? email, string? mode, bool? mailEvenWhenSeen = null)
    {
        var error = CheckExisting(subject) ?? _validator.CheckEmail(email);
        // Only the three names, in any case: not a number, nor a name with spaces around it.
        var parsed = Enum.GetValues<MailMode>().Where(m => string.Equals(m.ToString(), mode, StringComparison.OrdinalIgnoreCase)).Cast<MailMode?>().FirstOrDefault();
        if (error is null && parsed is null && (mode is not null || mailEvenWhenSeen is null))
            error = new SubjectError(SubjectErrorKind.Invalid,
                mode is null ? "Say what to change: a mode (immediate, digest or off), mailEvenWhenSeen, or both." : "The mode must be immediate, digest or off.", "mode");
        return error is not null ? Task.FromResult<SubjectResult<EmailRegistration>>(error)
            : _store.SetMailModeAsync(subject!, email!, new MailSettings(parsed, mailEvenWhenSeen));
    }

    /// <summary>
    /// Appends a line to a subject. Completes once the update is durable and handed to the change stream. With an
    /// <paramref name="idempotencyKey"/>, a repeat of an update already stored on the subject under that key stores
    /// nothing and completes with the stored one (its content is the subject's content now).
    /// </summary>
    /// <param name="origin">Where it came in (<see cref="Origins"/>).</param>
    public Task<SubjectResult<SubjectUpdate>> PostUpdateAsync(string? subject, string? text, string origin, string? idempotencyKey = null)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(origin.Length, Origins.MaxLength);
        var error = CheckExisting(subject) ?? _validator.CheckUpdateText(text) ?? _validator.CheckIdempotencyKey(idempotencyKey);
        return error is not null ? Task.FromResult<SubjectResult<SubjectUpdate>>(error)
            : _store.AppendUpdateAsync(subject!, text!, origin, idempotencyKey);
    }

    /// <summary>Up to <paramref name="limit"/> stored updates after sequence number <paramref name="after"/>, oldest first.</summary>
    public async Task<SubjectResult<HistoryPage>> ReadHistoryAsync(string? subject, long after, int limit, CancellationToken cancellationToken)
    {
        if ((_validator.CheckName(subject) ?? _validator.CheckPage(after, limit)) is { } error)
            return error;
        if (!_catalog.TryGet(subject!, out var found))
            return NotFound(subject!);
        // By id: a subject deleted and created again meanwhile never lends its updates to the other's page.
        var updates = await _store.ReadUpdatesAsync(found.Id, after, limit, cancellationToken).ConfigureAwait(false);

        // The state is read after the page, so its last sequence number is never behind the page.
        return _catalog.TryGet(subject!, found.Id, out var snapshot) ? new HistoryPage(snapshot, updates) : NotFound(subject!);
    }

    /// <summary>One stored update by its sequence number.</summary>
    public async Task<SubjectResult<UpdateEntry>> GetUpdateAsync(string? subject, long sequence, CancellationToken cancellationToken)
    {
        if ((_validator.CheckName(subject) ?? _validator.CheckSequence(sequence)) is { } error)
            return error;
        if (!_catalog.TryGet(subject!, out var subjectState))
            return NotFound(subject!);
        var found = await _store.ReadUpdatesAsync(subjectState.Id, sequence - 1, 1, cancellationToken).ConfigureAwait(false);
        return found is [var update] && update.Sequence == sequence
            ? update
            : new SubjectError(SubjectErrorKind.UpdateNotFound, $"Subject '{Echo.Of(subject)}' has no update {sequence}.", "sequence");
    }

    private SubjectError? CheckExisting(string? subject) =>
        _validator.CheckName(subject) ?? (_catalog.TryGet(subject!, out _) ? null : NotFound(subject!));

    private static SubjectError NotFound(string subject) =>
        new(SubjectErrorKind.SubjectNotFound, $"Subject '{Echo.Of(subject)}' does not exist.", "subject");
}
