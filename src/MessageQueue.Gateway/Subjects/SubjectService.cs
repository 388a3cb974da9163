using System.Collections.Immutable;
using MessageQueue.Gateway.Storage;

namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// The application service every door calls: validation, then reads from the catalog or changes through the
/// store writer. Doors only decode their input, call this and encode the result.
/// </summary>
public sealed class SubjectService
{
    private readonly SubjectCatalog _catalog;
    private readonly StoreWriter _writer;
    private readonly SubjectValidator _validator;

    internal SubjectService(SubjectCatalog catalog, StoreWriter writer, SubjectValidator validator)
    {
        _catalog = catalog;
        _writer = writer;
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

    /// <summary>Registers an email on a subject (again is harmless) and returns the subject's current state.</summary>
    public Task<SubjectResult<SubjectSnapshot>> RegisterEmailAsync(string? subject, string? email)
    {
        var error = CheckExisting(subject) ?? _validator.CheckEmail(email);
        return error is not null ? Task.FromResult<SubjectResult<SubjectSnapshot>>(error)
            : _writer.Submit(new RegisterEmailCommand(subject!, email!));
    }

    public Task<SubjectResult<SubjectSnapshot>> UnregisterEmailAsync(string? subject, string? email)
    {
        var error = CheckExisting(subject) ?? _validator.CheckEmail(email);
        return error is not null ? Task.FromResult<SubjectResult<SubjectSnapshot>>(error)
            : _writer.Submit(new UnregisterEmailCommand(subject!, email!));
    }

    /// <summary>Appends a line to a subject. Completes once the update is durable and handed to the fan-out.</summary>
    public Task<SubjectResult<SubjectUpdate>> PostUpdateAsync(string? subject, string? text, Door door)
    {
        var error = CheckExisting(subject) ?? _validator.CheckUpdateText(text);
        return error is not null ? Task.FromResult<SubjectResult<SubjectUpdate>>(error)
            : _writer.Submit(new AppendUpdateCommand(subject!, text!, door));
    }

    private SubjectError? CheckExisting(string? subject) =>
        _validator.CheckName(subject) ?? (_catalog.TryGet(subject!, out _) ? null : NotFound(subject!));

    private static SubjectError NotFound(string subject) =>
        new(SubjectErrorKind.SubjectNotFound, $"Subject '{subject}' does not exist.", "subject");
}
